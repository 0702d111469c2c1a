"""Build the store from the history: our portfolio runs, the offline OpenML
history, and (for users with a network) live OpenML."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._portfolio import COLUMNS as RUN_CACHE_COLUMNS
from ._portfolio import METRICS as PORTFOLIO_METRICS
from ._portfolio import Settings, read_manifest, run_folder
from ._store import RUN_COLUMNS, TASK_COLUMNS, new_header, write_store

HISTORY_DIR = Path(__file__).with_name("history")
PORTFOLIO_SOURCE = "portfolio"


def aggregate_portfolio(runs_dir: Path, pattern: str = "*.csv", source: str = PORTFOLIO_SOURCE):
    """Per (table, config, metric): mean and std over folds, fit time, status."""
    import pandas as pd

    files = sorted(Path(runs_dir).glob(pattern))
    if not files:
        return pd.DataFrame(columns=RUN_COLUMNS)
    frames = []
    for f in files:
        try:
            frames.append(pd.read_csv(f, usecols=lambda c: c in RUN_CACHE_COLUMNS,
                                      on_bad_lines="skip"))
        except pd.errors.EmptyDataError:    # a table whose first run is still going
            continue
    if not frames:
        return pd.DataFrame(columns=RUN_COLUMNS)
    raw = pd.concat(frames, ignore_index=True)
    raw = raw[raw["config_id"].notna()]
    # a config recorded twice (two runners on one table) counts once
    raw = raw.drop_duplicates(["table", "config_id", "fold"], keep="first")
    raw["fold"] = pd.to_numeric(raw["fold"], errors="coerce")
    rows = []
    for (table, cid), g in raw.groupby(["table", "config_id"], sort=True):
        task = g["task"].iloc[0]
        ok = g[g["status"] == "ok"]
        base = {"task_key": f"table:{table}", "source": source, "config_id": cid,
                "family": g["family"].iloc[0], "params": g["params"].iloc[0]}
        for metric in PORTFOLIO_METRICS[task]:
            if len(ok):
                vals = pd.to_numeric(ok[metric], errors="coerce")
                rows.append({**base, "metric": metric, "score": vals.mean(),
                             "score_std": vals.std(ddof=0), "n_folds": int(vals.notna().sum()),
                             "fit_time": float(ok["fit_time"].mean()),
                             "status": "ok" if vals.notna().any() else "no score"})
            else:
                rows.append({**base, "metric": metric, "score": np.nan, "score_std": np.nan,
                             "n_folds": 0, "fit_time": float(g["fit_time"].max()),
                             "status": str(g["status"].iloc[0])})
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def shared_metafeatures(datasets_dir: Path, cache: Path, names: list[str] | None = None,
                        log=print):
    """Meta-features of every table in ``datasets_dir``, cached in ``cache`` (CSV)."""
    import pandas as pd

    from ._metafeatures import profile

    done = pd.read_csv(cache) if cache.exists() else pd.DataFrame(columns=["name"])
    have = set(done["name"])
    new = []
    for m in read_manifest(datasets_dir):
        if m["name"] in have or (names and m["name"] not in names):
            continue
        df = pd.read_csv(m["path"], low_memory=False)
        task = m["kind"]
        y = df.pop("target")
        t0 = time.perf_counter()
        prof = profile(df, y, task=task)
        new.append({"name": m["name"], **prof.values})
        log(f"  meta-features {m['name']}: {time.perf_counter() - t0:.2f}s")
    if new:
        done = pd.concat([done, pd.DataFrame(new)], ignore_index=True)
        done.to_csv(cache, index=False, float_format="%.10g")
    return done


def portfolio_tasks(datasets_dir: Path, metafeatures, run_tables: set[str]):
    import pandas as pd

    mf = metafeatures.set_index("name")
    rows = []
    for m in read_manifest(datasets_dir):
        if m["name"] not in run_tables:
            continue
        rows.append({"task_key": f"table:{m['name']}", "source": PORTFOLIO_SOURCE,
                     "name": m["name"], "openml_task_id": pd.NA,
                     "openml_dataset_id": int(m["openml_id"]) if m["openml_id"] else pd.NA,
                     "task": m["kind"],
                     "n_rows": int(m["n_rows"]), "licence": m["license_note"],
                     **(mf.loc[m["name"]].to_dict() if m["name"] in mf.index else {})})
    return pd.DataFrame(rows)


def offline_history(reference_dir: Path, log=print):
    """(tasks, runs, source summary) from the offline OpenML snapshot."""
    from .sources import load_offline_history

    runs, qualities = load_offline_history(reference_dir)
    return history_tables(runs, qualities, log)


def history_tables(runs, qualities, log=print):
    """(tasks, runs, source summary) from runs in the sources' long format."""
    import pandas as pd

    from ._space import config_key
    from .sources import summarize

    summary = {}
    for source, row in summarize(runs).iterrows():
        g = runs[runs["source"] == source]
        summary[source] = {"licence": str(g["licence"].iloc[0]), "runs": int(row["runs"]),
                           "mapped": int(row["mapped"]), "unmapped": int(row["unmapped"]),
                           "unmapped_by_reason": row["unmapped_by_reason"]}
    mapped = runs[runs["mapped"].astype(bool) & runs["score"].notna()].copy()
    did = mapped["openml_dataset_id"].astype("Int64")
    tid = mapped["openml_task_id"].astype("Int64")
    key = np.where(did.notna(), "d" + did.astype(str),
                   np.where(tid.notna(), "t" + tid.astype(str),
                            "n" + mapped["dataset_name"].astype(str)))
    kind = np.where(mapped["task"] == "regression", "r", "")
    mapped["task_key"] = mapped["source"] + ":" + kind + key
    mapped["config_id"] = [config_key(f, json.loads(p)) for f, p in
                           zip(mapped["family"], mapped["params"])]
    grouped = mapped.groupby(["task_key", "source", "config_id", "family", "params", "metric"],
                             as_index=False, sort=True).agg(score=("score", "mean"),
                                                            score_std=("score", "std"))
    grouped["score_std"] = grouped["score_std"].fillna(0.0)
    grouped["n_folds"] = np.nan   # OpenML reports each run's CV mean, not its folds
    grouped["fit_time"] = np.nan
    grouped["status"] = "ok"
    first = mapped.drop_duplicates("task_key").set_index("task_key")
    tasks = pd.DataFrame({
        "task_key": first.index, "source": first["source"].to_numpy(),
        "name": first["dataset_name"].astype(str).to_numpy(),
        "openml_task_id": first["openml_task_id"].astype("Int64").to_numpy(),
        "openml_dataset_id": first["openml_dataset_id"].astype("Int64").to_numpy(),
        "task": first["task"].to_numpy(), "licence": first["licence"].to_numpy()})
    q = qualities.copy()
    q.index = q.index.astype("Int64")
    joined = tasks.join(q, on="openml_dataset_id")
    joined["n_rows"] = joined["NumberOfInstances"] if "NumberOfInstances" in joined else np.nan
    for source in summary:
        sub = joined[joined["source"] == source]
        summary[source]["tasks"] = int(len(sub))
        summary[source]["tasks_with_qualities"] = int(sub["n_rows"].notna().sum())
    log(f"  {len(grouped)} runs on {len(joined)} tasks from {len(summary)} OpenML sources")
    return joined, grouped[RUN_COLUMNS], summary


