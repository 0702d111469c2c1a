"""auto-sklearn's meta-learning files (0.15) in the long format.

- ``aslib/<scenario>/``: per dataset, the best pipeline auto-sklearn found
  and its loss (``1 - balanced accuracy``, ``1 - R²`` or the MSE);
- ``askl2_balanced_accuracy/askl2_portfolios/*.json``: auto-sklearn 2.0's
  32-pipeline portfolios, with the OpenML task each pipeline came from and no
  score (``score`` is NaN).

Units. For *classification* forests auto-sklearn's ``max_features`` is an
exponent: the forest draws ``int(n ** max_features)`` of the ``n`` columns it
sees (0.5 gives ``sqrt``). We store ``"sqrt"`` for 0.5, else the fraction
``int(n ** e) / n``, ``n`` being the dataset's feature count; when one-hot
encoding or a feature preprocessor changed ``n`` the fraction is approximate,
and the note says so. Regression forests log a plain fraction. Forests and
boosting are fitted iteratively to 512 trees / iterations.

Preprocessing we do not have (feature preprocessors, other rescalings, class
weighting, other encodings, category coalescing, imputers) is noted on the
mapped row (category ``preprocessing`` / ``imputer``); it is not a reason to
drop the run.
"""

from __future__ import annotations

import json
import math

import pandas as pd

from ..families import get_family
from ._errors import SourceError
from ._files import read_arff, read_csv, reference_path
from ._long import LICENCES, make_frame, to_json
from ._mapping import SPECS, coerce, map_estimator, unmapped

ASLIB = ("autosklearn_metalearning", "aslib")
ASKL2 = ("autosklearn_metalearning", "askl2_balanced_accuracy")
#: auto-sklearn stores a loss; ours is higher-is-better: (our metric, loss -> score).
MEASURES = {"balanced_accuracy": ("balanced_accuracy", lambda x: 1.0 - x),
            "accuracy": ("accuracy", lambda x: 1.0 - x),
            "roc_auc": ("roc_auc", lambda x: 1.0 - x),
            "r2": ("r2", lambda x: 1.0 - x),
            "log_loss": ("neg_log_loss", lambda x: -x),
            "mean_squared_error": ("neg_mean_squared_error", lambda x: -x),
            "mean_absolute_error": ("neg_mean_absolute_error", lambda x: -x)}
_FORESTS = {"random_forest": "RandomForest", "extra_trees": "ExtraTrees"}
_P = "data_preprocessor:feature_type:"


def translate(config: dict, task: str, n_features=None, exact_n=False):
    """An auto-sklearn config as (scikit-learn class, its params, notes); class None if not ours."""
    kind = "classifier" if task == "classification" else "regressor"
    suffix = "Classifier" if task == "classification" else "Regressor"
    choice = config.get(f"{kind}:__choice__")
    head = f"{kind}:{choice}:"
    hp = {k[len(head):]: coerce(v) for k, v in config.items() if k.startswith(head) and v != ""}
    notes = []
    if choice in _FORESTS:
        hp["n_estimators"] = 512
        if task == "classification":
            hp["max_features"], notes = _exponent(hp.get("max_features"), n_features, exact_n)
        return _FORESTS[choice] + suffix, hp, notes
    if choice == "gradient_boosting":
        # early_stop off / train / valid, in scikit-learn's terms; differences get a note
        stop = hp.pop("early_stop", "off")
        hp.update(max_iter=512, early_stopping=stop != "off")
        if stop == "train":
            hp["validation_fraction"] = None
        return "HistGradientBoosting" + suffix, hp, notes
    if choice == "adaboost":
        hp["base_estimator__max_depth"] = hp.pop("max_depth", 1)
        return "AdaBoost" + suffix, hp, notes
    if choice in ("libsvm_svc", "libsvm_svr"):
        return ("SVC" if task == "classification" else "SVR"), hp, notes
    if choice == "k_nearest_neighbors":
        return "KNeighbors" + suffix, hp, notes
    if choice == "mlp":
        depth, width = hp.pop("hidden_layer_depth", 1), hp.pop("num_nodes_per_layer", 100)
        hp.update(hidden_layer_sizes=[width] * int(depth), max_iter=512,
                  early_stopping=hp.get("early_stopping") == "valid")
        return "MLP" + suffix, hp, notes
    return None, hp, [f"no family: auto-sklearn's {choice} is none of our estimators"]


