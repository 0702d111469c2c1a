"""Live OpenML, through the ``openml`` package (0.15): tasks, and flows' runs.

For users with a network, to rebuild or extend the metabase:

- :func:`fetch_tasks`: each task's data (pandas), target, type, official
  train/test splits, dataset id, name and qualities;
- :func:`fetch_flow_evaluations`: a flow's run scores with their
  hyperparameters, mapped onto our families exactly as the offline runs are
  (``metabase.sources._mapping``), in the same long format, source
  ``openml-live-flow-<id>``;
- :func:`task_dataset_ids`: the dataset behind each task.

Failures become :class:`~metabase.sources.SourceError` subclasses with one
clear message: :class:`OpenMLUnavailableError` (no network, server down) and
:class:`OpenMLNotFoundError` (no such task, suite, flow). The package's
retry policy (``openml.config.connection_n_retries``) is left as the user set it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._errors import OpenMLNotFoundError, OpenMLUnavailableError, SourceError
from ._long import LICENCES, make_frame, to_json
from ._mapping import SPECS, map_pipeline, unmapped

#: OpenML evaluation measure → (our metric name, sign making higher better, task).
MEASURES = {
    "predictive_accuracy": ("accuracy", 1.0, "classification"),
    "area_under_roc_curve": ("roc_auc", 1.0, "classification"),
    "root_mean_squared_error": ("neg_root_mean_squared_error", -1.0, "regression"),
    "mean_absolute_error": ("neg_mean_absolute_error", -1.0, "regression"),
}
#: OpenML error codes meaning "no such object" (task, dataset, flow, study, setup).
NOT_FOUND = {111, 151, 181, 281, 601, 602}


@dataclass
class LiveTask:
    """One OpenML task with its data, ready for cross-validation on its own splits."""

    task_id: int
    task: str                   # "classification" or "regression"
    task_type: str              # OpenML's name, e.g. "Supervised Classification"
    dataset_id: int
    dataset_name: str
    target: str
    X: pd.DataFrame
    y: pd.Series
    categorical: list           # bool per column of X
    splits: list = field(repr=False)   # (repeat, fold, train indices, test indices)
    qualities: dict = field(default_factory=dict, repr=False)


def _openml():
    import openml      # heavy: only when a live function is called

    return openml


@contextlib.contextmanager
def _cache(cache_dir):
    """Use ``cache_dir`` as openml's root cache for the call only."""
    config = _openml().config
    if cache_dir is None:
        yield
        return
    # openml has no public getter for the root, and overwrite_config_context
    # re-reads the config file and does not restore on errors
    before = config._root_cache_directory
    config.set_root_cache_directory(cache_dir)
    try:
        yield
    finally:
        config.set_root_cache_directory(before)


@contextlib.contextmanager
def _errors(what: str):
    """Turn failures deep inside openml / requests into one clear SourceError."""
    import requests
    import urllib3
    from openml import config, exceptions as oe

    where = f"OpenML at {config.server}"
    try:
        yield
    except oe.OpenMLNotAuthorizedError as e:
        raise SourceError(f"{what}: {where} asks for an API key "
                          f"(openml.config.apikey): {e}") from None
    except oe.OpenMLServerException as e:
        code = getattr(e, "code", None)
        if isinstance(e, oe.OpenMLServerNoResult) or code in NOT_FOUND \
                or str(getattr(e, "message", "")).lower().startswith("unknown"):
            raise OpenMLNotFoundError(f"{what}: not found on {where} "
                                      f"(error {code}: {e.message})") from None
        raise SourceError(f"{what}: {where} answered error {code}: {e.message}") from None
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError,
            oe.OpenMLServerError) as e:
        raise OpenMLUnavailableError(
            f"{what}: cannot reach {where} ({type(e).__name__}: {str(e)[:200]}); check the "
            "network, or use the offline history (metabase.sources.load_offline_history)"
        ) from None
    except oe.PyOpenMLError as e:
        raise SourceError(f"{what}: {type(e).__name__}: {e}") from None


def fetch_tasks(task_ids=None, suite=None, cache_dir=None) -> list[LiveTask]:
    """Download tasks, their data and official splits.

    Parameters
    ----------
    task_ids : iterable of int, optional
        OpenML task ids.
    suite : int or str, optional
        A benchmark suite (e.g. 99, OpenML-CC18) whose tasks are added.
    cache_dir : path-like, optional
        openml's root cache for this call (default: the user's openml config).

    Returns
    -------
    list of LiveTask

    Raises
    ------
    OpenMLUnavailableError, OpenMLNotFoundError, SourceError
    """
    openml = _openml()
    ids = [int(t) for t in (task_ids or [])]
    with _cache(cache_dir):
        if suite is not None:
            with _errors(f"suite {suite}"):
                ids += [int(t) for t in openml.study.get_suite(suite).tasks or [] if t not in ids]
        if not ids:
            raise ValueError("fetch_tasks needs task_ids or a suite")
        return [_fetch_task(openml, tid) for tid in ids]


def task_kind(task_type_id) -> str | None:
    """"classification" or "regression" for an OpenML supervised task type, else None."""
    from openml.tasks import TaskType

    return {TaskType.SUPERVISED_CLASSIFICATION: "classification",
            TaskType.SUPERVISED_REGRESSION: "regression"}.get(task_type_id)


