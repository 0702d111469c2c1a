"""Exit codes belong to exceptions: one class per kind of failure.

| code | class               | meaning                                             |
|------|---------------------|-----------------------------------------------------|
| 0    |                     | ok                                                  |
| 1    | AutomlError         | internal error (a bug: please report it)            |
| 2    | (click.UsageError)  | usage: unknown option, bad option value             |
| 3    | ScoreBelowThreshold | the score is worse than ``--fail-under``            |
| 4    | DataError           | input data, schema or model directory problem       |
| 5    | NoModelError        | no model could be trained within the budget         |
| 6    | OutputError         | the output cannot be written (exists, denied, full) |
"""

from __future__ import annotations

import click


class AutomlError(click.ClickException):
    """Base class; exit code 1 is reserved for internal errors."""

    exit_code = 1

    def show(self, file=None):
        click.echo(f"error: {self.format_message()}", err=True)


class ScoreBelowThreshold(AutomlError):
    exit_code = 3


class DataError(AutomlError):
    exit_code = 4


class NoModelError(AutomlError):
    exit_code = 5


class OutputError(AutomlError):
    exit_code = 6


EXIT_CODES = {0: "ok", 1: "internal error", 2: "usage", 3: "score below --fail-under",
              4: "input data, schema or model directory problem",
              5: "no model within the budget", 6: "output cannot be written"}