LIVE_SOURCE = "openml-live-portfolio"


def live_history(live_dir: Path, log=print):
    """What ``automl metabase build --openml-*`` added: portfolio runs on OpenML
    tasks (with OpenML's qualities) and imported flow evaluations."""
    import pandas as pd

    tasks, runs, summary = [], [], {}
    qpath = live_dir / "qualities.csv"
    if qpath.exists():
        r = aggregate_portfolio(live_dir, "openml-t*.csv", LIVE_SOURCE)
        q = pd.read_csv(qpath).set_index("name")
        have = {k.split(":", 1)[1] for k in r["task_key"].unique()}
        t = pd.DataFrame([{"task_key": f"table:{n}", "source": LIVE_SOURCE,
                           "name": q.loc[n, "dataset_name"],
                           "openml_task_id": int(q.loc[n, "task_id"]),
                           "openml_dataset_id": int(q.loc[n, "dataset_id"]),
                           "task": q.loc[n, "task"],
                           "n_rows": q.loc[n].get("NumberOfInstances", np.nan),
                           "licence": "OpenML dataset licence (see the dataset on OpenML)",
                           **{c: q.loc[n, c] for c in q.columns
                              if c not in ("task_id", "dataset_id", "dataset_name", "task")}}
                          for n in sorted(have) if n in q.index])
        tasks.append(t)
        runs.append(r[r["task_key"].isin(t["task_key"])] if len(t) else r.iloc[:0])
        summary[LIVE_SOURCE] = {"licence": "ours (runs on OpenML tasks' official splits)",
                                "tasks": int(len(t)), "runs": int(len(runs[-1]))}
    fpath = live_dir / "flows.csv"
    if fpath.exists():
        flows = pd.read_csv(fpath)
        flows["mapped"] = flows["mapped"].astype(bool)
        q = pd.read_csv(qpath).set_index("dataset_id") if qpath.exists() else pd.DataFrame()
        q = q.drop(columns=[c for c in ("name", "task_id", "dataset_name", "task") if c in q])
        ft, fr, fs = history_tables(flows, q, log)
        tasks.append(ft)
        runs.append(fr)
        summary.update(fs)
    if not tasks:
        return pd.DataFrame(), pd.DataFrame(columns=RUN_COLUMNS), {}
    return pd.concat(tasks, ignore_index=True), pd.concat(runs, ignore_index=True), summary


