"""``openml:ID`` and ``openml:task/ID`` as inputs, through the ``openml`` package.

A dataset gives its default target attribute, and the task follows from that
feature's type (nominal: classification, numeric: regression); a task gives
its own target and type. Downloads go to openml's cache (its config file says
where), so a second run reads no network.
"""

from __future__ import annotations

import contextlib
import re

from ._errors import DataError
from ._io import Table

_SPEC = re.compile(r"openml:(?:(?P<kind>task|dataset|data)/)?(?P<id>\d+)")
#: openml's error codes that mean "no such dataset / task".
NOT_FOUND = {111, 151, 152, 362}


def parse(spec: str) -> tuple[str, int]:
    """``("dataset", 31)`` from ``openml:31``, ``("task", 59)`` from ``openml:task/59``."""
    m = _SPEC.fullmatch(spec.strip())
    if not m:
        raise DataError(f"{spec}: not an OpenML input: write openml:ID for a dataset "
                        "(openml:31) or openml:task/ID for a task (openml:task/59)")
    return ("task" if m["kind"] == "task" else "dataset"), int(m["id"])


def load_openml(spec: str) -> Table:
    """The dataset or task's data as a ``Table``, target last, with its target and task."""
    kind, oid = parse(spec)
    with _errors(spec, f"OpenML {kind} {oid}"):
        if kind == "task":
            return _task_table(spec, oid)
        return _dataset_table(spec, oid)


def _dataset_table(spec: str, did: int) -> Table:
    import openml

    dataset = openml.datasets.get_dataset(did, download_data=True, download_qualities=False,
                                          download_features_meta_data=True)
    target = (dataset.default_target_attribute or "").split(",")[0].strip() or None
    task = None
    what = f"OpenML dataset {did} {dataset.name!r} (version {dataset.version})"
    if target is None:
        note = f"{what} has no default target: give --target"
    else:
        kind = next((f.data_type for f in dataset.features.values() if f.name == target), None)
        task = {"nominal": "classification", "numeric": "regression"}.get(kind)
        note = f"{what}: target {target!r} (its default target)" + (
            f", task {task} (a {kind} target)" if task else "")
    return _table(spec, dataset, target, task, note, f"openml dataset {did}")


def _task_table(spec: str, tid: int) -> Table:
    import openml

    from metabase import openml_task_kind

    task = openml.tasks.get_task(tid, download_splits=False, download_data=True,
                                 download_qualities=False, download_features_meta_data=True)
    kind = openml_task_kind(task.task_type_id)
    if kind is None:
        raise DataError(f"{spec}: a {task.task_type} task: only supervised classification "
                        "and regression tasks can be fitted")
    dataset = task.get_dataset()
    note = (f"OpenML task {tid} ({task.task_type}) on dataset {task.dataset_id} "
            f"{dataset.name!r}: target {task.target_name!r}")
    return _table(spec, dataset, task.target_name, kind, note, f"openml task {tid}")


def _table(spec, dataset, target, task, note, fmt) -> Table:
    frame, _, _, _ = dataset.get_data(target=None, dataset_format="dataframe")
    if target is not None:
        if target not in frame.columns:
            raise DataError(f"{spec}: OpenML's target {target!r} is not among the dataset's "
                            "columns: give --target")
        frame = frame[[c for c in frame.columns if c != target] + [target]]
    return Table(frame.reset_index(drop=True), spec, fmt, [note], target, task)


@contextlib.contextmanager
def _errors(spec: str, what: str):
    """openml's and requests' failures as one line with exit code 4."""
    import requests
    import urllib3
    from openml import exceptions as oe

    try:
        yield
    except oe.OpenMLServerException as e:
        code = getattr(e, "code", None)
        if isinstance(e, oe.OpenMLServerNoResult) or code in NOT_FOUND or \
                str(getattr(e, "message", "")).lower().startswith("unknown"):
            raise DataError(f"{spec}: no {what} on OpenML (error {code}): check the id") \
                from None
        raise DataError(f"{spec}: OpenML answered error {code} for {what}: "
                        f"{getattr(e, 'message', e)}") from None
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError,
            oe.OpenMLServerError, OSError) as e:
        raise DataError(f"{spec}: cannot download {what} from OpenML ({type(e).__name__}): "
                        "check the network, or save the table as a file and give its "
                        "path") from None
    except oe.PyOpenMLError as e:
        raise DataError(f"{spec}: {what}: {type(e).__name__}: {str(e)[:200]}") from None
