"""The ``automl`` command: a group whose subcommands are imported only when run,
so that ``automl --help`` answers without importing scikit-learn or pandas."""

from __future__ import annotations

import importlib
import sys
import time

import click

#: subcommand -> (module, attribute, one-line help shown by ``automl --help``)
COMMANDS = {
    "fit": ("automl_cli.commands.fit", "fit", "Train the best model the budget allows."),
    "predict": ("automl_cli.commands.predict", "predict", "Score a table with a saved model."),
    "report": ("automl_cli.commands.report", "report",
               "One self-contained HTML report of a saved model."),
    "explain": ("automl_cli.commands.explain", "explain",
                "Permutation importance of the input columns on a labelled table."),
    "profile": ("automl_cli.commands.profile", "profile",
                "Meta-features of a table, by OpenML's quality names."),
    "recommend": ("automl_cli.commands.recommend", "recommend",
                  "Configs to try first on a table, from the metabase, and why."),
    "metabase": ("automl_cli.commands.metabase", "metabase",
                 "Build, inspect and check the store of past tasks."),
}


class LazyGroup(click.Group):
    """Click's "lazily loading subcommands" pattern."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx, formatter):
        rows = [(name, help_) for name, (_, _, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        """Click's standalone mode, except that every failure, ours (``_errors``) and
        click's usage errors alike, is one ``error: ...`` line and its exit code."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except Exception as exc:  # noqa: BLE001 - mapped or re-raised below
            code = _exit_code(exc)
        sys.exit(code if isinstance(code, int) else 0)


def _exit_code(exc: Exception) -> int:
    """Print the one line of a known failure and return its code; re-raise the rest
    (click itself still quiets a closed stdout, EPIPE, in this mode)."""
    from ._errors import AutomlError

    if isinstance(exc, AutomlError):
        click.echo(f"error: {exc.message}", err=True)
        return exc.exit_code
    if isinstance(exc, click.UsageError):
        where = exc.ctx.command_path if exc.ctx is not None else "automl"
        click.echo(f"error: {exc.format_message()} (see '{where} --help')", err=True)
        return exc.exit_code
    if isinstance(exc, click.ClickException):
        click.echo(f"error: {exc.format_message()}", err=True)
        return exc.exit_code
    if isinstance(exc, click.Abort):        # Ctrl-C outside a command's own handling
        click.echo("error: interrupted", err=True)
        return 130
    raise exc


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("automl")
    except PackageNotFoundError:
        return "unknown"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"],
                                              "max_content_width": 100})
@click.version_option(package_name="automl", message="automl %(version)s")
def cli():
    """AutoML for tables that learns from OpenML task history.

    \b
    Examples:
      automl fit train.csv --target price --time-budget 2m
      automl predict model/ new.csv --output predictions.csv

    Exit codes: 0 ok, 1 internal error, 2 usage, 3 score below --fail-under,
    4 input data or model problem, 5 no model within the budget,
    6 output cannot be written, 7 drift (predict --fail-on-drift),
    8 unsupported platform, 130 interrupted.
    """


#: When the console entry point ran: ``fit``'s time budget counts from here, so the
#: imports of scikit-learn and pandas (seconds on a loaded machine) are inside it.
STARTED: float | None = None


def main(argv=None):
    """Console entry point: internal errors become one line and exit code 1."""
    global STARTED
    STARTED = time.monotonic()
    try:
        cli.main(args=argv, prog_name="automl", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        from ._errors import ignore_signals

        ignore_signals()
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        import os
        import traceback

        if os.environ.get("AUTOML_DEBUG"):
            traceback.print_exc()
        click.echo(f"error: internal error: {type(exc).__name__}: {exc} "
                   "(a bug: please report it; AUTOML_DEBUG=1 shows the traceback)", err=True)
        sys.exit(1)
    finally:
        STARTED = None      # a later in-process call (tests) starts its own clock


if __name__ == "__main__":
    main()
