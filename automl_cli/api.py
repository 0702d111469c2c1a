"""The Python API (``automl_cli.fit``, ``automl_cli.load``); ``automl fit`` is a thin layer
over the same functions, so there is one way to make a model directory.

    import automl_cli
    result = automl_cli.fit("train.csv", target="price", time_budget=30)
    result.pipeline, result.score          # the scikit-learn model, the reported score
    result.save("model-dir")               # the directory `automl fit -o` writes
    model = automl_cli.load("model-dir")
    model.predict(frame); model.predict_proba(frame)

Failures raise the classes of ``automl_cli._errors`` (``DataError``: exit code 4 in the
CLI, ``NoModelError``: 5, ``OutputError``: 6, ...); a misspelt option is a ``TypeError``
and a bad option value a ``ValueError`` (what the CLI reports as usage, exit code 2).
"""

from __future__ import annotations

import json
import time
import warnings as _warnings
from pathlib import Path

#: fit's options (the CLI's, by their Python names) and their defaults; ``time_budget``
#: defaults to 60 s unless only ``max_trials`` is given, as in the CLI.
FIT_OPTIONS = {"time_budget": None, "max_trials": None, "metric": None, "cv": 5, "seed": 0,
               "holdout": 0.0, "memory_limit": None, "metalearning": True,
               "no_metalearning": False, "store": None, "ensemble_size": 25, "n_jobs": 1,
               "final_model": "auto", "search_eval": "auto", "warm_start": "meta-model",
               "dask_scheduler": None, "task": "auto", "sheet": None, "quiet": True,
               "log": None}
DEFAULT_BUDGET = 60.0


def fit(data, target: str | None = None, **options) -> "Result":
    """Fit on ``data`` (a pandas DataFrame, or anything ``automl fit`` reads: a path,
    ``"-"``, ``"openml:ID"``) with ``automl fit``'s options as keywords (``time_budget``
    in seconds or as ``"2m"``, ``memory_limit`` in bytes or as ``"4G"``); progress goes
    to stderr with ``quiet=False``, or to a ``log(message)`` function."""
    start = time.monotonic()
    opts, extra = fit_options(options)
    problem, source = read_problem(data, target, extra["task"], extra["sheet"],
                                   extra["log"], opts.metric)
    return fit_problem(problem, opts, source, extra["log"], start)


def fit_options(options: dict):
    """``(FitOptions, {"task", "sheet", "log"})`` from keyword options, checked."""
    from . import _fit
    from ._report import Progress
    from ._types import BYTE_SIZE, DURATION

    unknown = sorted(set(options) - set(FIT_OPTIONS))
    if unknown:
        raise TypeError(f"fit() got unknown option(s) {', '.join(unknown)}: the options are "
                        f"{', '.join(FIT_OPTIONS)}")
    o = {**FIT_OPTIONS, **options}
    if o["time_budget"] is None and o["max_trials"] is None:
        o["time_budget"] = DEFAULT_BUDGET
    try:
        budget = None if o["time_budget"] is None else DURATION.convert(o["time_budget"],
                                                                         None, None)
        memory = None if o["memory_limit"] is None else BYTE_SIZE.convert(o["memory_limit"],
                                                                           None, None)
    except Exception as exc:  # noqa: BLE001 - click's BadParameter, as a Python error
        raise ValueError(getattr(exc, "message", str(exc))) from None
    _check_ranges(o)
    opts = _fit.FitOptions(
        metric=o["metric"], time_budget=budget, max_trials=o["max_trials"], cv=int(o["cv"]),
        seed=int(o["seed"]), holdout=float(o["holdout"]), memory_limit=memory,
        metalearning=bool(o["metalearning"]) and not o["no_metalearning"],
        store=None if o["store"] is None else str(o["store"]), n_jobs=int(o["n_jobs"]),
        dask_scheduler=o["dask_scheduler"], ensemble_size=int(o["ensemble_size"]),
        final_model=o["final_model"], search_eval=o["search_eval"],
        warm_start=o["warm_start"])
    log = o["log"] if o["log"] is not None else Progress(bool(o["quiet"]))
    return opts, {"task": o["task"], "sheet": o["sheet"], "log": log}


