"""Extend the history from the live OpenML server (for users with a network).

- ``--openml-suite`` / ``--openml-tasks``: download the tasks and run our
  portfolio on each task's official splits (first repeat); the runs go to
  ``history/openml/<openml-t<id>>.csv`` in the same format as our table runs,
  and OpenML's qualities of the dataset to ``history/openml/qualities.csv``.
- ``--openml-flows``: import the run evaluations of OpenML flows, mapped onto
  our families, into ``history/openml/flows.csv`` (the offline long format).

The store build reads both. Nothing here is reachable without network access
to OpenML; the tests run it against recorded OpenML responses.
"""

from __future__ import annotations

from pathlib import Path

from ._portfolio import Settings, run_frame, subsample


def _ids(text) -> list[int]:
    if text is None:
        return []
    try:
        return [int(t) for t in str(text).replace(" ", "").split(",") if t]
    except ValueError:
        raise ValueError(f"task and flow ids are integers, got {text!r}") from None


def live_build(suite=None, tasks=None, flows=None, history: Path = Path("."),
               settings: Settings | None = None, cache_dir=None, log=print) -> dict:
    """Run the portfolio on OpenML tasks and/or import flow evaluations."""
    import pandas as pd

    from .sources.openml_live import fetch_flow_evaluations, fetch_tasks

    settings = settings or Settings()
    out = Path(history) / "openml"
    out.mkdir(parents=True, exist_ok=True)
    done = {"tasks": 0, "flow_runs": 0}
    task_ids = _ids(tasks)
    if suite is not None or task_ids:
        fetched = fetch_tasks(task_ids or None, suite=suite, cache_dir=cache_dir)
        qualities = []
        for t in fetched:
            name = f"openml-t{t.task_id}"
            y = t.y.astype(str) if t.task == "classification" else t.y.astype(float)
            splits = [(tr, te) for rep, _, tr, te in t.splits if rep == 0]
            X = t.X
            if len(X) > settings.max_rows:     # too big for official folds: our own CV
                X, y = subsample(X, y, t.task, settings.max_rows, settings.seed)
                splits = None
            log(f"OpenML task {t.task_id} ({t.dataset_name}, {t.task}, {len(X)} rows)")
            run_frame(name, X, y, t.task, splits, out, settings, log)
            qualities.append({"name": name, "task_id": t.task_id, "dataset_id": t.dataset_id,
                              "dataset_name": t.dataset_name, "task": t.task, **t.qualities})
            done["tasks"] += 1
        path = out / "qualities.csv"
        old = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=["name"])
        new = pd.DataFrame(qualities)
        merged = pd.concat([old[~old["name"].isin(new["name"])], new], ignore_index=True)
        merged.to_csv(path, index=False)
    if flows:
        runs = fetch_flow_evaluations(_ids(flows), cache_dir=cache_dir)
        path = out / "flows.csv"
        if path.exists():
            old = pd.read_csv(path)
            runs = pd.concat([old[~old["source"].isin(runs["source"].unique())], runs],
                             ignore_index=True)
        runs.to_csv(path, index=False)
        done["flow_runs"] = int(len(runs))
        log(f"{len(runs)} OpenML flow runs saved to {path}")
    return done
