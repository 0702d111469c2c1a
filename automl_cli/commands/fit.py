"""``automl fit``: thin wrapper over ``automl_cli._fit.fit``."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import click

from .._errors import interruptible

from .._types import BYTE_SIZE, DURATION

DEFAULT_BUDGET = 60.0


@click.command(epilog="""\b
Examples:
  automl fit train.csv                          # target: the last column
  automl fit train.csv --target price --time-budget 5m -o price-model
  automl fit data.parquet --target churn --fail-under 0.85 --json   # a CI gate
  automl fit data.csv --max-trials 10 --seed 1  # exactly reproducible""")
@click.argument("data", type=click.Path(dir_okay=True, readable=False, path_type=Path))
@click.option("--target", "-t", help="Target column. Default: the last column.")
@click.option("--sheet", help="Sheet of an Excel workbook. Default: the first.")
@click.option("--task", type=click.Choice(["auto", "classification", "regression"]),
              default="auto", show_default=True, help="Kind of problem.")
@click.option("--metric", help="roc_auc, log_loss, accuracy, balanced_accuracy, f1 "
              "(classification); r2, rmse, mae (regression). Default: roc_auc (binary), "
              "log_loss (multiclass), r2.")
@click.option("--time-budget", type=DURATION, default=None,
              help="Wall-clock budget for the whole run: 90, 90s, 10m, 1h. "
              "Default: 60s, or none when only --max-trials is given.")
@click.option("--max-trials", type=click.IntRange(min=1), help="Stop after N trials.")
@click.option("--cv", type=click.IntRange(min=2, max=20), default=5, show_default=True,
              help="Cross-validation folds.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Random seed for splits and estimators.")
@click.option("--holdout", type=click.FloatRange(0.0, 0.5, max_open=True), default=0.0,
              help="Keep this share of rows untouched and report the score on it (e.g. 0.2).")
@click.option("--memory-limit", type=BYTE_SIZE, help="Memory per trial, e.g. 4G; a trial over "
              "it is recorded and skipped.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("model"),
              show_default=True, help="Model directory to write.")
@click.option("--force", is_flag=True, help="Replace an existing model directory.")
@click.option("--fail-under", type=float, help="Exit with code 3 when the score is worse "
              "(for losses: higher) than this. The model is saved all the same.")
@click.option("--no-metalearning", is_flag=True, help="Start from scikit-learn's defaults "
              "instead of the metabase's recommendations (for comparison).")
