"""History sources: mapping onto our families, the offline OpenML history in
../shared/reference (skipped where absent), and live OpenML against recorded
API responses in tests/fixtures/openml (no network: every socket is refused)."""

from __future__ import annotations

import json
import math
import re
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from metabase._space import validate_config
from metabase.families import get_family
from metabase.sources import (COLUMNS, OpenMLNotFoundError, OpenMLUnavailableError,
                              ReferenceDataError, SourceError, load_offline_history, summarize)
from metabase.sources._autosklearn import map_config
from metabase.sources._files import read_arff
from metabase.sources._mapping import coerce, map_estimator, map_pipeline

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "openml"
SERVER = "http://127.0.0.1:9/api/v1/xml"     # local, and nobody listens on port 9

RF_ROW = {"randomforestclassifier__bootstrap": "True",
          "randomforestclassifier__criterion": "entropy",
          "randomforestclassifier__max_depth": "None",
          "randomforestclassifier__max_features": 0.8026968345397216,
          "randomforestclassifier__max_leaf_nodes": "None",
          "randomforestclassifier__min_samples_leaf": "18",
          "randomforestclassifier__min_samples_split": "9",
          "randomforestclassifier__min_weight_fraction_leaf": 0.0,
          "randomforestclassifier__n_estimators": "100",
          "columntransformer__numeric__imputer__strategy": "median"}
RF_PARAMS = {"n_estimators": 100, "max_features": 0.8026968345397216, "min_samples_leaf": 18,
             "min_samples_split": 9, "bootstrap": True, "criterion": "entropy"}


def reference() -> Path:
    if not (REFERENCE / "openml_runs").is_dir():
        pytest.skip(f"../shared/reference not found: {REFERENCE} (only on the project's machines)")
    return REFERENCE


# -- mapping ---------------------------------------------------------------------------------

def test_coerce_logged_values():
    assert [coerce(v) for v in ("True", "false", "None", "null", "18", "0.5", '"gini"', "gini")] \
        == [True, False, None, None, 18, 0.5, "gini", "gini"]
    assert coerce(float("nan")) is None and coerce(3.0) == 3.0


def test_pimp_rf_row_maps_to_exactly_these_params():
    m = map_pipeline("RandomForestClassifier", "randomforestclassifier", RF_ROW,
                     has_missing=True)
    assert (m.family, m.mapped, m.notes) == ("rf", True, [])
    assert m.params == RF_PARAMS and type(m.params["min_samples_leaf"]) is int


def test_imputer_strategy_is_noted_only_where_it_matters():
    row = {**RF_ROW, "columntransformer__numeric__imputer__strategy": "mean"}
    noted = map_pipeline("RandomForestClassifier", "randomforestclassifier", row,
                         has_missing=True)
    assert noted.mapped and noted.note.startswith("imputer:") and "mean" in noted.note
    clean = map_pipeline("RandomForestClassifier", "randomforestclassifier", row,
                         has_missing=False)
    assert clean.mapped and clean.notes == []


def test_fixed_parameter_and_out_of_range_are_unmapped_with_the_original_params():
    deep = map_pipeline("RandomForestClassifier", "randomforestclassifier",
                        {**RF_ROW, "randomforestclassifier__max_depth": "10"})
    assert not deep.mapped and deep.family is None
    assert deep.note.startswith("fixed parameter: max_depth=10")
    assert deep.params == {**RF_ROW, "randomforestclassifier__max_depth": "10"}
    leafy = map_estimator("RandomForestClassifier", {"min_samples_leaf": 25})
    assert not leafy.mapped and leafy.note.startswith("outside our space: min_samples_leaf=25")


def test_adaboost_samme_maps_and_samme_r_does_not():
    row = {"algorithm": "SAMME", "learning_rate": 0.13763986428910163,
           "base_estimator__max_depth": 9.0, "n_estimators": 161.0}
    m = map_estimator("AdaBoostClassifier", row)
    assert m.params == {"n_estimators": 161, "learning_rate": 0.13763986428910163,
                        "max_depth": 9}
    r = map_estimator("AdaBoostClassifier", {**row, "algorithm": "SAMME.R"})
    assert not r.mapped and r.note.startswith("SAMME.R:")


