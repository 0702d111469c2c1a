"""``automl metabase``: build, inspect and check the store of past tasks."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .._errors import interruptible

from .._types import DURATION


def _default_shared() -> Path:
    return Path(__file__).resolve().parents[2].parent / "shared"


@click.group(epilog="""\b
Examples:
  automl metabase info
  automl metabase validate
  automl metabase build --shared ../shared --n-jobs 2""")
def metabase():
    """Build, inspect and check the metabase: past tasks and how configs did on them."""


@metabase.command(epilog="""\b
Examples:
  automl metabase build --shared ../shared              # resumes cached runs
  automl metabase build --only iris,wine --no-store     # just run the portfolio on two tables
  automl metabase build --openml-tasks 31,53 --out my-store   # live OpenML (needs network)""")
@click.option("--shared", type=click.Path(file_okay=False, path_type=Path),
              help="Folder with datasets/ (MANIFEST.csv) and reference/. Default: ../shared "
              "beside the project.")
@click.option("--history", type=click.Path(file_okay=False, path_type=Path),
              help="Run cache (resumable). Default: metabase/history in the package.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Store to write. Default: the shipped store (metabase/store).")
@click.option("--n-jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Tables run in parallel.")
@click.option("--only", help="Comma-separated table names (default: every table).")
@click.option("--exclude", help="Comma-separated table names to leave out of the store "
              "(e.g. a benchmark's test tables); their runs stay cached.")
@click.option("--timeout", type=DURATION, default=90.0, show_default=True,
              help="Time limit of one config's cross-validation on one table.")
@click.option("--no-portfolio", is_flag=True, help="Use cached runs only; run nothing.")
@click.option("--no-store", is_flag=True, help="Run the portfolio only; do not write the store.")
@click.option("--openml-suite", type=int, help="Also run the portfolio on an OpenML suite's "
              "tasks (e.g. 99), on their official splits. Needs network access to OpenML.")
@click.option("--openml-tasks", help="Also run the portfolio on these OpenML task ids.")
@click.option("--openml-flows", help="Also import OpenML run evaluations of these flow ids.")
@click.option("--dask-scheduler", envvar="AUTOML_DASK_SCHEDULER", metavar="tcp://HOST:PORT",
              help="Run the (table, config) units on this Dask cluster (also "
              "$AUTOML_DASK_SCHEDULER); the workers must see --shared at the same path.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@interruptible(message="interrupted: the finished portfolio runs are kept in the history "
                       "folder; run the same command again to go on; the store was not written")
def build(shared, history, out, n_jobs, only, timeout, no_portfolio, no_store, openml_suite,
          openml_tasks, openml_flows, dask_scheduler, exclude, quiet):
    """Run the portfolio on every table of --shared (resumable) and write the store."""
    from metabase import HISTORY_DIR, STORE_DIR, BuildPlan, Settings, build_store, run_folder

    from .._errors import DataError
    from .._platform import check_platform
    from .._report import Progress

    log = Progress(quiet)
    if not no_portfolio:                 # cached runs only: no trial, any platform
        check_platform("automl metabase build")
    shared = shared or _default_shared()
    if not (shared / "datasets" / "MANIFEST.csv").exists():
        raise DataError(f"{shared}: no datasets/MANIFEST.csv; give --shared DIR")
    settings = Settings(timeout=timeout)
    if openml_suite or openml_tasks or openml_flows:
        from metabase import SourceError, live_build

        try:
            live_build(suite=openml_suite, tasks=openml_tasks, flows=openml_flows,
                       history=history or HISTORY_DIR, settings=settings, log=log)
        except (SourceError, ValueError) as exc:
            raise DataError(f"OpenML: {exc}") from None
    names = [s.strip() for s in only.split(",")] if only else None
    t0 = time.perf_counter()
    if dask_scheduler and not no_portfolio:
        from metabase import DaskUnavailable, connect, run_folder_distributed

        try:
            client = connect(dask_scheduler)
        except DaskUnavailable as exc:
            raise DataError(str(exc)) from None
        try:
            counts = run_folder_distributed(client, shared.resolve() / "datasets",
                                            (history or HISTORY_DIR) / "portfolio", settings,
                                            only=names, log=log)
        finally:
            client.close()
        log(f"cluster runs: {counts['ok']} ok, {counts['failed']} failed, {counts['lost']} lost "
            "(lost ones run again at the next build)")
        no_portfolio = True
    if no_store:
        if not no_portfolio:
            run_folder(shared / "datasets", (history or HISTORY_DIR) / "portfolio", settings,
                       n_jobs=n_jobs, only=names, log=log)
        click.echo(f"portfolio runs done in {time.perf_counter() - t0:.0f} s")
        return
    plan = BuildPlan(run_portfolio=not no_portfolio, n_jobs=n_jobs, only=names,
                     exclude=[s.strip() for s in exclude.split(",")] if exclude else None)
    summary = build_store(shared, out or STORE_DIR, history or HISTORY_DIR, settings, plan,
                          log=log)
    click.echo(f"store written to {summary['out']}: {summary['tasks']} tasks, "
               f"{summary['runs']} runs, in {summary['seconds']:.0f} s")


