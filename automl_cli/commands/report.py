"""``automl report``: thin wrapper over ``automl_cli._report_html.render``."""

from __future__ import annotations

from pathlib import Path

import click

from .._errors import interruptible


@click.command(epilog="""\b
Examples:
  automl report model/                         # writes report.html
  automl report model/ -o churn-report.html --force
  automl report model/ --data holdout.csv      # with permutation importance on it
  automl fit train.csv --holdout 0.2 --report  # the same, into model/report.html""")
@click.argument("model_dir", type=click.Path(readable=False, path_type=Path))
@click.option("--output", "-o", default="report.html", show_default=True,
              help="HTML file to write; - for stdout.")
@click.option("--data", "data", type=click.Path(readable=False, path_type=Path),
              help="A labelled table the model never saw (a holdout): adds the permutation "
              "importance of each input column on it.")
@click.option("--sheet", help="Sheet of an Excel workbook (--data). Default: the first.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@interruptible(message="interrupted; no report was written")
def report(model_dir, output, data, sheet, force, quiet):
    """Write one self-contained HTML report of the model in MODEL_DIR.

    The data, the recommendation and the past tasks behind it, the search, the
    ensemble, the time by phase, the model's confusion matrix, ROC and
    reliability (classification) or predicted-vs-actual and residuals
    (regression), all from out-of-fold predictions, and the input columns'
    permutation importance. Figures are embedded: the file reads offline.
    """
    from .._report import Progress
    from .._report_data import from_model_dir
    from .._report_html import render

    log = Progress(quiet)
    if output != "-":
        _check_output(Path(output), force)
    inputs = from_model_dir(model_dir)
    if data is not None:
        from .._explain import explain_file

        log(f"permutation importance on {data}")
        inputs.data["importance"] = explain_file(model_dir, data, sheet=sheet)
    html = render(inputs)
    if output == "-":
        click.echo(html, nl=False)
        return
    _write(Path(output), html)
    click.echo(f"report written to {output} ({html.count('<img ')} figures, "
               f"{len(html.encode()) // 1024} KB)")


def _check_output(path: Path, force: bool) -> None:
    from .._errors import OutputError

    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; use --force to replace it")
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name")
    if not path.resolve().parent.is_dir():
        raise OutputError(f"{path.resolve().parent}: no such directory for --output")


def _write(path: Path, html: str) -> None:
    """Write under a temporary name and rename: no half-written report."""
    import os
    import tempfile

    from .._artifact import umask
    from .._errors import OutputError

    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                   dir=path.resolve().parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(html.encode("utf-8"))
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the report: {exc.strerror or exc}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
