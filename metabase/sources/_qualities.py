"""OpenML's published qualities, and which dataset each OpenML100 task uses.

Three files give OpenML qualities: ``openml_qualities_lcdb.csv`` (219
datasets, by dataset id), ``openml_runs/openml_qualities_openml100_tasks.arff``
(99 OpenML100 tasks, by *task* id; ``-1`` is its missing-value marker: every
``-1`` sits where OpenML/lcdb has no value) and TabRepo's task table (10 basic
qualities for 279 tasks). The task file needs each task's dataset id:

1. TabRepo's task table (``tid`` → ``did``), an OpenML export;
2. else the lcdb dataset whose qualities all equal the task's (every quality
   both files give, 20 at least); re-uploads of the same data tie, and the
   smallest id is taken.

Tasks matched by neither keep no dataset id; a caller may pass more
``{task_id: dataset_id}`` (``openml_live.task_dataset_ids`` asks OpenML).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._files import need_columns, read_arff, read_csv, reference_path

RTOL, ATOL = 1e-6, 1e-9
QUALITIES_ARFF = ("openml_runs", "openml_qualities_openml100_tasks.arff")
TABREPO_CSV = ("openml_runs", "tabrepo_task_metadata_289.csv")
LCDB_QUALITIES_CSV = ("openml_qualities_lcdb.csv",)
#: lcdb columns that are not OpenML qualities.
NOT_QUALITIES = ("openmlid", "Name", "NumberOfFeaturesAfterBinarization")
TABREPO_QUALITIES = ("MajorityClassSize", "MaxNominalAttDistinctValues", "MinorityClassSize",
                     "NumberOfClasses", "NumberOfFeatures", "NumberOfInstances",
                     "NumberOfInstancesWithMissingValues", "NumberOfMissingValues",
                     "NumberOfNumericFeatures", "NumberOfSymbolicFeatures")


def tabrepo_tasks(reference_dir=None) -> pd.DataFrame:
    """TabRepo's task table: ``tid``, ``did``, ``name``, ``task`` and 10 basic qualities."""
    path = reference_path(reference_dir, *TABREPO_CSV)
    df = read_csv(path)
    need_columns(df, ("tid", "did", "name", "task_type"), path)
    df["task"] = df["task_type"].map({"Supervised Classification": "classification",
                                      "Supervised Regression": "regression"})
    return df


def openml100_task_qualities(reference_dir=None) -> pd.DataFrame:
    """OpenML's 107 qualities of 99 OpenML100 tasks, indexed by ``task_id`` (NaN = missing)."""
    path = reference_path(reference_dir, *QUALITIES_ARFF)
    df = read_arff(path)
    need_columns(df, ("task_id",), path)
    df = df.astype(float).replace(-1.0, np.nan)
    df.index = pd.Index(df.pop("task_id").astype(int), name="task_id")
    return df


def lcdb_qualities(reference_dir=None) -> tuple[pd.DataFrame, pd.Series]:
    """OpenML's qualities of lcdb's 219 datasets by dataset id, and their names."""
    path = reference_path(reference_dir, *LCDB_QUALITIES_CSV)
    df = read_csv(path)
    need_columns(df, ("openmlid", "Name"), path)
    df = df.set_index("openmlid")
    df.index = df.index.astype(int).rename("openml_dataset_id")
    names = df["Name"].astype(object)
    return df.drop(columns=[c for c in NOT_QUALITIES if c in df.columns]).astype(float), names