def _exponent(e, n, exact):
    if e is None or float(e) == 0.5:
        return "sqrt", []
    if not n:
        return None, ["max_features: exponent without a feature count"]
    k = max(1, int(n ** float(e)))
    how = "" if exact else " (approximate: features changed before the forest)"
    return k / n, [f"max_features: n_features**{float(e):.3g} = {k} of {n}{how}"]


def map_config(config: dict, task: str, *, n_features=None, n_categorical=None,
               n_missing=None):
    """Map one auto-sklearn pipeline config onto our family (see module notes)."""
    fp = config.get("feature_preprocessor:__choice__", "no_preprocessing")
    encoding = config.get(_P + "categorical_transformer:categorical_encoding:__choice__")
    exact = fp == "no_preprocessing" and (n_categorical == 0 or encoding == "no_encoding")
    estimator, params, notes = translate(config, task, n_features, exact)
    if estimator is None or params.get("max_features", "") is None:
        return unmapped(config, notes[0], notes[1:])
    notes += _preprocessing_notes(config, SPECS[estimator].family, fp, encoding, n_categorical)
    has_missing = None if n_missing is None or math.isnan(n_missing) else n_missing > 0
    imputer = coerce(config.get(_P + "numerical_transformer:imputation:strategy", "")) or None
    m = map_estimator(estimator, params, imputer=imputer, has_missing=has_missing, notes=notes)
    if not m.mapped:
        m.params = dict(config)
    return m


def _preprocessing_notes(config, family, fp, encoding, n_categorical):
    fam, notes = get_family(family), []
    if fp != "no_preprocessing":
        notes.append(f"preprocessing: feature_preprocessor={fp} (ours: none)")
    scaling = config.get(_P + "numerical_transformer:rescaling:__choice__", "none")
    if fam.SCALE and scaling != "standardize":
        notes.append(f"preprocessing: rescaling={scaling} (ours: standardize)")
    elif not fam.SCALE and scaling == "normalize":   # the only per-row, non-monotone one
        notes.append("preprocessing: rescaling=normalize (ours: none)")
    if n_categorical != 0:
        ours = "one_hot_encoding" if fam.CATEGORICAL == "onehot" else "native categories"
        if encoding != ours:
            notes.append(f"preprocessing: categorical encoding={encoding} (ours: {ours})")
        coalesce = config.get(_P + "categorical_transformer:category_coalescence:__choice__")
        if coalesce == "minority_coalescer":
            notes.append("preprocessing: rare categories coalesced (ours: kept)")
    if config.get("balancing:strategy") == "weighting":
        notes.append("preprocessing: class weighting (ours: none)")
    return notes


def _dataset_lookup(reference_dir):
    from ._qualities import lcdb_qualities, tabrepo_tasks

    tab = tabrepo_tasks(reference_dir)
    by_name = {n.lower(): (int(t), int(d), n)
               for t, d, n in zip(tab.tid, tab.did, tab.name, strict=True)}
    _, names = lcdb_qualities(reference_dir)
    for did, n in names.items():
        by_name.setdefault(str(n).lower(), (None, int(did), n))
    return by_name


