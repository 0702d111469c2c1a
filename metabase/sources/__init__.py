"""History sources of the metabase: where past runs and data qualities come from.

- ``openml_offline``: OpenML runs, lcdb and auto-sklearn's meta-data from the
  offline reference folder (``../shared/reference``), in one long format;
- ``openml_live``: the same from the OpenML server through the ``openml``
  package (import it explicitly: it loads ``openml``).

Every failure to read a source raises a :class:`SourceError`.
"""

from ._errors import OpenMLNotFoundError, OpenMLUnavailableError, ReferenceDataError, SourceError
from ._long import COLUMNS, LICENCES, summarize
from .openml_offline import load_offline_history, offline_qualities, task_dataset_ids

__all__ = ["COLUMNS", "LICENCES", "OpenMLNotFoundError", "OpenMLUnavailableError",
           "ReferenceDataError", "SourceError", "load_offline_history", "offline_qualities",
           "summarize", "task_dataset_ids"]
