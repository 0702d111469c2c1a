"""``automl recommend``: the configs to try first on a table, and why."""

from __future__ import annotations

import time
from pathlib import Path

import click


@click.command(epilog="""\b
Examples:
  automl recommend train.csv --target price
  automl recommend train.csv --top 10 --json""")
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--target", "-t", help="Target column. Default: the last column.")
@click.option("--sheet", help="Sheet of an Excel workbook. Default: the first.")
@click.option("--task", type=click.Choice(["auto", "classification", "regression"]),
              default="auto", show_default=True)
@click.option("--top", type=click.IntRange(1, 50), default=5, show_default=True,
              help="How many configs.")
@click.option("--store", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Metabase store. Default: the shipped one.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No notes on stderr.")
def recommend(data, target, task, top, store, as_json, quiet, sheet):
    """Rank configs for DATA from the metabase, before any training."""
    from .. import _advice
    from .._io import load_table
    from .._report import Progress, emit_json, fmt_params
    from .._task import make_problem

    log = Progress(quiet or as_json)
    t0 = time.perf_counter()
    table = load_table(data, sheet=sheet)
    problem = make_problem(table.frame, *table.target_and_task(target, task), str(data))
    advice, profile_seconds = _advice.advise(problem, top=top, store=store)
    doc = {"data": str(data), "target": problem.target, **advice.to_dict(),
           "seconds": {"profile": round(profile_seconds, 3),
                       "total": round(time.perf_counter() - t0, 3)}}
    if as_json:
        emit_json(doc)
        return
    for note in table.notes + problem.notes:
        log(f"note: {note}")
    lines = [f"{problem.kind}; ranked by {advice.metric} history; {advice.method}"]
    for r in advice.recommendations:
        ft = f"~{r['fit_time']:.2g} s/fit" if r["fit_time"] is not None else "fit time unknown"
        lines.append(f"{r['rank']:2d}. {r['config']['family']:<8} predicted {r['predicted']:.3f}  "
                     f"{ft}  ({fmt_params(r['config']['params'])})")
        sup = "; ".join(f"{s['name']}" + (f" (OpenML {s['openml_id']})" if s["openml_id"] else "")
                        + f" d={s['distance']:.2f} {s['normalised_score']:.2f}"
                        for s in r["support"])
        lines.append(f"      supported by: {sup}")
    near = ", ".join(f"{n['name']} (w={n['weight']:.2f}, d={n['distance']:.2f})"
                     for n in advice.neighbours[:5])
    lines.append(("nearest" if advice.out_of_range else "supporting") + f" past tasks: {near}")
    lines += [f"note: {n}" for n in advice.notes]
    lines.append(f"({doc['seconds']['total']:.2f} s, of which profile {profile_seconds:.2f} s)")
    click.echo("\n".join(lines))