def test_svc_inactive_params_take_defaults_and_degree_one_is_unmapped():
    rbf = map_estimator("SVC", {"C": 10243.0, "coef0": None, "degree": None,
                                "gamma": 0.00032842999002036667, "kernel": "rbf",
                                "max_iter": "-1", "shrinking": "True", "tol": 3.2462e-05})
    assert rbf.params == {"kernel": "rbf", "C": 10243.0, "gamma": 0.00032842999002036667,
                          "degree": 3, "coef0": 0.0, "shrinking": True, "tol": 3.2462e-05}
    poly1 = map_estimator("SVC", {"kernel": "poly", "degree": 1.0, "C": 1.0, "gamma": 0.1})
    assert not poly1.mapped and poly1.note.startswith("outside our space: degree=1")


@pytest.mark.parametrize("estimator, params, family, reason", [
    ("SVC", {"kernel": "linear"}, None, "outside our space"),
    ("LogisticRegression", {"max_iter": 100}, "linear", None),
    ("MLPClassifier", {"early_stopping": False, "max_iter": 200}, None, "fixed parameter"),
    ("GradientBoostingClassifier", {}, None, "no family"),
    ("KNeighborsClassifier", {}, "knn", None),
])
def test_default_learners(estimator, params, family, reason):
    m = map_estimator(estimator, params)
    assert m.family == family
    if reason:
        assert m.note.startswith(reason + ":")
    else:
        assert m.params == get_family(family).defaults("classification")


def askl(choice, task="classification", **hp):
    kind = "classifier" if task == "classification" else "regressor"
    base = {"balancing:strategy": "none", f"{kind}:__choice__": choice,
            "feature_preprocessor:__choice__": "no_preprocessing",
            "data_preprocessor:feature_type:numerical_transformer:imputation:strategy": "median",
            "data_preprocessor:feature_type:numerical_transformer:rescaling:__choice__": "none"}
    return {**base, **{f"{kind}:{choice}:{k}": str(v) for k, v in hp.items()}}


FOREST = dict(bootstrap="False", criterion="gini", max_depth="None", max_leaf_nodes="None",
              min_impurity_decrease=0.0, min_samples_leaf=2, min_samples_split=6,
              min_weight_fraction_leaf=0.0)


def test_autosklearn_forest_max_features_is_an_exponent_in_classification():
    sqrt = map_config(askl("random_forest", max_features=0.5, **FOREST), "classification",
                      n_features=100, n_categorical=0, n_missing=0)
    assert sqrt.params["max_features"] == "sqrt" and sqrt.params["n_estimators"] == 512
    m = map_config(askl("random_forest", max_features=0.75, **FOREST), "classification",
                   n_features=100, n_categorical=0, n_missing=0)
    assert m.params["max_features"] == int(100 ** 0.75) / 100 == 0.31
    assert "approximate" not in m.note and m.note.startswith("max_features: n_features**0.75")
    reg = map_config(askl("random_forest", "regression", max_features=0.75,
                          **{**FOREST, "criterion": "mse"}), "regression", n_categorical=0)
    assert reg.params["max_features"] == 0.75 and reg.params["criterion"] == "squared_error"
    friedman = map_config(askl("extra_trees", "regression", max_features=0.7,
                               **{**FOREST, "criterion": "friedman_mse"}), "regression")
    assert not friedman.mapped and "criterion='friedman_mse'" in friedman.note


def test_autosklearn_other_choices():
    gb = map_config(askl("gradient_boosting", early_stop="valid", l2_regularization=1e-10,
                         learning_rate=0.1, loss="auto", max_bins=255, max_depth="None",
                         max_leaf_nodes=30, min_samples_leaf=20, n_iter_no_change=10,
                         scoring="loss", tol=1e-07, validation_fraction=0.2),
                    "classification", n_categorical=0, n_missing=0)
    assert gb.family == "hgb" and gb.params["max_iter"] == 512
    assert "differs: early_stopping=True (ours: 'auto')" in gb.notes
    tanh = map_config(askl("mlp", activation="tanh", alpha=1e-4, batch_size="auto",
                           early_stopping="valid", hidden_layer_depth=2,
                           learning_rate_init=1e-3, num_nodes_per_layer=64, solver="adam"),
                      "classification")
    assert not tanh.mapped and tanh.note.startswith("fixed parameter: activation='tanh'")
    nb = map_config(askl("gaussian_nb"), "classification")
    assert not nb.mapped and nb.note.startswith("no family")
    svc = map_config({**askl("libsvm_svc", C=2.0, gamma=0.1, kernel="rbf", max_iter=-1,
                             shrinking="True", tol=1e-3),
                      "feature_preprocessor:__choice__": "pca"}, "classification")
    assert svc.family == "svm" and svc.params["C"] == 2.0
    assert "preprocessing: feature_preprocessor=pca (ours: none)" in svc.notes
    assert "preprocessing: rescaling=none (ours: standardize)" in svc.notes


