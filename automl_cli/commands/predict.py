"""``automl predict``: thin wrapper over ``automl_cli._predict.predict_file``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .._errors import interruptible


@click.command(epilog="""\b
Examples:
  automl predict model/ new.csv                       # CSV on stdout
  automl predict model/ new.csv -o scored.parquet --proba --id-column customer_id
  automl predict model/ nightly.csv.gz -o out.csv --force --json   # summary as JSON
  automl predict model/ nightly.csv -o out.csv --fail-on-drift   # CI gate: exit 7 on drift""")
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
@click.option("--fail-on-drift", is_flag=True, help="Exit with code 7 when columns of DATA "
              "moved from the training data (the predictions are written all the same).")
@click.option("--trust-joblib", is_flag=True, help="Load a format-1 model.joblib (a pickle, "
              "which can run any code it holds): only for a file you made yourself.")
@click.option("--quiet", "-q", is_flag=True, help="No warnings or progress on stderr.")
@interruptible
def predict(model_dir, data, output, proba, id_column, force, chunk_rows, as_json, quiet,
            fail_on_drift, trust_joblib):
    """Score DATA with the model saved in MODEL_DIR by `automl fit`.

    Columns are matched by name: their order does not matter, extra columns
    are ignored with a warning, missing ones are an error (exit code 4).
    A model file that could run code is refused (exit code 4). Columns that
    moved from the training data are named in a warning (and in --json).
    """
    from .._errors import DataError, DriftError
    from .._predict import open_model, predict_file
    from .._report import Progress, emit_json

    if as_json and output == "-":
        raise click.UsageError("--json needs --output FILE: stdout cannot hold both")
    log = Progress(quiet)
    # a line per chunk for a person at a terminal; none in CI logs or pipes
    progress = Progress(quiet or not sys.stderr.isatty())
    summary = predict_file(open_model(model_dir, trust_joblib), data, output, proba=proba,
                           id_column=id_column, force=force, chunk_rows=chunk_rows,
                           log=progress)
    for w in summary["warnings"]:
        log(f"warning: {w}")
    if as_json:
        emit_json(summary)
    elif output != "-":
        click.echo(f"{summary['rows']} predictions written to {output} "
                   f"in {summary['seconds']:.1f} s")
    drift = summary["drift"]
    if fail_on_drift and drift["status"] == "unavailable":
        raise DataError(f"{model_dir}: --fail-on-drift cannot check: {drift['reason']}")
    if fail_on_drift and drift["status"] == "drift":
        raise DriftError(f"{data}: {len(drift['drifted'])} column(s) drifted from the "
                         f"training data ({', '.join(map(repr, drift['drifted'][:5]))}); the "
                         "predictions were written")
