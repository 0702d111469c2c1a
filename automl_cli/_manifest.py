"""What a model directory says about its model: the manifest, built from a ``FitResult``
(so that ``fit()`` + ``save_model()`` make a directory ``predict`` reads, with or
without the CLI), and the summary document ``automl fit`` prints."""

from __future__ import annotations

import time

from ._artifact import library_versions
from ._drift import training_profile


def build_manifest(result, source: dict, seconds: float) -> dict:
    """The manifest of ``result`` (a ``FitResult``); ``source`` has the input's ``path``,
    ``format`` and ``columns``; ``seconds`` is the wall time of the whole run."""
    opts = result.options
    trials = [t.to_dict() for t in result.search.trials]
    first = next((t for t in result.search.trials if t.status == "ok"), None)
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": library_versions(),
        "seed": opts.seed,
        "data": {"path": source.get("path"), "format": source.get("format"),
                 "rows": int(len(result.problem.y)), "columns": int(source["columns"])},
        "target": result.problem.target,
        "task": result.problem.task,
        "kind": result.problem.kind,
        "classes": result.problem.classes,
        "schema": result.schema,
        "metric": result.metric,
        "scores": {"cv": result.cv_scores, "holdout": result.holdout_scores,
                   "cv_folds": opts.cv, "cv_repeats": opts.repeats},
        "config": result.config,
        "ensemble": _ensemble(result),
        "calibration": (None if result.ensemble is None or result.ensemble.temperature is None
                        else {"method": "temperature",
                              "inverse_temperature": round(result.ensemble.temperature, 6)}),
        "search": {"trials": len(trials), "stopped_by": result.search.stopped_by,
                   "scored_by": result.screening,
                   "interrupted": result.search.interrupted,
                   "first_score": first.score if first else None,
                   "best_score": result.search.best.score},
        "leaderboard": trials,
        "skipped": result.search.skipped,
        "recommendation": result.advice,
        "gain_over_first": (None if first is None else
                            round(abs(result.search.best.score - first.score), 6)),
        "options": {"time_budget": opts.time_budget, "max_trials": opts.max_trials,
                    "cv": opts.cv, "holdout": opts.holdout, "memory_limit": opts.memory_limit,
                    "metalearning": opts.metalearning, "n_jobs": opts.n_jobs,
                    "ensemble_size": opts.ensemble_size, "final_model": opts.final_model,
                    "search_eval": opts.search_eval, "warm_start": opts.warm_start,
                    "dask_scheduler": opts.dask_scheduler},
        "timings": {**{k: round(v, 3) for k, v in result.timings.items()},
                    "total": round(seconds, 3)},
        "notes": result.notes,
        # save_model writes it to profile.json, for predict's drift checks
        "profile": training_profile(result.problem.X, result.schema, seed=opts.seed),
    }


def _ensemble(result) -> list[dict]:
    """The saved model's members: config, weight and search score of each (one entry for
    a single model); the class priors' share, where the blend has one, as a last entry."""
    ens = result.ensemble
    if ens is None:
        return [{"config": result.config, "weight": 1.0, "score": result.search.best.score,
                 "family": result.config["family"]}]
    out = ens.describe()
    if ens.prior:
        out.append({"config": None, "family": "class priors", "weight": round(ens.prior, 6),
                    "score": None})
    return out


def fit_summary(result, manifest: dict, output, wall: float, fail_under) -> dict:
    """The document ``automl fit --json`` prints (and the text output formats)."""
    from metabase import METRICS

    score = result.cv_scores[result.metric]
    passed = True
    if fail_under is not None:
        passed = score["mean"] is not None and not METRICS[result.metric].worse_than(
            score["mean"], fail_under)
    statuses = {}
    for t in result.search.trials:
        statuses[t.status] = statuses.get(t.status, 0) + 1
    return {
        "status": "ok" if passed else "score_below_threshold",
        "model_dir": str(output),
        "target": manifest["target"], "task": manifest["task"], "kind": manifest["kind"],
        "classes": manifest["classes"], "metric": result.metric,
        "greater_is_better": METRICS[result.metric].greater_is_better,
        "score": score, "scores": result.cv_scores, "holdout": result.holdout_scores,
        "config": result.config,
        "ensemble": manifest["ensemble"],
        "search": {**manifest["search"], "statuses": statuses},
        "leaderboard": manifest["leaderboard"],
        "recommendation": manifest["recommendation"],
        "gain_over_first": manifest["gain_over_first"],
        "gate": {"fail_under": fail_under, "passed": passed},
        "wall_seconds": round(wall, 3),
        "time_budget": manifest["options"]["time_budget"],
        "timings": manifest["timings"],
        "notes": result.notes,
    }