def test_read_arff_keeps_none_nominals_and_question_marks(tmp_path):
    path = tmp_path / "runs.arff"
    path.write_text("@RELATION r\n@ATTRIBUTE d {None}\n@ATTRIBUTE leaf {18, 2}\n"
                    "@ATTRIBUTE c NUMERIC\n@DATA\nNone,18,?\nNone,2,0.5\n")
    df = read_arff(path)
    assert df["d"].tolist() == ["None", "None"] and df["leaf"].tolist() == ["18", "2"]
    assert df["c"].tolist() == [None, 0.5]


def test_missing_reference_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ReferenceDataError, match="reference file not found"):
        load_offline_history(tmp_path)


# -- offline history in ../shared/reference --------------------------------------------------

@pytest.fixture(scope="module")
def offline():
    return load_offline_history(reference())


def test_offline_counts_per_source(offline):
    s = summarize(offline[0])
    assert s.loc["openml-pimp-rf", ["tasks", "runs", "mapped"]].tolist() == [94, 47000, 47000]
    assert s.loc["openml-pimp-adaboost", ["tasks", "runs"]].tolist() == [100, 40000]
    assert s.loc["openml-sklearnbot-svc", ["tasks", "runs"]].tolist() == [100, 30217]
    assert s.loc["lcdb", ["datasets", "runs"]].tolist() == [248, 8734]
    ada = read_arff(REFERENCE / "openml_runs" / "pimp_adaboost_openml100.arff")
    samme_r = int((ada["adaboostclassifier__algorithm"] == "SAMME.R").sum())
    assert s.loc["openml-pimp-adaboost", "unmapped_by_reason"] == {"SAMME.R": samme_r}
    assert s.loc["openml-sklearnbot-svc", "unmapped_by_reason"] == {"outside our space": 2030}
    assert s.loc["autosklearn", "runs"] == 399
    assert s.loc["autosklearn-askl2", ["tasks", "runs"]].tolist() == [101, 178]


def test_offline_long_format(offline):
    runs = offline[0]
    assert tuple(runs.columns) == COLUMNS
    assert str(runs["openml_task_id"].dtype) == "Int64" and runs["mapped"].dtype == bool
    assert runs["licence"].str.len().gt(0).all() and runs["metric"].notna().all()
    assert runs.loc[runs["source"] != "autosklearn-askl2", "score"].map(math.isfinite).all()
    assert runs.loc[runs["metric"] == "neg_log_loss", "score"].le(0).all()
    unmapped = runs[~runs["mapped"]]
    assert unmapped["family"].isna().all() and unmapped["note"].str.len().gt(0).all()
    for (family, task), g in runs[runs["mapped"]].groupby(["family", "task"]):
        space = get_family(family).space(task)
        for text in g["params"].unique():
            assert validate_config(space, json.loads(text)) == []


def test_offline_row_from_the_rf_file(offline):
    runs = offline[0]
    rows = runs[(runs["source"] == "openml-pimp-rf") & (runs["openml_task_id"] == 3)
                & (runs["score"] == 0.96965)]
    row = rows[rows["params"].map(json.loads) == RF_PARAMS].iloc[0]
    assert (row["openml_dataset_id"], row["dataset_name"], row["note"]) == (3, "kr-vs-kp", "")


def test_offline_qualities(offline):
    from metabase.sources import offline_qualities, task_dataset_ids

    qualities = offline[1]
    assert qualities.index.name == "openml_dataset_id" and qualities.index.is_unique
    assert qualities.loc[3, "NumberOfInstances"] == 3196 and len(qualities) > 300
    ids = task_dataset_ids(REFERENCE)
    assert ids.loc[7592, ["dataset_id", "via"]].tolist() == [1590, "qualities=lcdb"]
    assert ids.loc[2079, "dataset_id"] == 188 and ids.loc[6, "via"] == "tabrepo"
    assert pd.isna(ids.loc[20, "dataset_id"]) and ids.loc[20, "via"] is None
    assert task_dataset_ids(REFERENCE, extra={20: 20}).loc[20, "via"] == "given"
    unplaced = offline[0][offline[0]["openml_task_id"] == 20]
    assert unplaced["openml_dataset_id"].isna().all() and unplaced["dataset_name"].isna().all()
    _, disagree = offline_qualities(REFERENCE)
    assert set(zip(disagree["openml_dataset_id"], disagree["quality"], strict=True)) == {
        (377, "NumberOfFeatures"), (377, "NumberOfSymbolicFeatures")}


