"""The metabase store, its commands, and the meta-model on a synthetic store
where the right answer is known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from metabase import FAMILIES, QUALITY_NAMES, config_key
from metabase._loto import OURS, evaluate_portfolio, win_rates
from metabase._metamodel import build_metamodels, normalise, normalise_rank, rank_configs
from metabase._store import StoreError, load_store, new_header, write_store


def synthetic_store(path, n_tasks=40, seed=0, n_multiclass=0):
    """Binary tasks whose best config depends on one meta-feature (the row count); then
    ``n_multiclass`` three-class tasks (log loss: lower is better) with the same rule."""
    rng = np.random.default_rng(seed)
    fams = ["hgb", "linear", "knn", "rf"]
    configs = [{"family": f, "params": FAMILIES[f].defaults("classification")} for f in fams]
    tasks, runs = [], []
    for t in range(n_tasks + n_multiclass):
        n = float(rng.choice([100, 200, 300, 20000, 40000, 60000]))
        multi = t >= n_tasks
        mf = {q: 1.0 for q in QUALITY_NAMES}   # uninformative: constant, so unused
        mf.update(NumberOfInstances=n, NumberOfClasses=3.0 if multi else 2.0)
        tasks.append({"task_key": f"table:t{t}", "source": "portfolio", "name": f"t{t}",
                      "openml_task_id": pd.NA, "openml_dataset_id": pd.NA,
                      "task": "classification", "n_rows": int(n), "licence": "test", **mf})
        big = n > 1000
        for j, c in enumerate(configs):
            good = (c["family"] == "hgb") if big else (c["family"] == "linear")
            score = 0.9 + 0.05 * good + 0.01 * rng.normal()
            if multi:
                score = 1.5 - score          # a log loss
            runs.append({"task_key": f"table:t{t}", "source": "portfolio",
                         "config_id": config_key(c["family"], c["params"]),
                         "family": c["family"], "params": json.dumps(c["params"]),
                         "metric": "log_loss" if multi else "roc_auc", "score": score,
                         "score_std": 0.01, "n_folds": 5,
                         "fit_time": 0.1 * (j + 1), "status": "ok"})
    tasks = pd.DataFrame(tasks)
    write_store(path, new_header(QUALITY_NAMES, {}, {}), tasks, pd.DataFrame(runs))
    return path


def test_normalise():
    s = np.array([[0.5, 0.7, 0.9, np.nan]])
    assert normalise(s, True).tolist() == [[0.0, 0.0, 1.0, 0.0]]
    assert normalise(s, False)[0, 0] == 1.0


def test_normalise_rank():
    s = np.array([[0.5, 0.7, 0.9, np.nan], [0.2, 0.2, 0.1, 0.3]])
    assert np.allclose(normalise_rank(s, True), [[1 / 3, 2 / 3, 1.0, 0.0],
                                                 [0.5, 0.5, 0.0, 1.0]])
    assert np.allclose(normalise_rank(s, False)[0], [1.0, 2 / 3, 1 / 3, 0.0])


def test_forest_weights_explain_its_prediction(tmp_path):
    """The surrogate's prediction is exactly the weighted mean of the supporting tasks'."""
    m = build_metamodels(load_store(synthetic_store(tmp_path / "s")))["binary"]
    f = m.forest()
    for i in (0, 7):
        pred, w = m.predict(m.X[i])
        assert np.allclose(pred, f.predict(m.X[i:i + 1])[0])
        assert np.isclose(w.sum(), 1.0) and (w >= 0).all()
    excl = np.arange(len(m.X)) == 3
    _, w = m.predict(m.X[3], exclude=excl)
    assert w[3] == 0.0     # a held-out task never supports its own prediction


def test_meta_model_learns_the_rule(tmp_path):
    store = load_store(synthetic_store(tmp_path / "s"))
    models = build_metamodels(store)
    m = models["binary"]
    assert m.raw.shape == (40, 4)
    res = evaluate_portfolio(models)["binary"]
    ours = res["methods"][OURS]
    single = res["methods"]["single best (mean rank)"]
    assert ours["top1_median"] < 0.02 < single["top1_mean"]
    assert win_rates(res, OURS)["random config (expected)"] > 0.9
    # a big table gets hgb first, a small one linear
    i_big = int(np.argmax(m.n_rows))
    order, *_ = rank_configs(m, m.X[i_big], exclude=np.arange(40) == i_big)
    assert m.configs[order[0]]["family"] == "hgb"


def test_classification_kinds_pool_their_tasks(tmp_path):
    """Binary and multiclass tasks train one surrogate, each normalised on its own metric
    (log loss: lower is better); each kind is evaluated on its own tasks only."""
    store = load_store(synthetic_store(tmp_path / "s", n_tasks=20, n_multiclass=15))
    models = build_metamodels(store)
    b, mc = models["binary"], models["multiclass"]
    assert b.norm.shape == mc.norm.shape == (35, 4)
    assert b.own.sum() == 20 and mc.own.sum() == 15 and not (b.own & mc.own).any()
    assert b.forest() is mc.forest()            # one surrogate, fitted once
    lin = [c["family"] for c in b.configs].index("linear")
    small = b.n_rows < 1000
    assert (b.norm[small, lin] == 1.0).all()    # best on every small table, either metric
    res = evaluate_portfolio(models)
    assert res["binary"]["tasks"] == 20 and res["multiclass"]["tasks"] == 15
    assert res["multiclass"]["methods"][OURS]["top1_median"] < 0.02
    apart = build_metamodels(store, pool_classification=False)
    assert len(apart["binary"].X) == 20 and len(apart["multiclass"].X) == 15


def test_store_refuses_other_spaces_and_formats(tmp_path):
    path = synthetic_store(tmp_path / "s")
    head = json.loads((path / "header.json").read_text())
    head["space_version"] = 999
    (path / "header.json").write_text(json.dumps(head))
    with pytest.raises(StoreError, match="search spaces v999"):
        load_store(path)
    with pytest.raises(StoreError, match="no metabase store"):
        load_store(tmp_path / "nowhere")


def test_info_validate_cli_on_synthetic_store(run, tmp_path):
    path = synthetic_store(tmp_path / "s")
    res = run("metabase", "info", "--store", path, "--json")
    doc = json.loads(res.stdout)
    assert doc["tasks"]["total"] == 40 and doc["families"]["hgb"]["tasks"] == 40
    assert doc["coverage_tasks"]["linear"]["portfolio"] == 40
    res = run("metabase", "validate", "--store", path)
    assert res.exit_code == 0, res.output


def test_validate_finds_nan_scores_without_failure(run, tmp_path):
    path = synthetic_store(tmp_path / "s")
    runs = pd.read_parquet(path / "runs.parquet")
    runs.loc[0, "score"] = np.nan
    runs.to_parquet(path / "runs.parquet")
    res = run("metabase", "validate", "--store", path)
    assert res.exit_code == 4 and "NaN score(s) without a failure record" in res.stderr


def test_shipped_store_is_valid_and_covers_every_family(run):
    res = run("metabase", "validate")
    assert res.exit_code == 0, res.output
    doc = json.loads(run("metabase", "info", "--json").stdout)
    assert set(doc["families"]) == set(FAMILIES)
    assert doc["sources"]["portfolio"]["tasks"] >= 20
    assert doc["load_seconds"] < 5


def test_recommend_cli(run, regression_csv, binary_csv):
    res = run("recommend", regression_csv, "--top", "3", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["kind"] == "regression" and len(doc["recommendations"]) == 3
    r = doc["recommendations"][0]
    assert r["config"]["family"] in FAMILIES and 0 <= r["predicted"] <= 1
    near = doc["neighbours"]
    assert r["support"] and near
    if doc["out_of_range"]:
        assert near[0]["distance"] <= near[-1]["distance"]
    else:
        assert near[0]["weight"] >= near[-1]["weight"] > 0
    text = run("recommend", binary_csv).stdout
    assert " 1. " in text and "supported by:" in text and " past tasks: " in text


def test_fit_uses_the_recommendation_first(run, binary_csv, tmp_path):
    rec = json.loads(run("recommend", binary_csv, "--json").stdout)["recommendations"][0]
    res = run("fit", binary_csv, "--max-trials", "2", "-o", tmp_path / "m", "--json", "-q")
    doc = json.loads(res.stdout)
    first = doc["leaderboard"][0]
    assert first["source"] == "recommended" and first["config_id"] == rec["config_id"]
    assert doc["recommendation"]["neighbours"]


def test_profile_cli(run, multiclass_csv):
    res = run("profile", multiclass_csv, "--json")
    doc = json.loads(res.stdout)
    assert doc["values"]["NumberOfInstances"] == 150 and doc["values"]["NumberOfClasses"] == 3
    text = run("profile", multiclass_csv, "--groups", "simple").stdout
    assert "NumberOfFeatures" in text and "ClassEntropy" not in text
    assert run("profile", multiclass_csv, "--groups", "nope").exit_code == 2


def test_a_missing_store_is_a_usage_error_not_a_silent_fallback(run, binary_csv, tmp_path):
    for cmd in (["fit", binary_csv, "-o", tmp_path / "m"], ["recommend", binary_csv]):
        res = run(*cmd, "--store", tmp_path / "no-store")
        assert res.exit_code == 2 and "does not exist" in res.stderr
    assert not (tmp_path / "m").exists()


def test_a_table_far_from_every_past_task_gets_robust_defaults(tmp_path):
    from metabase._recommend import recommend

    path = str(synthetic_store(tmp_path / "s"))
    mf = {q: 1.0 for q in QUALITY_NAMES}
    near = recommend(dict(mf, NumberOfInstances=200.0, NumberOfClasses=2.0),
                     "classification", 200, store_path=path)
    assert not near.out_of_range and near.method.startswith("extra-trees surrogate")
    assert near.recommendations[0]["config"]["family"] == "linear"    # the small-table rule
    far = recommend(dict(mf, NumberOfInstances=1e12, NumberOfClasses=2.0),
                    "classification", 10**6, store_path=path)
    assert far.out_of_range and far.nearest_distance > far.typical_distance
    assert far.method.startswith("robust defaults") and "far from every past" in far.notes[0]
    assert far.neighbours[0]["distance"] <= far.neighbours[-1]["distance"]   # nearest first


def test_the_portfolio_warm_start_ignores_the_meta_features_and_both_reranks_it(tmp_path):
    """``--warm-start portfolio``: the greedy time-aware portfolio of the kind's past tasks,
    the same for any table; ``both``: its chosen prefix in the meta-model's order."""
    from metabase._greedy import FOLDS, greedy_portfolio, scaled_scores
    from metabase._recommend import _models, recommend

    path = str(synthetic_store(tmp_path / "s"))
    mf = {q: 1.0 for q in QUALITY_NAMES}

    def ids(ranking, rows):
        advice = recommend(dict(mf, NumberOfInstances=float(rows), NumberOfClasses=2.0),
                           "classification", rows, top=50, store_path=path, ranking=ranking)
        return [r["config_id"] for r in advice.recommendations], advice

    small, advice = ids("portfolio", 200)
    assert advice.method.startswith("greedy time-aware portfolio")
    other, advice = ids("portfolio", 300)
    assert not advice.out_of_range and other == small        # no meta-features in it
    m = _models(path)[0]["binary"]
    order, size = greedy_portfolio(scaled_scores(m.raw, m.norm)[m.own],
                                   m.fit_time[m.own] * FOLDS)
    assert small == [m.configs[c]["id"] for c in order][:len(small)]
    both, advice = ids("both", 200)
    assert advice.method.startswith("greedy time-aware portfolio re-ranked")
    assert sorted(both[:size]) == sorted(small[:size])       # the prefix, re-ordered
    predicted = [r["predicted"] for r in advice.recommendations[:size]]
    assert predicted == sorted(predicted, reverse=True)      # in the meta-model's order
