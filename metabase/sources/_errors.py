"""Exceptions of the history sources: one class per kind of failure."""

from __future__ import annotations


class SourceError(Exception):
    """A history source could not be read; the message says what and where."""


class ReferenceDataError(SourceError):
    """An offline reference file is missing or not in the expected format."""


class OpenMLUnavailableError(SourceError):
    """The OpenML server could not be reached (no network, server down, timeout)."""


class OpenMLNotFoundError(SourceError):
    """OpenML answered, but the task, dataset, suite or flow does not exist."""