# -- live OpenML against recorded responses ----------------------------------------------------

ROUTES = [  # URL path → (fixture file, OpenML error if absent)
    (r"/api/v1/xml/task/(\d+)$", r"api/task/\1.xml", (151, "Unknown task")),
    (r"/api/v1/xml/data/(\d+)$", r"api/data/\1.xml", (111, "Unknown dataset")),
    (r"/api/v1/xml/data/features/(\d+)$", r"api/data/features/\1.xml", (271, "Unknown dataset")),
    (r"/api/v1/xml/data/qualities/(\d+)$", r"api/data/qualities/\1.xml", (361, "Unknown dataset")),
    (r"/api/v1/xml/study/(\w+)$", r"api/study/\1.xml", (601, "Unknown study")),
    (r"/api/v1/xml/flow/(\d+)$", r"api/flow/\1.xml", (181, "Unknown flow")),
    (r"/api/v1/xml/evaluation/list/.*/flow/(\d+)(/.*)?$", r"api/evaluation/\1.xml",
     (542, "Evaluation list: no results")),
    (r"/api/v1/xml/setup/list/.*$", "api/setup/list.xml", (674, "No results")),
    (r"/api/v1/xml/user/list/.*$", "api/user/list.xml", (100, "No results")),
    (r"/data/v1/download/(\d+)/(.+)$", r"download/\1/\2", (111, "Unknown file")),
    (r"/api_splits/get/(\d+)/.*$", r"splits/\1.arff", (151, "Unknown task")),
]


class FakeResponse:
    def __init__(self, status_code, text):
        self.status_code, self.text = status_code, text
        self.content = text.encode("utf8")
        self.headers = {"Content-Encoding": "gzip"}


@pytest.fixture
def no_network(monkeypatch):
    """Refuse every socket connection; record the addresses tried."""
    tried = []

    def refuse(self, address, *args, **kwargs):
        tried.append(address)
        raise ConnectionRefusedError(f"network disabled in tests ({address})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield tried
    assert all(a[0] in ("127.0.0.1", "::1") for a in tried), tried


@pytest.fixture
def live(monkeypatch, tmp_path, no_network):
    """openml pointed at a local URL, a fresh cache, and recorded responses."""
    import openml

    monkeypatch.setattr(openml.config, "server", SERVER)
    monkeypatch.setattr(openml.config, "apikey", "")
    monkeypatch.setattr(openml.config, "connection_n_retries", 1)
    requests = []

    def serve(request_method, url, data, files=None, md5_checksum=None):
        path = urlparse(url).path
        requests.append(path)
        for pattern, target, (code, message) in ROUTES:
            m = re.match(pattern, path)
            if m:
                file = FIXTURES / m.expand(target)
                if file.is_file():
                    return FakeResponse(200, file.read_text(encoding="utf8"))
                return FakeResponse(412, '<oml:error xmlns:oml="http://openml.org/openml">'
                                         f"<oml:code>{code}</oml:code><oml:message>{message}"
                                         "</oml:message></oml:error>")
        raise AssertionError(f"unexpected OpenML request: {url}")

    monkeypatch.setattr(openml._api_calls, "_send_request", serve)
    return {"cache": tmp_path / "cache", "requests": requests}


def test_fetch_tasks_of_a_suite(live):
    from metabase.sources.openml_live import fetch_tasks

    clf, reg = fetch_tasks(suite=990099, cache_dir=live["cache"])
    assert (clf.task_id, clf.task, clf.dataset_id, clf.dataset_name, clf.target) == \
        (990059, "classification", 990061, "iris20", "class")
    assert clf.X.shape == (20, 5) and clf.categorical == [False] * 4 + [True]
    assert clf.X["sepalwidth"].isna().sum() == 1 and clf.y.nunique() == 3
    assert reg.task == "regression" and reg.target == "petalwidth" and reg.X.shape == (20, 5)
    assert clf.qualities["NumberOfInstances"] == 20
    assert [(r, f) for r, f, _, _ in clf.splits] == [(0, 0), (0, 1)]
    for _, fold, train, test in clf.splits:
        assert sorted([*train, *test]) == list(range(20)) and (test % 2 == fold).all()
    n = len(live["requests"])
    fetch_tasks([990059], cache_dir=live["cache"])      # from the cache now
    assert [p for p in live["requests"][n:] if "/task/" in p or "download" in p] == []


def test_fetch_tasks_from_a_prepared_cache(live, monkeypatch, tmp_path):
    """Fixtures laid out the way openml caches them: no request at all."""
    import openml

    from metabase.sources.openml_live import fetch_tasks

    monkeypatch.setattr(openml.config, "_root_cache_directory", tmp_path / "prepared")
    base = Path(openml.config.get_cache_directory())
    task, data = base / "tasks" / "990059", base / "datasets" / "990061"
    for src, dst in [("api/task/990059.xml", task / "task.xml"),
                     ("splits/990059.arff", task / "datasplits.arff"),
                     ("api/data/990061.xml", data / "description.xml"),
                     ("api/data/features/990061.xml", data / "features.xml"),
                     ("api/data/qualities/990061.xml", data / "qualities.xml"),
                     ("download/990061/iris20.arff", data / "dataset.arff")]:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / src, dst)
    (only,) = fetch_tasks([990059], cache_dir=tmp_path / "prepared")
    assert only.X.shape == (20, 5) and live["requests"] == []


