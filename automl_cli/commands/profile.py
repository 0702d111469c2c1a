"""``automl profile``: OpenML's data qualities of a table."""

from __future__ import annotations

from pathlib import Path

import click

GROUP_NAMES = ("simple", "statistical", "information", "landmarking", "target")


@click.command(epilog="""\b
Examples:
  automl profile train.csv --target price
  automl profile train.csv --groups simple,information --json""")
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--target", "-t", help="Target column. Default: the last column.")
@click.option("--sheet", help="Sheet of an Excel workbook. Default: the first.")
@click.option("--task", type=click.Choice(["auto", "classification", "regression"]),
              default="auto", show_default=True)
@click.option("--groups", help=f"Comma-separated groups among {', '.join(GROUP_NAMES)}. "
              "Default: all.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No notes on stderr.")
def profile(data, target, task, groups, as_json, quiet, sheet):
    """Meta-features of DATA by OpenML's names and definitions, grouped by kind."""
    import pandas as pd

    from metabase import profile as compute

    from .._io import load_table
    from .._report import Progress, emit_json
    from .._task import make_problem

    chosen = None
    if groups:
        chosen = [g.strip() for g in groups.split(",") if g.strip()]
        bad = [g for g in chosen if g not in GROUP_NAMES]
        if bad:
            raise click.BadParameter(f"unknown group(s) {', '.join(bad)}; choose from "
                                     f"{', '.join(GROUP_NAMES)}", param_hint="--groups")
    log = Progress(quiet or as_json)
    table = load_table(data, sheet=sheet)
    problem = make_problem(table.frame, *table.target_and_task(target, task), str(data))
    for note in table.notes + problem.notes:
        log(f"note: {note}")
    result = compute(problem.X, pd.Series(problem.y, name=problem.target), task=problem.task,
                     groups=chosen)
    doc = {"data": str(data), "target": problem.target, "task": problem.task, **result.to_dict()}
    if as_json:
        emit_json(doc)
        return
    for note in result.notes:
        log(f"note: {note}")
    by_group: dict[str, list[str]] = {}
    for name, group in result.groups.items():
        by_group.setdefault(group, []).append(name)
    lines = []
    for group in GROUP_NAMES:
        names = by_group.get(group)
        if not names:
            continue
        secs = result.timings.get(group)
        lines.append(f"{group}" + (f" ({secs:.2f} s)" if secs is not None else "") + ":")
        for name in names:
            v = result.values[name]
            text = f"{v:.6g}" if v == v else f"NaN  ({result.reasons.get(name, 'undefined')})"
            lines.append(f"  {name:<40} {text}")
    click.echo("\n".join(lines))