def aslib_runs(reference_dir=None) -> pd.DataFrame:
    """The best pipeline per dataset of every ASlib scenario, in the long format."""
    root = reference_path(reference_dir, *ASLIB)
    lookup = _dataset_lookup(reference_dir)
    rows = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        desc = (folder / "description.txt").read_text()
        measure = next(line.split(":", 1)[1].strip() for line in desc.splitlines()
                       if line.startswith("performance_measures:"))
        if measure not in MEASURES:
            continue
        metric, to_score = MEASURES[measure]
        task = "regression" if "regression" in folder.name else "classification"
        runs = read_arff(folder / "algorithm_runs.arff")
        configs = read_csv(folder / "configurations.csv", dtype=str, keep_default_na=False)
        configs = configs.set_index("idx").to_dict("index")
        feats = read_arff(folder / "feature_values.arff").set_index("instance_id")
        for inst, algo, loss, status in zip(runs["instance_id"], runs["algorithm"],
                                            runs[measure], runs["runstatus"], strict=True):
            if status != "ok":
                continue
            f = feats.loc[inst] if inst in feats.index else {}
            m = map_config({k: v for k, v in configs[str(algo)].items() if v != ""}, task,
                           n_features=_int(f.get("NumberOfFeatures")),
                           n_categorical=_int(f.get("NumberOfCategoricalFeatures")),
                           n_missing=_float(f.get("NumberOfMissingValues")))
            # ids by dataset name; the task auto-sklearn used is not recorded
            _, did, name = lookup.get(inst.lower(), (None, None, inst))
            rows.append(_row("autosklearn", None, did, name, task, m, metric,
                             to_score(float(loss)) + 0.0))
    return make_frame(rows)


def askl2_portfolio(reference_dir=None) -> pd.DataFrame:
    """auto-sklearn 2.0's portfolio pipelines (no score), one row per (config, task).

    The file names tasks only; a task's dataset is the ASlib dataset with the
    same feature and instance counts, where exactly one has them (a ``dataset``
    note says so).
    """
    folder = reference_path(reference_dir, *ASKL2)
    meta = json.loads((folder / "askl2_training_data.json").read_text())["metafeatures"]
    n_feat, n_inst = meta["NumberOfFeatures"], meta["NumberOfInstances"]
    by_size = _aslib_names_by_size(reference_dir)
    lookup = _dataset_lookup(reference_dir)
    seen = {}
    for path in sorted((folder / "askl2_portfolios").glob("*.json")):
        port = json.loads(path.read_text())
        for key, config in port["portfolio"].items():
            for tid in port["config_to_task"].get(key, [None]):
                seen.setdefault((key, tid), (config, []))[1].append(path.stem)
    rows = []
    for (key, tid), (config, policies) in seen.items():
        config = {k: str(v) for k, v in config.items()}
        m = map_config(config, "classification", n_features=_int(n_feat.get(str(tid))))
        m.notes.append(f"portfolio: auto-sklearn 2.0 member {key} of {len(policies)} policies "
                       "(no score in the file)")
        names = by_size.get((n_feat.get(str(tid)), n_inst.get(str(tid))), [])
        did, name = None, None
        if len(names) == 1 and names[0].lower() in lookup:
            _, did, name = lookup[names[0].lower()]
            m.notes.append(f"dataset: {name} by its feature and instance counts")
        rows.append(_row("autosklearn-askl2", tid, did, name, "classification", m,
                         "balanced_accuracy", math.nan))
    return make_frame(rows)


def _aslib_names_by_size(reference_dir) -> dict:
    """``{(NumberOfFeatures, NumberOfInstances): [ASlib dataset names]}`` (classification)."""
    out = {}
    try:
        root = reference_path(reference_dir, *ASLIB)
    except SourceError:     # the ASlib folder only helps to name the datasets
        return out
    for folder in root.iterdir():
        if folder.is_dir() and "classification" in folder.name:
            f = read_arff(folder / "feature_values.arff")
            for name, a, b in zip(f["instance_id"], f["NumberOfFeatures"],
                                  f["NumberOfInstances"], strict=True):
                names = out.setdefault((float(a), float(b)), [])
                if name not in names:
                    names.append(name)
    return out


def _row(source, tid, did, name, task, m, metric, score):
    return {"source": source, "openml_task_id": tid, "openml_dataset_id": did,
            "dataset_name": name, "task": task, "family": m.family, "params": to_json(m.params),
            "mapped": m.mapped, "note": m.note, "metric": metric, "score": score,
            "licence": LICENCES["autosklearn"]}


def _int(v):
    v = _float(v)
    return None if v is None or math.isnan(v) else int(v)


def _float(v):
    return None if v is None else float(v)