def _load(path):
    from metabase import StoreError, load_store

    from .._errors import DataError

    try:
        return load_store(path)
    except StoreError as exc:
        raise DataError(str(exc)) from None


@metabase.command(epilog="""\b
Examples:
  automl metabase info
  automl metabase info --json | jq .tasks""")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path),
              help="Store to read. Default: the shipped one.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def info(store, as_json):
    """Sources, tasks per task type, configs per family, coverage, build date and versions."""
    import pandas  # noqa: F401 - imported first so the load time is the store's alone
    import pyarrow.parquet  # noqa: F401

    from metabase import store_info

    from .._report import emit_json

    t0 = time.perf_counter()
    st = _load(store)
    load_seconds = round(time.perf_counter() - t0, 3)     # the load alone, not the summary
    doc = store_info(st)
    doc["load_seconds"] = load_seconds
    doc["size_bytes"] = sum(p.stat().st_size for p in Path(st.path).iterdir())
    if as_json:
        emit_json(doc)
        return
    t = doc["tasks"]
    lines = [f"store:    {doc['path']} ({doc['size_bytes'] / 1e6:.1f} MB, loaded in "
             f"{doc['load_seconds']:.2f} s)",
             f"built:    {doc['built']}; format v{doc['format_version']}, spaces "
             f"v{doc['space_version']}; "
             + ", ".join(f"{k} {v}" for k, v in doc["versions"].items()),
             f"tasks:    {t['total']} ({t['distinct_datasets']} distinct datasets: " +
             ", ".join(f"{v} {k}" for k, v in t["distinct_by_task_type"].items()) + ")",
             f"runs:     {doc['runs']['total']} ({doc['runs']['ok']} ok, "
             f"{doc['runs']['failed']} failed)", "", "sources:"]
    for src, s in doc["sources"].items():
        by = ", ".join(f"{v} {k}" for k, v in s["by_task_type"].items())
        extra = ""
        if "mapped" in s:
            extra = f"; configs mapped {s['mapped']}/{s['runs']}"
        lines.append(f"  {src:<24} {s['tasks']:4d} tasks ({by}); meta-features on "
                     f"{s['tasks_with_meta_features']}{extra}")
        lines.append(f"  {'':<24} licence: {s.get('licence', '?')}")
        for reason, n in list(s.get("unmapped_by_reason", {}).items())[:4]:
            lines.append(f"  {'':<24} unmapped {n}: {reason}")
    lines += ["", "families (configs / tasks / runs) and tasks covered per source:"]
    srcs = sorted(doc["sources"])
    lines.append(f"  {'family':<10} {'configs':>8} {'tasks':>6} {'runs':>7}   " +
                 " ".join(f"{s[:14]:>14}" for s in srcs))
    for fam, f in doc["families"].items():
        cov = doc["coverage_tasks"].get(fam, {})
        lines.append(f"  {fam:<10} {f['configs']:8d} {f['tasks']:6d} {f['runs']:7d}   " +
                     " ".join(f"{cov.get(s, 0):14d}" for s in srcs))
    click.echo("\n".join(lines))


@metabase.command(epilog="""\b
Examples:
  automl metabase validate
  automl metabase validate --store my-store""")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path),
              help="Store to check. Default: the shipped one.")
def validate(store):
    """Check the store: schema, provenance, failure records, spaces and meta-feature names."""
    from metabase import validate_store

    from .._errors import DataError

    st = _load(store)
    problems = validate_store(st)
    if problems:
        for p in problems[:-1]:
            click.echo(f"problem: {p}", err=True)
        raise DataError(f"{st.path}: {len(problems)} problem(s); last: {problems[-1]}")
    click.echo(f"{st.path}: ok ({len(st.tasks)} tasks, {len(st.runs)} runs)")