def _check_ranges(o: dict) -> None:
    """The CLI's bounds on the numeric options."""
    from ._fidelity import CHOICES, HOLDOUT_MODES

    checks = [("cv", 2 <= o["cv"] <= 20, "between 2 and 20"),
              ("holdout", 0 <= o["holdout"] < 0.5, "at least 0 and below 0.5"),
              ("seed", o["seed"] >= 0, "at least 0"),
              ("n_jobs", o["n_jobs"] >= 1, "at least 1"),
              ("ensemble_size", o["ensemble_size"] >= 1, "at least 1"),
              ("final_model", o["final_model"] in ("auto", "bag", "refit"),
               "auto, bag or refit"),
              ("search_eval", o["search_eval"] in CHOICES, "auto, cv, holdout or halving"),
              ("warm_start", o["warm_start"] in ("meta-model", "portfolio", "both"),
               "meta-model, portfolio or both"),
              ("max_trials", o["max_trials"] is None or o["max_trials"] >= 1, "at least 1"),
              ("task", o["task"] in ("auto", "classification", "regression"),
               "auto, classification or regression")]
    for name, ok, what in checks:
        if not ok:
            raise ValueError(f"{name}={o[name]!r}: must be {what}")
    if o["final_model"] == "bag" and o["search_eval"] in HOLDOUT_MODES:
        raise ValueError("final_model='bag' needs the k fold models of a cross-validated "
                         "search: use search_eval='cv' or 'auto'")


def read_problem(data, target, task: str, sheet, log, metric=None):
    """``(Problem, source)`` of a table (a DataFrame or a path), with progress lines."""
    import pandas as pd

    from ._fit import choose_metric
    from ._io import load_table
    from ._task import make_problem

    if isinstance(data, pd.DataFrame):
        frame, fmt, path, notes, task_target = data, "dataframe", "DataFrame", [], (target, task)
    else:
        table = load_table(data, sheet=sheet)
        frame, fmt, path, notes = table.frame, table.format, str(data), list(table.notes)
        task_target = table.target_and_task(target, task)
    for note in notes:
        log(f"note: {note}")
    problem = make_problem(frame, *task_target, path)
    n_classes = f" ({len(problem.classes)} classes)" if problem.classes else ""
    log(f"{path}: {len(problem.y)} rows x {problem.X.shape[1]} features; target "
        f"{problem.target!r}; {problem.kind}{n_classes}; metric "
        f"{choose_metric(problem, metric)}")
    for note in problem.notes:
        log(f"note: {note}")
    problem.notes[:0] = notes        # the manifest and --json keep them too
    return problem, {"path": None if fmt == "dataframe" else path, "format": fmt,
                     "columns": int(frame.shape[1])}


def fit_problem(problem, opts, source: dict, log, start: float) -> "Result":
    """Fit a checked problem within the budget counted from ``start`` (monotonic)."""
    from . import _fit
    from ._budget import Budget

    result = _fit.fit(problem, opts, log=log, budget=Budget(opts.time_budget, start))
    return Result(result, source, start, log)


