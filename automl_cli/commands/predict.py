"""``automl predict``: thin wrapper over ``automl_cli._predict.predict_file``."""

from __future__ import annotations

from pathlib import Path

import click

from .._errors import interruptible


@click.command(epilog="""\b
Examples:
  automl predict model/ new.csv                       # CSV on stdout
  automl predict model/ new.csv -o scored.parquet --proba --id-column customer_id
  automl predict model/ nightly.csv.gz -o out.csv --force --json   # summary as JSON""")
@click.argument("model_dir", type=click.Path(readable=False, path_type=Path))
@click.argument("data", type=click.Path(readable=False, path_type=Path))
@click.option("--output", "-o", default="-", show_default=True,
              help="Predictions file: .csv or .parquet; - for stdout.")
@click.option("--proba", is_flag=True, help="Add a proba_<class> column per class.")
@click.option("--id-column", help="Copy this input column to the output, first.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@click.option("--chunk-rows", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Rows scored at a time (bounds memory on large tables).")
@click.option("--json", "as_json", is_flag=True, help="A JSON summary on stdout "
              "(needs --output to a file).")
@click.option("--quiet", "-q", is_flag=True, help="No warnings or progress on stderr.")
@interruptible
def predict(model_dir, data, output, proba, id_column, force, chunk_rows, as_json, quiet):
    """Score DATA with the model saved in MODEL_DIR by `automl fit`.

    Columns are matched by name: their order does not matter, extra columns
    are ignored with a warning, missing ones are an error (exit code 4).
    Loading a model runs code from its file: load only models you trust.
    """
    from .._predict import predict_file
    from .._report import Progress, emit_json

    if as_json and output == "-":
        raise click.UsageError("--json needs --output FILE: stdout cannot hold both")
    log = Progress(quiet)
    summary = predict_file(model_dir, data, output, proba=proba, id_column=id_column,
                           force=force, chunk_rows=chunk_rows)
    for w in summary["warnings"]:
        log(f"warning: {w}")
    if as_json:
        emit_json(summary)
    elif output != "-":
        click.echo(f"{summary['rows']} predictions written to {output} "
                   f"in {summary['seconds']:.1f} s")