@metabase.command(epilog="""\b
Examples:
  automl metabase evaluate
  automl metabase evaluate --json > evaluation.json""")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path),
              help="Store to evaluate. Default: the shipped one.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def evaluate(store, as_json, quiet):
    """Leave-one-task-out regret of the recommender and of the baselines.

    (a) on our portfolio runs (every config on every table): top-1 and best of
    top-5 regret per task kind, and the time-aware regret (the best config found
    by a simulated 10 s and 60 s search running the configs in each method's
    order at the held-out task's recorded times), against a greedy portfolio
    built without meta-features, the meta-model's cost-aware order and the two
    combined; (b) on OpenML's logged RandomForest, AdaBoost and SVC runs:
    ranking each held-out task's own configs.
    """
    from metabase import (OURS, OURS_B, TIME_BUDGETS, build_metamodels, evaluate_openml,
                          evaluate_portfolio, time_aware_against, win_rates)

    from .._report import Progress, emit_json

    log = Progress(quiet or as_json)
    st = _load(store)
    t0 = time.perf_counter()
    models = build_metamodels(st)
    sizes = ", ".join(f"{k} {int(m.own.sum())} tasks x {m.raw.shape[1]} configs"
                      + (f" (+{int((~m.own).sum())} pooled)" if (~m.own).any() else "")
                      for k, m in models.items())
    log(f"(a) portfolio: {sizes}")
    a = evaluate_portfolio(models)
    for table in a.values():
        table["ours"] = OURS
        table["win_rate_top1"] = win_rates(table, OURS)
        table["time_aware_vs_ours"] = {f"{b:g}": time_aware_against(table, OURS, f"_t{b:g}")
                                       for b in TIME_BUDGETS}
    log("(b) OpenML logged runs")
    b = evaluate_openml(st)
    for table in b.values():
        table["ours"] = OURS_B
        table["win_rate_top1"] = win_rates(table, OURS_B)
    doc = {"portfolio": a, "openml": b, "seconds": round(time.perf_counter() - t0, 1)}
    if as_json:
        for part in (a, b):
            for table in part.values():
                for v in table["methods"].values():
                    for key in [k for k in v if k.startswith("_")]:
                        del v[key]
        emit_json(doc)
        return
    for title, part in (("(a) our portfolio runs", a), ("(b) OpenML logged runs", b)):
        click.echo(f"\n{title}")
        for name, table in part.items():
            click.echo(f"  {name}: {table['tasks']} tasks, metric {table['metric']}, "
                       f"ours = {table['ours']}")
            click.echo(f"    {'method':<52} {'top1 mean':>9} {'median':>8} {'top5 mean':>9} "
                       f"{'median':>8} {'fail':>4} {'ours wins':>9}")
            rows = sorted(table["methods"].items(), key=lambda kv: kv[1]["top1_median"])
            for mname, v in rows:
                win = table["win_rate_top1"].get(mname)
                click.echo(f"    {mname:<52} {v['top1_mean']:9.4f} {v['top1_median']:8.4f} "
                           f"{v['top5_mean']:9.4f} {v['top5_median']:8.4f} {v['failed_top1']:4d} "
                           + (f"{win:9.0%}" if win is not None else f"{'-':>9}"))
            if title.startswith("(a)"):
                _echo_time_aware(table, TIME_BUDGETS)
    click.echo(f"\n({doc['seconds']} s; regret = best score known for the task minus the "
               "recommended config's; lower is better.\n time-aware: regret of the best "
               "config found when the configs run in the method's order at the held-out "
               "task's\n recorded fold times x 5 folds, a config that does not fit in the "
               "time left being skipped; none = tasks\n where nothing finished (they score "
               "the task's worst); b/e/w = tasks where the method's regret is lower than,\n"
               " equal to, higher than ours)")


def _echo_time_aware(table, budgets):
    """The time-aware part of one kind's table: regret within each simulated budget."""
    head = " ".join(f"{f'{b:g}s mean':>9} {'median':>8} {'none':>4} {'vs ours b/e/w':>13}"
                    for b in budgets)
    click.echo(f"    {'time-aware (simulated search)':<52} {head}")
    first = f"t{budgets[0]:g}"
    rows = sorted(table["methods"].items(), key=lambda kv: kv[1].get(f"{first}_mean", 0))
    for mname, v in rows:
        cells = []
        for b in budgets:
            k = f"t{b:g}"
            vs = table["time_aware_vs_ours"][f"{b:g}"][mname]
            bew = "-" if mname == table["ours"] else (
                f"{vs['better']}/{vs['equal']}/{vs['worse']}")
            cells.append(f"{v[f'{k}_mean']:9.4f} {v[f'{k}_median']:8.4f} "
                         f"{v[f'none_{k}']:4d} {bew:>13}")
        click.echo(f"    {mname:<52} " + " ".join(cells))
