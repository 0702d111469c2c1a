"""``automl explain``: thin wrapper over ``automl_cli._explain.explain_file``."""

from __future__ import annotations

from pathlib import Path

import click

from .._errors import interruptible


@click.command(epilog="""\b
Examples:
  automl explain model/ holdout.csv                # a table of columns by importance
  automl explain model/ holdout.parquet --json     # mean, spread and every repeat
  automl explain model/ holdout.csv --repeats 10 --max-rows 5000""")
@click.argument("model_dir", type=click.Path(readable=False, path_type=Path))
@click.argument("data", type=click.Path(readable=False, path_type=Path))
@click.option("--sheet", help="Sheet of an Excel workbook. Default: the first.")
@click.option("--repeats", type=click.IntRange(min=1), default=5, show_default=True,
              help="Shuffles per column.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the shuffles (and of the row sample).")
@click.option("--max-rows", type=click.IntRange(min=10), default=10_000, show_default=True,
              help="Rows scored at most (a seeded sample of larger tables).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@interruptible(message="interrupted")
def explain(model_dir, data, sheet, repeats, seed, max_rows, as_json):
    """Permutation importance of each input column of the model in MODEL_DIR on DATA.

    DATA is a labelled table (with the target column), best rows the model
    never saw (a holdout): each column's values are shuffled in turn and the
    model's metric measured again; the drop is the column's importance, with
    its spread over the repeats.
    """
    from .._explain import explain_file, format_text
    from .._report import emit_json

    doc = explain_file(model_dir, data, n_repeats=repeats, seed=seed, max_rows=max_rows,
                       sheet=sheet)
    if as_json:
        emit_json(doc)
    else:
        click.echo(format_text(doc))