def task_dataset_ids(reference_dir=None, extra: dict | None = None) -> pd.DataFrame:
    """The dataset of each OpenML100 task: ``dataset_id``, ``dataset_name``, ``via``.

    Parameters
    ----------
    reference_dir : path-like, optional
    extra : dict, optional
        More ``{task_id: dataset_id}`` (e.g. fetched from OpenML); they win.

    Returns
    -------
    DataFrame
        Indexed by ``task_id``; ``via`` is ``"tabrepo"``, ``"qualities=lcdb"``
        (ties listed), ``"given"`` or ``None`` (unknown dataset).
    """
    tq = openml100_task_qualities(reference_dir)
    lq, names = lcdb_qualities(reference_dir)
    tab = tabrepo_tasks(reference_dir)
    tab_did = dict(zip(tab["tid"].astype(int), tab["did"].astype(int), strict=True))
    tab_name = dict(zip(tab["did"].astype(int), tab["name"], strict=True))
    rows = {}
    for tid in tq.index:
        if tid in tab_did:
            rows[tid] = (tab_did[tid], "tabrepo")
            continue
        ties = _equal_rows(tq.loc[tid], lq)
        rows[tid] = (ties[0], "qualities=lcdb" + (f" (ties {ties})" if len(ties) > 1 else "")) \
            if ties else (None, None)
    for tid, did in (extra or {}).items():
        rows[int(tid)] = (int(did), "given")
    tids = sorted(rows)
    index = pd.Index(tids, name="task_id")
    dids = pd.Series(pd.array([rows[t][0] for t in tids], dtype="Int64"), index=index)
    names = [None if pd.isna(d) else tab_name.get(int(d), names.get(int(d))) for d in dids]
    # object columns: None stays None (pandas 3's string dtype would make it NaN)
    return pd.DataFrame({"dataset_id": dids,
                         "via": pd.Series([rows[t][1] for t in tids], index=index, dtype=object),
                         "dataset_name": pd.Series(names, index=index, dtype=object)})


def _equal_rows(task_row: pd.Series, lq: pd.DataFrame) -> list:
    cols = [c for c in task_row.index if c in lq.columns]
    a = task_row[cols].to_numpy(float)
    b = lq[cols].to_numpy(float)
    both = ~np.isnan(a) & ~np.isnan(b)
    close = np.isclose(b, a, rtol=RTOL, atol=ATOL) | ~both
    # 20 shared values at least: a dataset of constants must not match everything
    ok = close.all(axis=1) & (both.sum(axis=1) >= 20)
    return sorted(int(i) for i in lq.index[ok])


def merge_qualities(reference_dir=None, dataset_ids: pd.DataFrame | None = None):
    """All OpenML qualities by dataset id, and where two files disagree.

    Precedence where files overlap: lcdb (downloaded 2021/22), then the
    OpenML100 file (2018), then TabRepo's table. Values are compared at a
    relative tolerance of 1e-6.

    Returns
    -------
    qualities : DataFrame
        Indexed by ``openml_dataset_id``, one column per OpenML quality name.
    disagreements : DataFrame
        ``openml_dataset_id``, ``quality``, ``sources``, ``values``.
    """
    ids = task_dataset_ids(reference_dir) if dataset_ids is None else dataset_ids
    tq = openml100_task_qualities(reference_dir)
    known = ids["dataset_id"].dropna()
    t100 = tq.loc[tq.index.intersection(known.index)]
    t100.index = pd.Index([int(known[t]) for t in t100.index], name="openml_dataset_id")
    lq, _ = lcdb_qualities(reference_dir)
    tab = tabrepo_tasks(reference_dir)
    tab = tab.drop_duplicates("did").set_index("did")[list(TABREPO_QUALITIES)].astype(float)
    tab.index = tab.index.astype(int).rename("openml_dataset_id")
    tables = {"lcdb": lq, "openml100": t100, "tabrepo": tab}
    problems = [p for name, t in tables.items() for p in _self_conflicts(name, t)]
    tables = {k: t[~t.index.duplicated()] for k, t in tables.items()}
    names = list(tables)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            problems += _conflicts(a, tables[a], b, tables[b])
    merged = tables["lcdb"]
    for name in names[1:]:
        merged = merged.combine_first(tables[name])
    merged = merged.reindex(columns=sorted(merged.columns)).sort_index()
    merged.index = merged.index.rename("openml_dataset_id")
    return merged, pd.DataFrame(problems,
                                columns=["openml_dataset_id", "quality", "sources", "values"])


def _conflicts(na, a, nb, b):
    rows, cols = a.index.intersection(b.index), a.columns.intersection(b.columns)
    x, y = a.loc[rows, cols].to_numpy(float), b.loc[rows, cols].to_numpy(float)
    bad = ~np.isnan(x) & ~np.isnan(y) & ~np.isclose(x, y, rtol=RTOL, atol=ATOL)
    return [(int(rows[i]), cols[j], f"{na}/{nb}", (float(x[i, j]), float(y[i, j])))
            for i, j in zip(*np.nonzero(bad), strict=True)]


def _self_conflicts(name, t):
    dup = t[t.index.duplicated(keep=False)]
    out = []
    for did, g in dup.groupby(level=0):
        out += _conflicts(name, g.iloc[[0]], name, g.iloc[1:2].set_axis([did]))
    return out