def _fetch_task(openml, tid: int) -> LiveTask:
    with _errors(f"task {tid}"):
        task = openml.tasks.get_task(tid, download_splits=True, download_data=True,
                                     download_qualities=True, download_features_meta_data=True)
        if task_kind(task.task_type_id) is None:
            raise SourceError(f"task {tid}: a {task.task_type} task; only supervised "
                              "classification and regression are supported")
        dataset = task.get_dataset()
        X, y, categorical, _ = dataset.get_data(target=task.target_name,
                                                dataset_format="dataframe")
        repeats, folds, _ = task.get_split_dimensions()
        splits = [(r, f, *task.get_train_test_split_indices(fold=f, repeat=r))
                  for r in range(repeats) for f in range(folds)]
        return LiveTask(int(task.task_id), task_kind(task.task_type_id), task.task_type,
                        int(task.dataset_id), dataset.name, task.target_name, X, y,
                        list(categorical), splits, dict(dataset.qualities or {}))


def task_dataset_ids(task_ids, cache_dir=None) -> dict:
    """``{task_id: dataset_id}`` from OpenML (task descriptions only, no data)."""
    openml = _openml()
    out = {}
    with _cache(cache_dir):
        for tid in task_ids:
            with _errors(f"task {tid}"):
                out[int(tid)] = int(openml.tasks.get_task(
                    int(tid), download_data=False, download_qualities=False).dataset_id)
    return out


def fetch_flow_evaluations(flow_ids, metric: str = "predictive_accuracy", *, tasks=None,
                           size: int | None = None, cache_dir=None) -> pd.DataFrame:
    """Runs of OpenML flows with their hyperparameters, mapped onto our families.

    Parameters
    ----------
    flow_ids : iterable of int
        e.g. ``[6969, 6970, 8784]`` (RandomForest, AdaBoost, SVC pipelines).
    metric : str
        OpenML's evaluation measure, one of ``MEASURES``.
    tasks : list of int, optional
        Only runs on these tasks.
    size : int, optional
        At most this many runs per flow.
    cache_dir : path-like, optional
        openml's root cache for this call.

    Returns
    -------
    DataFrame
        The long format of ``metabase.sources._long``, source ``openml-live-flow-<id>``.
    """
    if metric not in MEASURES:
        raise ValueError(f"metric {metric!r} not supported; use one of {', '.join(MEASURES)}")
    openml = _openml()
    ours, sign, kind = MEASURES[metric]
    rows = []
    with _cache(cache_dir):
        for fid in flow_ids:
            with _errors(f"flow {fid}"):
                flow = openml.flows.get_flow(int(fid))
                layout = _flow_layout(flow)
                evals = openml.evaluations.list_evaluations(
                    function=metric, flows=[int(fid)], tasks=tasks, size=size,
                    output_format="dataframe")
                setups = _setup_params(openml, evals["setup_id"].unique() if len(evals) else [],
                                       layout)
            estimator, prefix = _estimator_of(layout)
            for tid, did, name, sid, value in zip(*(evals[c] for c in (
                    "task_id", "data_id", "data_name", "setup_id", "value")), strict=True):
                flat = setups.get(int(sid), {})
                m = (map_pipeline(estimator, prefix, flat) if estimator else
                     unmapped(flat, f"no family: flow {fid} ({flow.name[:80]}) has none of our "
                                    "estimators"))
                rows.append({"source": f"openml-live-flow-{fid}", "openml_task_id": int(tid),
                             "openml_dataset_id": int(did), "dataset_name": name,
                             "task": SPECS[estimator].task if estimator else kind,
                             "family": m.family, "params": to_json(m.params),
                             "mapped": m.mapped, "note": m.note, "metric": ours,
                             "score": sign * float(value) + 0.0,
                             "licence": LICENCES["openml-live"]})
    return make_frame(rows)


def _flow_layout(flow, path=()) -> dict:
    """``{flow id: (step path, scikit-learn class name)}`` for a flow and its components."""
    cls = (flow.class_name or flow.name.split("(", 1)[0]).rsplit(".", 1)[-1]
    out = {int(flow.flow_id): (path, cls)}
    for ident, sub in flow.components.items():
        out.update(_flow_layout(sub, (*path, ident)))
    return out


def _estimator_of(layout: dict):
    """Our estimator in the flow: the one of ours nearest the top; ``(None, "")`` if none."""
    found = sorted((len(path), cls, "__".join(path)) for path, cls in layout.values()
                   if cls in SPECS)
    return (found[0][1], found[0][2]) if found else (None, "")


def _setup_params(openml, setup_ids, layout) -> dict:
    """``{setup_id: {"step__param": value}}``, named by each parameter's place in the flow."""
    out = {}
    ids = [int(s) for s in setup_ids]
    for chunk in np.array_split(ids, max(1, (len(ids) + 99) // 100)) if ids else []:
        setups = openml.setups.list_setups(setup=[int(s) for s in chunk],
                                           output_format="object")
        for sid, setup in setups.items():
            flat = {}
            for p in (setup.parameters or {}).values():
                path = layout.get(int(p.flow_id), (None,))[0]
                key = p.full_name if path is None else "__".join((*path, p.parameter_name))
                flat[key] = p.value
            out[int(sid)] = flat
    return out