@click.option("--store", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Metabase store. Default: the shipped one.")
@click.option("--ensemble-size", type=click.IntRange(min=1), default=25, show_default=True,
              help="Rounds of greedy ensemble selection over the trials (the blend stops "
              "growing when no trial improves it); 1 keeps the single best config.")
@click.option("--final-model", type=click.Choice(["auto", "bag", "refit"]), default="auto",
              show_default=True, help="bag: each ensemble member is its trial's fold models "
              "(no refit; the score is out of fold); refit: each member refitted on all rows, "
              "then scored on fresh folds; auto: refit (it measured better at 10 s and 60 s).")
@click.option("--search-eval", type=click.Choice(["auto", "cv", "holdout", "halving"]),
              default="auto", show_default=True, help="How the search scores a trial: cv "
              "(--cv folds), holdout (one fit on a sample, scored on rows it did not see), "
              "halving (a holdout whose best trials are rerun on 4x the rows, and again) "
              "or auto (halving on tables of at least 5,000 rows and 500 per second of "
              "budget, else cv).")
@click.option("--warm-start", type=click.Choice(["meta-model", "portfolio", "both"]),
              default="meta-model", show_default=True,
              help="The order of the first trials: the meta-model's ranking for this "
              "table's meta-features, the greedy portfolio of past tasks (no "
              "meta-features), or that portfolio re-ranked by the meta-model.")
@click.option("--n-jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Trials run at once on this machine.")
@click.option("--dask-scheduler", envvar="AUTOML_DASK_SCHEDULER", metavar="tcp://HOST:PORT",
              help="Run trials on this Dask cluster (also $AUTOML_DASK_SCHEDULER). "
              "Needs automl[dask].")
@click.option("--report", is_flag=True, help="Also write MODEL_DIR/report.html (see "
              "`automl report`): figures of the data, search and model.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@interruptible
def fit(data, target, task, metric, time_budget, max_trials, cv, seed, holdout, memory_limit,
        output, force, fail_under, no_metalearning, store, ensemble_size, final_model,
        search_eval, warm_start, n_jobs, dask_scheduler, as_json, quiet, sheet, report):
    """Train the best model the time budget allows on DATA and save it.

    DATA is a CSV or TSV file (plain or .gz; delimiter and encoding are
    detected), a Parquet, ARFF or Excel (.xlsx) file, - for standard input,
    or openml:ID / openml:task/ID.
    """
    from .. import api
    from .._artifact import check_output_dir
    from .._errors import ScoreBelowThreshold
    from .._manifest import fit_summary
    from .._platform import check_platform
    from .._report import Progress, emit_json

    from ..cli import STARTED

    start = STARTED if STARTED is not None else time.monotonic()
    log = Progress(quiet)
    check_platform("automl fit")
    check_output_dir(output, force)
    if final_model == "bag" and search_eval in ("holdout", "halving"):
        raise click.UsageError("--final-model bag needs the k fold models of a "
                               "cross-validated search: use --search-eval cv or auto")
    # the Python API's own steps (automl_cli.api): one way to fit and save a model
    opts, _ = api.fit_options(dict(
        metric=metric, time_budget=time_budget, max_trials=max_trials, cv=cv, seed=seed,
        holdout=holdout, memory_limit=memory_limit, no_metalearning=no_metalearning,
        n_jobs=n_jobs, ensemble_size=ensemble_size, dask_scheduler=dask_scheduler,
        store=store, final_model=final_model, search_eval=search_eval,
        warm_start=warm_start))
    problem, source = api.read_problem(data, target, task, sheet, log, metric)
    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Python
    # then never raises KeyboardInterrupt; `kill -INT` must still stop the search.
    previous = {s: signal.signal(s, _raise_interrupt) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        result = api.fit_problem(problem, opts, source, log, start)
        # after Ctrl-C the user wants out: the model now, the report later (automl report)
        if report and result.fit_result.search.interrupted:
            log(f"interrupted: no report; `automl report {output}` draws it")
            report = False
        result.save(output, force, report=report)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    wall = time.monotonic() - start
    doc = fit_summary(result.fit_result, result.manifest(), output, wall, fail_under)
    doc["report"] = str(Path(output) / "report.html") if report else None
    doc["report_seconds"] = None if not report else round(result.report_seconds, 3)
    if as_json:
        emit_json(doc)
    else:
        _print_text(doc)
    if fail_under is not None and not doc["gate"]["passed"]:
        raise ScoreBelowThreshold(f"{result.metric} {doc['score']['mean']:.4f} is worse than "
                                  f"--fail-under {fail_under}; the model was saved to {output}")


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _print_text(doc: dict) -> None:
    from .._report import fmt_params

    s = doc["score"]
    folds = {"final": f"{s['folds']} fresh folds", "oof": "out of fold on the search's rows",
             "unseen": f"on {s.get('rows')} rows set apart, unseen by the search and refit"
             }.get(s.get("source"), "search CV")
    kind = doc["kind"] + (f", {len(doc['classes'])} classes" if doc["classes"] else "")
    lines = [
        f"task:    {kind}; target {doc['target']!r}",
        f"metric:  {doc['metric']}" + ("" if doc["greater_is_better"] else " (lower is better)"),
        _model_line(doc, fmt_params),
        f"score:   {doc['metric']} {_f(s['mean'])} ± {_f(s['std'])} ({folds})",
    ]
    others = [f"{k} {_f(v['mean'])}" for k, v in doc["scores"].items() if k != doc["metric"]]
    if others:
        lines.append(f"also:    {', '.join(others)}")
    if doc["holdout"]:
        lines.append(f"holdout: {doc['metric']} {_f(doc['holdout'].get(doc['metric']))} "
                     f"on {doc['holdout']['rows']} untouched rows")
    st = ", ".join(f"{n} {k}" for k, n in doc["search"]["statuses"].items())
    lines.append(f"search:  {doc['search']['trials']} trials ({st}); stopped by "
                 f"{doc['search']['stopped_by']}")
    budget = f" of a {doc['time_budget']:.0f} s budget" if doc["time_budget"] else ""
    after = (f" (the report: {doc['report_seconds']:.1f} s of it, after the run)"
             if doc.get("report") else "")
    lines.append(f"time:    {doc['wall_seconds']:.1f} s{budget}{after}")
    lines.append(f"saved:   {doc['model_dir']}/")
    if doc.get("report"):
        lines.append(f"report:  {doc['report']}")
    if doc["gate"]["fail_under"] is not None:
        lines.append(f"gate:    {'passed' if doc['gate']['passed'] else 'FAILED'} "
                     f"(--fail-under {doc['gate']['fail_under']})")
    for note in doc["notes"]:
        lines.append(f"note:    {note}")
    click.echo("\n".join(lines))


def _model_line(doc: dict, fmt_params) -> str:
    members = [m for m in doc["ensemble"] if m["config"] is not None]
    priors = " + class priors" if len(members) < len(doc["ensemble"]) else ""
    how = _how(members)
    if len(members) == 1:
        return (f"model:   {doc['config']['family']} ({fmt_params(doc['config']['params'])})"
                f"{priors}{how}")
    shown = ", ".join(f"{m['family']} {m['weight']:.2f}" for m in members[:5])
    more = ", …" if len(members) > 5 else ""
    return f"model:   ensemble of {len(members)} ({shown}{more}){priors}{how}"


def _how(members: list) -> str:
    """How the members were made: bagged (their fold models) or refitted on all rows."""
    bagged = sum(m.get("final") == "bagged" for m in members)
    if bagged == len(members):
        return "; bagged fold models"
    if bagged == 0:
        return "; refitted on all rows"
    return f"; {bagged} bagged, {len(members) - bagged} refitted on all rows"


def _f(x) -> str:
    return "n/a" if x is None else f"{x:.4f}"
