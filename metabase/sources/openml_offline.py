"""Offline OpenML history from ``../shared/reference``, in one long format.

Sources (function → ``source`` column):

- :func:`openml_pimp_rf` → ``openml-pimp-rf``: flow 6969 (imputer + RandomForest),
  500 random configs on each of 94 OpenML100 tasks, 10-fold CV accuracy;
- :func:`openml_pimp_adaboost` → ``openml-pimp-adaboost``: flow 6970, 400 on 100 tasks;
- :func:`openml_sklearnbot_svc` → ``openml-sklearnbot-svc``: flow 8784, 30,217 runs;
- :func:`lcdb` → ``lcdb``: 20 classifiers at defaults on ~250 datasets, test
  accuracy and log loss at the largest training size of the learning curve;
- :func:`autosklearn` → ``autosklearn`` (best pipeline per dataset, ASlib
  files) and ``autosklearn-askl2`` (2.0 portfolios, no score).

Every function takes the reference folder (``None``: ``../shared/reference``
beside the repository). The long format and the score direction are
described in ``metabase.sources._long``; the mapping decisions in
``metabase.sources._mapping`` and ``metabase.sources._autosklearn``.
"""

from __future__ import annotations

import pandas as pd

from ._autosklearn import askl2_portfolio, aslib_runs
from ._files import need_columns, read_arff, read_csv, reference_path
from ._long import LICENCES, make_frame, summarize, to_json
from ._mapping import SPECS, map_estimator, map_pipeline, sklearn_default
from ._qualities import (lcdb_qualities, merge_qualities, openml100_task_qualities,
                         tabrepo_tasks, task_dataset_ids)

__all__ = ["autosklearn", "lcdb", "load_offline_history", "offline_qualities",
           "openml100_task_qualities", "openml_pimp_adaboost", "openml_pimp_rf",
           "openml_sklearnbot_svc", "summarize", "task_dataset_ids"]

RUNS = {  # source: (file, scikit-learn estimator, its step name in the flow)
    "openml-pimp-rf": ("pimp_random_forest_openml100.arff", "RandomForestClassifier",
                       "randomforestclassifier"),
    "openml-pimp-adaboost": ("pimp_adaboost_openml100.arff", "AdaBoostClassifier",
                             "adaboostclassifier"),
    "openml-sklearnbot-svc": ("sklearnbot_svc_predictive_accuracy_openml100.arff", "SVC", "svc"),
}
LCDB_SCORES = ("lcdb_final_scores.csv",)
#: lcdb learner → (scikit-learn class, its non-default params in lcdb).
LCDB_LEARNERS = {f"SVC_{k}": ("SVC", {"kernel": k}) for k in ("linear", "poly", "rbf", "sigmoid")}
LCDB_METRICS = {"accuracy": ("accuracy", 1.0), "logloss": ("neg_log_loss", -1.0)}


def openml_pimp_rf(reference_dir=None, dataset_ids: dict | None = None) -> pd.DataFrame:
    """RandomForest runs of OpenML flow 6969 on the OpenML100 (``openml-pimp-rf``)."""
    return _openml_runs("openml-pimp-rf", reference_dir, dataset_ids)


def openml_pimp_adaboost(reference_dir=None, dataset_ids: dict | None = None) -> pd.DataFrame:
    """AdaBoost runs of OpenML flow 6970 on the OpenML100 (``openml-pimp-adaboost``)."""
    return _openml_runs("openml-pimp-adaboost", reference_dir, dataset_ids)


def openml_sklearnbot_svc(reference_dir=None, dataset_ids: dict | None = None) -> pd.DataFrame:
    """SVC runs of OpenML flow 8784 on the OpenML100 (``openml-sklearnbot-svc``)."""
    return _openml_runs("openml-sklearnbot-svc", reference_dir, dataset_ids)


def _task_context(reference_dir, dataset_ids):
    """Per OpenML100 task: (dataset id, dataset name, has missing values or None)."""
    ids = task_dataset_ids(reference_dir, extra=dataset_ids)
    missing = openml100_task_qualities(reference_dir)["NumberOfMissingValues"]
    return {int(t): (None if pd.isna(d) else int(d), n,
                     None if pd.isna(missing.get(t)) else bool(missing.get(t) > 0))
            for t, d, n in zip(ids.index, ids["dataset_id"], ids["dataset_name"], strict=True)}


