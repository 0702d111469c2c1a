"""Exit codes belong to exceptions: one class per kind of failure.

Plain exception classes (library code never raises click's); ``cli.LazyGroup.main``
maps them, and click's own usage errors, to one ``error: ...`` line and the exit code.

| code | class               | meaning                                             |
|------|---------------------|-----------------------------------------------------|
| 0    |                     | ok                                                  |
| 1    | AutomlError         | internal error (a bug: please report it)            |
| 2    | (click.UsageError)  | usage: unknown option, bad option value             |
| 3    | ScoreBelowThreshold | the score is worse than ``--fail-under``            |
| 4    | DataError           | input data, schema or model directory problem       |
| 5    | NoModelError        | no model could be trained within the budget         |
| 6    | OutputError         | the output cannot be written (exists, denied, full) |
| 7    | DriftError          | ``predict --fail-on-drift``: the batch has drifted  |
|      |                     | (the predictions are written all the same)          |
| 8    | PlatformError       | ``fit``/``metabase build`` on a platform other than |
|      |                     | Linux (trials need fork and /proc)                  |
| 130  | Interrupted         | Ctrl-C or SIGTERM before anything was saved         |
"""

from __future__ import annotations


class AutomlError(Exception):
    """Base class; exit code 1 is reserved for internal errors."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ScoreBelowThreshold(AutomlError):
    exit_code = 3


class DataError(AutomlError):
    exit_code = 4


class NoModelError(AutomlError):
    exit_code = 5


class OutputError(AutomlError):
    exit_code = 6


class DriftError(AutomlError):
    """``--fail-on-drift``: columns of the batch moved from the training data."""

    exit_code = 7


class PlatformError(AutomlError):
    """Not a data problem (4) nor a bug (1): this machine cannot run trials."""

    exit_code = 8


class Interrupted(AutomlError):
    """Ctrl-C or SIGTERM before anything was saved."""

    exit_code = 130


def ignore_signals():
    """We are stopping anyway: further Ctrl-C must not cut the clean exit short."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def interruptible(command=None, *, message="interrupted; nothing was saved"):
    """Turn a KeyboardInterrupt inside ``command`` into exit code 130 with one line
    (click would print "Aborted!" and exit 1); ``message`` says what was kept."""
    import functools

    def decorate(command):
        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            try:
                return command(*args, **kwargs)
            except KeyboardInterrupt:
                ignore_signals()
                raise Interrupted(message) from None
        return wrapper
    return decorate(command) if command is not None else decorate