@dataclass
class BuildPlan:
    """What a build runs and keeps: ``only`` these tables' portfolio runs (all when None),
    on ``n_jobs`` cores; ``exclude`` these tables from the store, from every source."""

    run_portfolio: bool = True
    n_jobs: int = 1
    only: list[str] | None = None
    exclude: list[str] | None = None


def build(shared_dir: Path, out: Path, history_dir: Path = HISTORY_DIR,
          settings: Settings | None = None, plan: BuildPlan | None = None, log=print) -> dict:
    """Run what is missing, then write the store; returns the build summary."""
    from ._metafeatures import QUALITY_NAMES

    settings, plan = settings or Settings(), plan or BuildPlan()
    t0 = time.perf_counter()
    datasets = Path(shared_dir) / "datasets"
    if plan.run_portfolio:
        pdir = Path(history_dir) / "portfolio"
        log(f"portfolio runs -> {pdir} (cached runs are skipped)")
        run_folder(datasets, pdir, settings, n_jobs=plan.n_jobs, only=plan.only, log=log)
    tasks, runs, sources = _history(Path(shared_dir), Path(history_dir), log)
    if plan.exclude:
        tasks, runs = _exclude(tasks, runs, datasets, plan.exclude, log)
    tasks = _typed(tasks)
    header = new_header(QUALITY_NAMES, sources, {
        "portfolio": {"folds": settings.folds, "seed": settings.seed,
                      "max_rows": settings.max_rows, "timeout": settings.timeout},
        "excluded_tables": sorted(plan.exclude or [])})
    write_store(out, header, tasks, runs)
    return {"seconds": time.perf_counter() - t0, "tasks": len(tasks), "runs": len(runs),
            "out": str(out)}


def _history(shared_dir: Path, history_dir: Path, log):
    """``(tasks, runs, sources)`` of every source: our portfolio runs, the offline OpenML
    history in ``shared_dir/reference``, and the live OpenML runs fetched earlier."""
    import pandas as pd

    datasets, reference = shared_dir / "datasets", shared_dir / "reference"
    runs = aggregate_portfolio(history_dir / "portfolio")
    tables = {k.split(":", 1)[1] for k in runs["task_key"].unique()}
    log("meta-features of the shared tables")
    mf = shared_metafeatures(datasets, history_dir / "metafeatures.csv", log=log)
    tasks = portfolio_tasks(datasets, mf, tables)
    sources = {PORTFOLIO_SOURCE: {
        "licence": "ours (derived from the tables in ../shared/datasets; see NOTICE)",
        "tasks": int(len(tasks)), "runs": int(len(runs)),
        "configs": int(runs["config_id"].nunique()) if len(runs) else 0}}
    more = []
    if reference.exists():
        log("offline OpenML history")
        more.append(offline_history(reference, log))
    if (history_dir / "openml").exists():
        more.append(live_history(history_dir / "openml", log))
    for t, r, summary in more:
        tasks = pd.concat([tasks, t], ignore_index=True)
        runs = pd.concat([runs, r], ignore_index=True)
        sources.update(summary)
    return tasks, runs, sources


def _exclude(tasks, runs, datasets: Path, exclude: list[str], log):
    """Leave these tables out of the store (e.g. a benchmark's test tables), from every
    source: by name and by OpenML dataset id."""
    ids = {int(m["openml_id"]) for m in read_manifest(datasets)
           if m["name"] in exclude and m["openml_id"]}
    drop = tasks["name"].isin(exclude) | tasks["openml_dataset_id"].astype(
        "Int64").isin(ids).fillna(False)
    log(f"excluded {int(drop.sum())} task(s) of {len(exclude)} table(s)")
    runs = runs[~runs["task_key"].isin(set(tasks.loc[drop, "task_key"]))]
    return tasks[~drop], runs


def _typed(tasks):
    """The store's task columns, meta-features as float64."""
    import pandas as pd

    from ._metafeatures import QUALITY_NAMES

    names = [n for n in QUALITY_NAMES if n in tasks.columns]
    tasks = tasks[TASK_COLUMNS + names]
    for col in names:
        tasks[col] = pd.to_numeric(tasks[col], errors="coerce").astype("float64")
    return tasks
