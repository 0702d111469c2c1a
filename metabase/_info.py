"""What a store holds (``info``) and whether it is sound (``validate``)."""

from __future__ import annotations

import numpy as np

from ._store import RUN_COLUMNS, TASK_COLUMNS, Store


def _dataset_key(tasks):
    """One key per distinct dataset across sources: the OpenML id, else the name."""
    did = tasks["openml_dataset_id"].astype("Int64")
    return np.where(did.notna(), "openml:" + did.astype(str), "name:" + tasks["name"].astype(str))


def store_info(store: Store) -> dict:
    tasks, runs = store.tasks, store.runs
    keys = _dataset_key(tasks)
    distinct = tasks.assign(_k=keys).drop_duplicates("_k")
    ok = runs[runs["status"] == "ok"]
    families = {}
    for fam, g in runs.groupby("family"):
        families[fam] = {"configs": int(g["config_id"].nunique()),
                         "tasks": int(g["task_key"].nunique()), "runs": int(len(g))}
    coverage = {}
    for (fam, src), g in ok.groupby(["family", "source"]):
        coverage.setdefault(fam, {})[src] = int(g["task_key"].nunique())
    sources = {}
    for src, g in tasks.groupby("source"):
        mf = [c for c in store.meta_feature_names if c in g]
        with_q = int(g[mf].notna().any(axis=1).sum()) if mf else 0
        sources[src] = {**store.header.get("sources", {}).get(src, {}),
                        "tasks": int(len(g)), "tasks_with_meta_features": with_q,
                        "by_task_type": {k: int(v) for k, v in g["task"].value_counts().items()}}
    return {
        "path": str(store.path), "built": store.header.get("built"),
        "format_version": store.header.get("format_version"),
        "space_version": store.header.get("space_version"),
        "versions": store.header.get("versions"),
        "tasks": {"total": int(len(tasks)), "distinct_datasets": int(len(distinct)),
                  "distinct_by_task_type": {k: int(v) for k, v in
                                            distinct["task"].value_counts().items()}},
        "runs": {"total": int(len(runs)), "ok": int(len(ok)), "failed": int(len(runs) - len(ok))},
        "sources": sources, "families": families, "coverage_tasks": coverage,
        "meta_features": len(store.meta_feature_names),
        "settings": store.header.get("settings"),
    }


def validate_store(store: Store) -> list[str]:
    """Problems found; an empty list means the store is sound."""
    from ._metafeatures import QUALITY_NAMES
    from ._space import validate_config
    from .families import FAMILIES, SPACE_VERSION

    problems = []
    tasks, runs, header = store.tasks, store.runs, store.header
    if header.get("space_version") != SPACE_VERSION:
        problems.append(f"space version {header.get('space_version')} != code's {SPACE_VERSION}")
    if list(header.get("meta_features", [])) != list(QUALITY_NAMES):
        problems.append("meta-feature names differ from the extractor's: rebuild the store")
    for col in TASK_COLUMNS:
        if col not in tasks:
            problems.append(f"tasks: column {col!r} missing")
    for col in RUN_COLUMNS:
        if col not in runs:
            problems.append(f"runs: column {col!r} missing")
    if problems:
        return problems
    if tasks["task_key"].duplicated().any():
        problems.append(f"tasks: {int(tasks['task_key'].duplicated().sum())} duplicate task keys")
    for col in ("source", "licence", "task"):
        n = int(tasks[col].isna().sum() + (tasks[col].astype(str) == "").sum())
        if n:
            problems.append(f"tasks: {n} row(s) without {col} (provenance)")
    bad_task = set(runs["task_key"]) - set(tasks["task_key"])
    if bad_task:
        problems.append(f"runs: {len(bad_task)} task key(s) not in tasks, "
                        f"e.g. {sorted(bad_task)[0]}")
    nan_ok = runs[(runs["status"] == "ok") & runs["score"].isna()]
    if len(nan_ok):
        problems.append(f"runs: {len(nan_ok)} NaN score(s) without a failure record")
    unknown = set(runs["family"].dropna()) - set(FAMILIES)
    if unknown:
        problems.append(f"runs: unknown families {sorted(unknown)}")
    import json

    task_of = dict(zip(tasks["task_key"], tasks["task"]))
    seen = set()
    for fam, params, key in zip(runs["family"], runs["params"], runs["task_key"]):
        sig = (fam, params, task_of.get(key))
        if sig in seen or fam not in FAMILIES:
            continue
        seen.add(sig)
        issues = validate_config(FAMILIES[fam].space(sig[2]), json.loads(params))
        if issues:
            problems.append(f"runs: config {fam} {params} outside the space: {issues[0]}")
            break
    return problems
