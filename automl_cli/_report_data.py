"""What the report is drawn from, read back from a model directory (or built in memory by
``fit --report``, identically): the manifest, the out-of-fold predictions
(``oof.npz``) and ``report.json`` (the table's meta-features that mattered to the
recommendation, and the permutation importance on the holdout rows), both files saved
with the model (``save_model``'s ``extras``).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._errors import DataError

OOF_FILE = "oof.npz"
REPORT_DATA_FILE = "report.json"
REPORT_FILE = "report.html"
#: meta-features shown: the recommender's most important ones
TOP_META = 8
#: nearest past tasks whose meta-features are shown beside the table's
META_NEIGHBOURS = 3


@dataclass
class ReportInputs:
    manifest: dict
    oof: dict | None = None          # {"y": targets, "predictions": probabilities or values}
    data: dict = field(default_factory=dict)   # report.json: "metafeatures", "importance"
    where: str = ""                  # the model directory, for the report's title


def oof_bytes(oof: dict | None, classes) -> bytes | None:
    """``oof.npz``: targets (class indices into ``classes``, or values) and predictions,
    float32; None when the fit kept no out-of-fold predictions."""
    if oof is None or oof.get("predictions") is None:
        return None
    y = np.asarray(oof["y"])
    if classes is not None:
        index = {c: i for i, c in enumerate(classes)}
        y = np.array([index[v] for v in y.tolist()], dtype=np.int32)
    else:
        y = y.astype(np.float32)
    buf = io.BytesIO()
    np.savez_compressed(buf, y=y, predictions=np.asarray(oof["predictions"], dtype=np.float32))
    return buf.getvalue()


def read_oof(raw: bytes) -> dict:
    """``{"y", "predictions"}`` from ``oof.npz`` bytes (y: class indices, or values)."""
    with np.load(io.BytesIO(raw), allow_pickle=False) as z:
        return {"y": z["y"], "predictions": z["predictions"]}


def in_memory(manifest: dict, oof: dict | None, data: dict, where: str) -> ReportInputs:
    """The inputs as ``from_model_dir`` will read them back once saved."""
    raw = oof_bytes(oof, manifest.get("classes"))
    return ReportInputs(manifest, None if raw is None else read_oof(raw), data, where)


def from_model_dir(model_dir) -> ReportInputs:
    """The inputs of a saved model directory (its files checked against the manifest)."""
    from ._artifact import read_extra, read_manifest

    model_dir = Path(model_dir)
    manifest = read_manifest(model_dir)
    raw = read_extra(model_dir, manifest, OOF_FILE)
    oof = None if raw is None else read_oof(raw)
    text = read_extra(model_dir, manifest, REPORT_DATA_FILE)
    try:
        data = {} if text is None else json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{model_dir / REPORT_DATA_FILE}: unreadable ({exc}); refit with "
                        "--report") from None
    return ReportInputs(manifest, oof, data, str(model_dir))


def report_data(fit_result, pipeline, manifest: dict, log=lambda m: None) -> dict:
    """``report.json``: meta-features (when the fit was advised by the metabase) and the
    permutation importance on the holdout rows (when the fit kept some)."""
    out = {}
    if fit_result.advice is not None:
        log("report: the meta-features behind the recommendation")
        out["metafeatures"] = metafeatures(fit_result)
    if fit_result.options.holdout:
        from ._explain import importance
        from ._fit import _split_holdout

        log("report: permutation importance on the holdout rows")
        problem = fit_result.problem
        _, _, (X, y) = _split_holdout(problem.X, problem.y, problem, fit_result.options)
        out["importance"] = importance(pipeline, manifest, X, y, "the fit's holdout")
    return out


def metafeatures(fit_result) -> dict | None:
    """The recommender's most important meta-features (its surrogate's impurity
    importance over the past tasks), with this table's values and the nearest past
    tasks' values: what made those tasks the neighbours."""
    import pandas as pd

    from metabase import build_metamodels, load_store, profile

    advice, problem = fit_result.advice, fit_result.problem
    try:
        store = load_store(None if fit_result.options.store is None
                           else Path(fit_result.options.store))
        model = build_metamodels(store)[advice["kind"]]
    except Exception as exc:  # noqa: BLE001 - the report says why, the fit stands
        return {"error": f"the metabase could not be read again: {exc}"}
    values = advice.get("meta_features") or profile(
        problem.X, pd.Series(problem.y, name=problem.target), task=problem.task).values
    imp = model.forest().feature_importances_
    names = [model.scaler.names[i] for i in np.argsort(-imp)[:TOP_META]]
    tasks = store.tasks.set_index("task_key")
    neighbours = []
    for n in advice["neighbours"][:META_NEIGHBOURS]:
        row = tasks.loc[n["task"]] if n["task"] in tasks.index else None
        neighbours.append({"name": n["name"], "openml_id": n["openml_id"],
                           "distance": n["distance"],
                           "values": {k: _num(None if row is None else row.get(k))
                                      for k in names}})
    return {"names": names,
            "importance": {k: round(float(imp[model.scaler.names.index(k)]), 4)
                           for k in names},
            "table": {k: _num(values.get(k)) for k in names},
            "neighbours": neighbours}


def _num(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return None if not np.isfinite(v) else v