class Result:
    """A fit: ``pipeline`` (the fitted scikit-learn estimator), ``score`` (the reported
    score of ``metric``), ``scores`` (every metric), ``holdout`` (the holdout's scores or
    None), ``fit_result`` (everything ``automl_cli._fit.fit`` returned)."""

    def __init__(self, fit_result, source: dict, start: float, log=lambda m: None):
        self.fit_result = fit_result
        self.source = source
        self._start = start
        self._log = log
        self._manifest = None
        #: seconds the last ``save(report=True)`` took to compute and draw the report
        self.report_seconds = None

    pipeline = property(lambda self: self.fit_result.pipeline)
    score = property(lambda self: self.fit_result.score)
    metric = property(lambda self: self.fit_result.metric)
    scores = property(lambda self: self.fit_result.cv_scores)
    holdout = property(lambda self: self.fit_result.holdout_scores)

    def __repr__(self):
        return (f"<automl Result: {self.fit_result.problem.kind} {self.metric} "
                f"{self.score:.4f}, {self.fit_result.config['family']}>")

    def manifest(self) -> dict:
        """The manifest the model directory will hold (built once)."""
        from ._manifest import build_manifest

        if self._manifest is None:
            self._manifest = build_manifest(self.fit_result, self.source,
                                            time.monotonic() - self._start)
        return dict(self._manifest)

    def save(self, path, force: bool = False, report: bool = False) -> Path:
        """Write the model directory ``automl fit -o`` writes (atomically; ``force``
        replaces an existing one); with ``report`` also its ``report.html``."""
        from ._artifact import save_model
        from ._report_data import OOF_FILE, REPORT_DATA_FILE, REPORT_FILE, oof_bytes

        manifest = self.manifest()
        extras = {}
        raw = oof_bytes(self.fit_result.oof, manifest.get("classes"))
        if raw is not None:
            extras[OOF_FILE] = raw
        if report:
            t0 = time.monotonic()
            data, html = self._report(manifest, str(path))
            self.report_seconds = time.monotonic() - t0
            extras[REPORT_DATA_FILE] = (json.dumps(data, indent=1) + "\n").encode("utf-8")
            extras[REPORT_FILE] = html.encode("utf-8")
        return save_model(self.pipeline, manifest, Path(path), force, extras=extras)

    def _report(self, manifest: dict, where: str):
        from ._report_data import in_memory, report_data
        from ._report_html import render

        data = report_data(self.fit_result, self.pipeline, manifest, self._log)
        return data, render(in_memory(manifest, self.fit_result.oof, data, where))


def load(path, trust_joblib: bool = False) -> "Model":
    """The model in directory ``path`` (as ``automl fit`` or ``Result.save`` wrote it),
    its files checked as ``automl predict`` checks them."""
    from ._artifact import load_model

    notes: list[str] = []
    pipeline, manifest = load_model(Path(path), trust_joblib, notes)
    for note in notes:
        _warnings.warn(note, stacklevel=2)
    return Model(pipeline, manifest, str(path))


class Model:
    """A saved model: ``predict(frame)`` and ``predict_proba(frame)`` with the schema
    checks of ``automl predict`` (columns by name, extra ones ignored with a warning, a
    missing one a ``DataError``); ``classes`` orders ``predict_proba``'s columns."""

    def __init__(self, pipeline, manifest: dict, path: str = ""):
        self.pipeline = pipeline
        self.manifest = manifest
        self.path = path
        self.target = manifest.get("target")
        self.task = manifest.get("task")
        self.metric = manifest.get("metric")
        self.classes = manifest.get("classes")
        #: what the last call warned about (also issued as Python warnings)
        self.warnings: list[str] = []

    def __repr__(self):
        return f"<automl Model {self.path!r}: {self.manifest.get('kind')} {self.target!r}>"

    def _prepared(self, frame):
        import pandas as pd

        from ._io import load_table
        from ._predict import _check_columns, prepare_rows

        where = "frame"
        if not isinstance(frame, pd.DataFrame):
            where, frame = str(frame), load_table(frame).frame
        schema = self.manifest["schema"]
        notes = _check_columns(frame, schema, self.target, None, where)
        X, warns = prepare_rows(frame, schema, where)
        self.warnings = notes + warns
        for w in self.warnings:
            _warnings.warn(w, stacklevel=3)
        return X

    def predict(self, frame):
        """Predicted labels (classification) or values: a numpy array, one per row."""
        import numpy as np

        X = self._prepared(frame)
        if self.classes is None:
            return np.asarray(self.pipeline.predict(X))
        p = self.pipeline.predict_proba(X)
        return np.asarray(self.pipeline.classes_)[p.argmax(axis=1)]

    def predict_proba(self, frame):
        """Class probabilities: a numpy array, rows x ``classes`` (in that order)."""
        if self.classes is None:
            raise TypeError(f"{self.path}: a regression model has no class probabilities: "
                            "use predict()")
        return self.pipeline.predict_proba(self._prepared(frame))