def _openml_runs(source, reference_dir, dataset_ids, context=None):
    file, estimator, prefix = RUNS[source]
    path = reference_path(reference_dir, "openml_runs", file)
    df = read_arff(path)
    need_columns(df, ("task_id", "predictive_accuracy"), path)
    context = _task_context(reference_dir, dataset_ids) if context is None else context
    keys = [c for c in df.columns if c not in ("task_id", "predictive_accuracy")]
    rows = []
    for tid, score, *values in zip(df["task_id"], df["predictive_accuracy"],
                                   *(df[k] for k in keys), strict=True):
        did, name, has_missing = context.get(int(tid), (None, None, None))
        m = map_pipeline(estimator, prefix, dict(zip(keys, values, strict=True)),
                         has_missing=has_missing)
        rows.append({"source": source, "openml_task_id": int(tid), "openml_dataset_id": did,
                     "dataset_name": name, "task": "classification", "family": m.family,
                     "params": to_json(m.params), "mapped": m.mapped, "note": m.note,
                     "metric": "accuracy", "score": float(score),
                     "licence": LICENCES["openml"]})
    return make_frame(rows)


def lcdb(reference_dir=None) -> pd.DataFrame:
    """lcdb's classifiers at default settings (``lcdb``).

    Scores are the mean *test* score at the largest training size: accuracy,
    and log loss stored as ``neg_log_loss`` (negated, higher is better).
    A learner maps to our family's defaults when it is the same estimator at
    the same settings (SVC with another kernel keeps its kernel); else unmapped.
    """
    path = reference_path(reference_dir, *LCDB_SCORES)
    df = read_csv(path)
    need_columns(df, ("openmlid", "learner", "metric", "score_test_mean"), path)
    _, names = lcdb_qualities(reference_dir)
    tab = tabrepo_tasks(reference_dir)
    names = {**dict(zip(tab["did"].astype(int), tab["name"], strict=True)), **names.to_dict()}
    mapped = {}
    for learner in df["learner"].unique():
        estimator, params = LCDB_LEARNERS.get(learner, (learner.rsplit(".", 1)[-1], {}))
        m = map_estimator(estimator, _lcdb_params(estimator, params))
        mapped[learner] = (m, to_json(m.params if m.mapped else {"learner": learner, **params}))
    rows = []
    for did, learner, metric, score in zip(df["openmlid"], df["learner"], df["metric"],
                                           df["score_test_mean"], strict=True):
        if metric not in LCDB_METRICS:
            continue
        ours, sign = LCDB_METRICS[metric]
        m, params = mapped[learner]
        rows.append({"source": "lcdb", "openml_task_id": None, "openml_dataset_id": int(did),
                     "dataset_name": names.get(int(did)), "task": "classification",
                     "family": m.family, "params": params, "mapped": m.mapped, "note": m.note,
                     "metric": ours, "score": sign * float(score) + 0.0,  # no -0.0
                     "licence": LICENCES["lcdb"]})
    return make_frame(rows)


def _lcdb_params(estimator, params):
    """lcdb ran scikit-learn's defaults: show them where our build() differs."""
    spec = SPECS.get(estimator)
    if spec is None:
        return dict(params)
    return {**{k: sklearn_default(estimator, k) for k in spec.fixed}, **params}


def autosklearn(reference_dir=None) -> pd.DataFrame:
    """auto-sklearn's meta-learning pipelines (``autosklearn``, ``autosklearn-askl2``)."""
    return pd.concat([aslib_runs(reference_dir), askl2_portfolio(reference_dir)],
                     ignore_index=True)


def offline_qualities(reference_dir=None, dataset_ids: dict | None = None):
    """OpenML's qualities by dataset id, and where the quality files disagree.

    Returns
    -------
    qualities : DataFrame
        Indexed by ``openml_dataset_id``; OpenML's quality names as columns.
    disagreements : DataFrame
        One row per (dataset, quality) two files give different values for.
    """
    return merge_qualities(reference_dir, task_dataset_ids(reference_dir, extra=dataset_ids))


def load_offline_history(reference_dir=None, dataset_ids: dict | None = None):
    """Every offline source in the long format, and OpenML's qualities.

    Parameters
    ----------
    reference_dir : path-like, optional
        The reference folder; default ``../shared/reference`` beside the repository.
    dataset_ids : dict, optional
        More ``{openml_task_id: openml_dataset_id}`` for OpenML100 tasks the
        offline files cannot place (see ``task_dataset_ids``).

    Returns
    -------
    runs : DataFrame
        The long format (``metabase.sources._long.COLUMNS``).
    qualities : DataFrame
        Indexed by ``openml_dataset_id``.

    Raises
    ------
    ReferenceDataError
        A reference file is missing or unreadable.
    """
    reference_path(reference_dir)
    context = _task_context(reference_dir, dataset_ids)
    runs = pd.concat([*(_openml_runs(s, reference_dir, dataset_ids, context) for s in RUNS),
                      lcdb(reference_dir), autosklearn(reference_dir)], ignore_index=True)
    qualities, _ = offline_qualities(reference_dir, dataset_ids)
    return runs, qualities
