"""Permutation importance of a saved model's input columns on a labelled table.

Each raw input column the model uses is shuffled in turn (``N_REPEATS`` times, a fixed
seed) and the table is scored again through the path ``predict`` takes (the schema's
``prepare_frame``, then the estimator): a column's importance is how much the model's
metric gets worse, in the metric's units (positive: the column helps; about 0: the
model does not need it; negative: noise). scikit-learn's
``sklearn.inspection.permutation_importance`` does the shuffling; a date column
is shuffled whole (all its derived parts together), as the user sees it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._errors import DataError

N_REPEATS = 5
SEED = 0
#: rows scored at most (a seeded sample above): each column costs N_REPEATS predictions
MAX_ROWS = 10_000


def importance(pipeline, manifest: dict, frame, y, where: str = "data",
               n_repeats: int = N_REPEATS, seed: int = SEED, max_rows: int = MAX_ROWS) -> dict:
    """Permutation importance of the columns of ``frame`` (raw input rows) with targets
    ``y`` (labels in the model's classes, or values): a JSON-ready document."""
    from sklearn.inspection import permutation_importance
    from threadpoolctl import threadpool_limits

    from metabase import METRICS

    schema, metric = manifest["schema"], manifest["metric"]
    used = [c for c in schema["columns"] if c["used"]]
    missing = [c["name"] for c in used if c["name"] not in frame.columns]
    if missing:
        raise DataError(f"{where}: column(s) seen at fit time, yet now missing: "
                        f"{', '.join(map(repr, missing))}: add them (empty cells are fine)")
    notes = []
    X = frame[[c["name"] for c in used]].reset_index(drop=True)
    y = np.asarray(y)
    if len(y) > max_rows:
        idx = np.sort(np.random.default_rng(seed).choice(len(y), max_rows, replace=False))
        notes.append(f"on a {max_rows}-row sample of the {len(y)} rows (seed {seed})")
        X, y = X.iloc[idx].reset_index(drop=True), y[idx]
    greater = METRICS[metric].greater_is_better
    score = _scorer(manifest, greater, where)
    # one thread: many small predictions are dominated by OpenMP's thread start and spin,
    # above all on a busy machine (abalone, 836 rows, hgb + rf: 26.6 s on 2 threads under
    # load, 1.5 s on one)
    with threadpool_limits(1):
        baseline = score(pipeline, X, y)
        if not np.isfinite(baseline):
            raise DataError(f"{where}: {metric} cannot be computed on these {len(y)} rows "
                            "(a single class?): give a larger labelled table")
        out = permutation_importance(pipeline, X, y, scoring=score, n_repeats=n_repeats,
                                     random_state=seed, n_jobs=1)
    columns = [{"column": c["name"], "kind": c["kind"],
                "mean": _r(out.importances_mean[j]), "std": _r(out.importances_std[j]),
                "repeats": [_r(v) for v in out.importances[j]]}
               for j, c in enumerate(used)]
    columns.sort(key=lambda c: -c["mean"])
    return {"metric": metric, "greater_is_better": greater, "rows": int(len(y)),
            "data": where, "baseline": _r(baseline if greater else -baseline),
            "n_repeats": n_repeats, "seed": seed, "columns": columns,
            "unused": [{"column": c["name"], "kind": c["kind"], "why": c.get("note", "")}
                       for c in schema["columns"] if not c["used"]],
            "notes": notes}


def _scorer(manifest: dict, greater: bool, where: str):
    """``score(model, raw_frame, y)``, larger is better (losses negated), on the path
    ``predict`` uses: the schema's checks and preparation, then the estimator."""
    from metabase import METRICS, SchemaError, aligned_proba, prepare_frame

    schema, metric, classes = manifest["schema"], manifest["metric"], manifest.get("classes")
    fn, sign = METRICS[metric].fn, 1.0 if greater else -1.0

    def score(model, X, y):
        try:
            Xp, _ = prepare_frame(X, schema)
        except SchemaError as exc:
            raise DataError(f"{where}: {exc}") from None
        if classes is None:
            return sign * float(fn(y, model.predict(Xp), None, None))
        proba = aligned_proba(model, Xp, classes)
        pred = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
        return sign * float(fn(y, pred, proba, classes))
    return score


def labelled_rows(frame, manifest: dict, where: str):
    """``(features, targets, notes)`` of a labelled table, its target read as at fit time;
    rows whose target is missing, or a class the model never saw, are left out."""
    from ._task import make_problem

    target = manifest["target"]
    if target not in frame.columns:
        raise DataError(f"{where}: no target column {target!r}: explaining needs a labelled "
                        "table (the model's holdout, with its target column)")
    problem = make_problem(frame, target, manifest["task"], where)
    X, y, notes = problem.X, problem.y, []
    classes = manifest.get("classes")
    if classes is not None:
        known = np.isin(y.astype(object), np.asarray(classes, dtype=object))
        if not known.all():
            unseen = sorted({str(v) for v in y[~known]})
            notes.append(f"{int((~known).sum())} row(s) of classes unseen at fit time left "
                         f"out ({', '.join(unseen[:5])})")
            X, y = X[known].reset_index(drop=True), y[known]
    dropped = len(frame) - len(problem.y)
    if dropped:
        notes.append(f"{dropped} row(s) with a missing target left out")
    return X, y, notes


def explain_file(model_dir, data, n_repeats: int = N_REPEATS, seed: int = SEED,
                 max_rows: int = MAX_ROWS, sheet: str | None = None) -> dict:
    """Permutation importance of the model in ``model_dir`` on the labelled table ``data``."""
    from ._artifact import load_model
    from ._io import load_table

    warnings: list[str] = []
    pipeline, manifest = load_model(Path(model_dir), warnings=warnings)
    table = load_table(data, sheet=sheet)
    X, y, notes = labelled_rows(table.frame, manifest, str(data))
    doc = importance(pipeline, manifest, X, y, str(data), n_repeats, seed, max_rows)
    doc["model"] = str(model_dir)
    doc["notes"] = list(table.notes) + notes + doc["notes"] + warnings
    return doc


def format_text(doc: dict) -> str:
    """The document as the lines ``automl explain`` prints."""
    lower = "" if doc["greater_is_better"] else " (lower is better)"
    lines = [f"importance: how much {doc['metric']} worsens when a column's values are "
             f"shuffled ({doc['n_repeats']} repeats, seed {doc['seed']})",
             f"data:       {doc['rows']} labelled rows of {doc['data']}",
             f"baseline:   {doc['metric']} {doc['baseline']:.4f}{lower}", ""]
    width = max([len("column")] + [len(str(c["column"])) for c in doc["columns"]])
    lines.append(f"{'column':<{width}}  {'kind':<11}  {'mean':>8}  {'± std':>8}")
    for c in doc["columns"]:
        lines.append(f"{str(c['column']):<{width}}  {c['kind']:<11}  {c['mean']:>8.4f}  "
                     f"{c['std']:>8.4f}")
    if doc["unused"]:
        shown = ", ".join(f"{u['column']} ({u['kind']})" for u in doc["unused"][:10])
        lines.append(f"not used by the model: {shown}")
    for note in doc["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def _r(v) -> float:
    return round(float(v), 6)
