"""The one long format every history source returns, and its summary.

One row per (source, task or dataset, config, metric):

=================== ==========================================================
``source``          e.g. ``"openml-pimp-rf"``, ``"lcdb"``, ``"autosklearn"``
``openml_task_id``  nullable ``Int64``
``openml_dataset_id`` nullable ``Int64``
``dataset_name``    OpenML's name where known, else ``None``
``task``            ``"classification"`` or ``"regression"``
``family``          our family name, ``None`` when not mapped
``params``          JSON text: our params when mapped, else the original ones
``mapped``          bool
``note``            ``"; "``-joined items ``"<category>: <detail>"``; for an
                    unmapped row the first item is the reason
``metric``          ``accuracy``, ``balanced_accuracy``, ``r2``, or ``neg_<loss>``
``score``           float, always *higher is better*: a loss ``L`` is stored
                    as ``-L`` under ``neg_<loss>`` (scikit-learn's scorer
                    names); ``NaN`` when the source gives no score
``licence``         short licence text of the source
=================== ==========================================================
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

COLUMNS = ("source", "openml_task_id", "openml_dataset_id", "dataset_name", "task", "family",
           "params", "mapped", "note", "metric", "score", "licence")

LICENCES = {
    "openml": "BSD-3-Clause (OpenML runs, see openml_runs/LICENSE.txt)",
    "lcdb": "MIT (LCDB)",
    "autosklearn": "BSD-3-Clause (auto-sklearn)",
    "openml-live": "OpenML terms of use (runs and data as licensed on openml.org)",
}


def to_json(params: dict) -> str:
    """Compact JSON of a config; numpy scalars become plain numbers, NaN becomes null."""
    try:
        return json.dumps(params, separators=(",", ":"), allow_nan=False, default=_plain)
    except ValueError:      # a NaN somewhere: the slow, careful path
        return json.dumps({k: _plain(v) for k, v in params.items()}, separators=(",", ":"))


def _plain(v):
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def make_frame(rows: list[dict]) -> pd.DataFrame:
    """The long DataFrame from row dicts, with the column order and dtypes fixed."""
    # object, not pandas 3's string dtype: None must stay None, not become NaN
    df = pd.DataFrame(rows, columns=list(COLUMNS), dtype=object)
    for col in ("openml_task_id", "openml_dataset_id"):
        df[col] = pd.array([None if v is None or v != v else int(v) for v in df[col]],
                           dtype="Int64")
    df["mapped"] = df["mapped"].astype(bool)
    df["score"] = df["score"].astype(float)
    return df


def reason(note: str) -> str:
    """The category of an unmapped row's reason: the text before the first ``:``."""
    first = note.split("; ", 1)[0]
    return first.split(":", 1)[0].strip() or "unspecified"


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Counts per source: tasks, datasets, runs, mapped, unmapped, and unmapped by reason.

    Parameters
    ----------
    runs : DataFrame
        Rows in the long format.

    Returns
    -------
    DataFrame
        Indexed by ``source``; ``unmapped_by_reason`` holds ``{reason: count}``.
    """
    out = []
    for source, g in runs.groupby("source", sort=False):
        names = g["openml_dataset_id"].astype(object).where(g["openml_dataset_id"].notna(),
                                                             g["dataset_name"])
        unm = g.loc[~g["mapped"], "note"].map(reason).value_counts()
        out.append({"source": source, "tasks": int(g["openml_task_id"].nunique()),
                    "datasets": int(names.nunique()), "runs": len(g),
                    "mapped": int(g["mapped"].sum()), "unmapped": int((~g["mapped"]).sum()),
                    "unmapped_by_reason": {str(k): int(v) for k, v in unm.items()}})
    return pd.DataFrame(out).set_index("source")