def test_unknown_task_is_a_clear_error(live):
    from metabase.sources.openml_live import fetch_tasks

    with pytest.raises(OpenMLNotFoundError, match=r"task 12345: not found .*Unknown task"):
        fetch_tasks([12345], cache_dir=live["cache"])
    with pytest.raises(ValueError, match="task_ids or a suite"):
        fetch_tasks(cache_dir=live["cache"])


def test_no_network_is_a_clear_error(monkeypatch, tmp_path, no_network):
    import openml

    from metabase.sources.openml_live import fetch_flow_evaluations, fetch_tasks

    monkeypatch.setattr(openml.config, "server", SERVER)
    monkeypatch.setattr(openml.config, "connection_n_retries", 1)
    with pytest.raises(OpenMLUnavailableError, match="cannot reach OpenML at http://127.0.0.1:9"):
        fetch_tasks([990059], cache_dir=tmp_path)
    with pytest.raises(SourceError, match="flow 6969"):
        fetch_flow_evaluations([6969], cache_dir=tmp_path)
    assert no_network, "the request should have tried the local URL"


def test_fetch_flow_evaluations_maps_like_the_offline_runs(live):
    from metabase.sources.openml_live import fetch_flow_evaluations, task_dataset_ids

    runs = fetch_flow_evaluations([6969, 99999], cache_dir=live["cache"])
    assert tuple(runs.columns) == COLUMNS and len(runs) == 4
    assert set(runs["source"]) == {"openml-live-flow-6969", "openml-live-flow-99999"}
    assert (runs["metric"] == "accuracy").all() and runs["openml_task_id"].eq(990059).all()
    by_score = runs.set_index("score")
    offline_way = map_pipeline("RandomForestClassifier", "randomforestclassifier", {
        "randomforestclassifier__max_features": 0.5, "randomforestclassifier__min_samples_leaf":
        "3", "randomforestclassifier__criterion": "entropy",
        "columntransformer__numeric__imputer__strategy": "median"})
    assert json.loads(by_score.loc[0.9, "params"]) == offline_way.params
    assert by_score.loc[0.9, ["family", "mapped", "note"]].tolist() == ["rf", True, ""]
    assert by_score.loc[0.85, "note"].startswith("outside our space: min_samples_leaf=25")
    assert by_score.loc[0.8, "note"].startswith("fixed parameter: max_depth=10")
    assert by_score.loc[0.95, "note"].startswith("no family: flow 99999")
    with pytest.raises(OpenMLNotFoundError, match="flow 424242"):
        fetch_flow_evaluations([424242], cache_dir=live["cache"])
    with pytest.raises(ValueError, match="not supported"):
        fetch_flow_evaluations([6969], metric="kappa")
    assert task_dataset_ids([990059], cache_dir=live["cache"]) == {990059: 990061}


def test_offline_history_never_imports_openml():
    import subprocess
    import sys

    code = ("import sys; from metabase.sources import load_offline_history; "
            "print('openml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == "False"
