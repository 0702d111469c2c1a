"""Tests of the OpenML quality extractor (metabase._metafeatures) and its checker."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metabase._metafeatures import GROUPS, QUALITY_NAMES, profile
from metabase._metafeatures._weka import JavaRandom, cv_folds

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATASETS = SHARED / "datasets"


def H(*p):
    """Entropy in bits of probabilities `p` (independent of the extractor)."""
    return -sum(q * math.log2(q) for q in p if q > 0)


def check_contract(result, groups=GROUPS):
    names = [n for n in QUALITY_NAMES if result.groups.get(n) in groups]
    assert list(result.values) == names
    assert set(result.groups.values()) <= set(GROUPS)
    for name, value in result.values.items():
        assert isinstance(value, float)
        if math.isnan(value):
            assert result.reasons.get(name), f"{name} is NaN without a reason"
            assert not result.reasons[name].startswith("failed"), (name, result.reasons[name])
        else:
            assert math.isfinite(value) and name not in result.reasons
    assert set(result.timings) == {"prepare", *groups}
    json.dumps(result.to_dict(), allow_nan=False)
    return result


@pytest.fixture
def tiny():
    """5 rows: numeric a, nominal b, class y; every value below is worked out by hand."""
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 10.0], "b": ["x", "y", "x", "x", "y"]})
    y = pd.Series(["p", "q", "p", "q", "p"])
    return X, y


def test_simple_qualities_by_hand(tiny):
    v = check_contract(profile(*tiny)).values
    assert v["NumberOfInstances"] == 5
    assert v["NumberOfFeatures"] == 3  # a, b and the target
    assert v["Dimensionality"] == pytest.approx(3 / 5)
    assert (v["NumberOfNumericFeatures"], v["NumberOfSymbolicFeatures"]) == (1, 2)
    assert v["NumberOfBinaryFeatures"] == 2  # b and the two-class target
    assert v["PercentageOfSymbolicFeatures"] == pytest.approx(200 / 3)
    assert v["NumberOfMissingValues"] == 0
    assert (v["NumberOfClasses"], v["MajorityClassSize"], v["MinorityClassSize"]) == (2, 3, 2)
    assert (v["MajorityClassPercentage"], v["MinorityClassPercentage"]) == (60, 40)
    assert v["AutoCorrelation"] == 0  # p q p q p: the class changes at every step


def test_statistical_qualities_by_hand(tiny):
    v = profile(*tiny).values
    # a = 1, 2, 3, 4, 10: mean 4, deviations -3 -2 -1 0 6, sum of squares 50
    s = math.sqrt(50 / 4)
    assert v["MeanMeansOfNumericAtts"] == 4
    assert v["MeanStdDevOfNumericAtts"] == pytest.approx(s)
    assert v["MeanSkewnessOfNumericAtts"] == pytest.approx(5 / (4 * 3) * 180 / s**3)
    g2 = 5 * 6 / (4 * 3 * 2) * (81 + 16 + 1 + 0 + 1296) / s**4 - 3 * 16 / (3 * 2)
    assert v["MeanKurtosisOfNumericAtts"] == pytest.approx(g2)


def test_quartiles_use_the_weibull_rule():
    # four attributes with means 1, 2, 3, 4: weibull Q1 = 1.25 (numpy's default gives 1.75)
    X = pd.DataFrame({f"c{m}": [m - 1.0, m + 1.0] for m in (1, 2, 3, 4)})
    v = profile(X, pd.Series(["p", "q"])).values
    assert v["Quartile1MeansOfNumericAtts"] == pytest.approx(1.25)
    assert v["Quartile2MeansOfNumericAtts"] == pytest.approx(2.5)
    assert v["Quartile3MeansOfNumericAtts"] == pytest.approx(3.75)
    assert (v["MinMeansOfNumericAtts"], v["MaxMeansOfNumericAtts"]) == (1, 4)


def test_information_qualities_by_hand(tiny):
    v = profile(*tiny).values
    h_class = H(0.6, 0.4)
    # b = x: classes p p q; b = y: classes q p
    mi = h_class - (0.6 * H(2 / 3, 1 / 3) + 0.4 * H(0.5, 0.5))
    assert v["ClassEntropy"] == pytest.approx(h_class)
    assert v["MeanAttributeEntropy"] == pytest.approx(H(0.6, 0.4))
    assert v["MeanMutualInformation"] == pytest.approx(mi)
    assert v["EquivalentNumberOfAtts"] == pytest.approx(h_class / mi)
    assert v["MeanNoiseToSignalRatio"] == pytest.approx((H(0.6, 0.4) - mi) / mi)
    assert (v["MaxNominalAttDistinctValues"], v["StdvNominalAttDistinctValues"]) == (2, 0)


def test_missing_nominal_cell_counts_as_first_declared_value():
    b = pd.Categorical(["u", None, "u", "v"], categories=["v", "u"])  # "v" declared first
    v = profile(pd.DataFrame({"b": b}), pd.Series(["p", "p", "q", "q"])).values
    # OpenML's rule: the missing cell is "v", so b = v v u v ... counts {v: 2, u: 2}
    assert v["MeanAttributeEntropy"] == pytest.approx(1.0)
    assert v["NumberOfMissingValues"] == 1
    assert v["MinNominalAttDistinctValues"] == 2  # distinct values ignore missing cells


def test_regression_target_and_its_undefined_qualities():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 5.0], "b": ["x", "y", "x", "y"]})
    y = pd.Series([1.0, 2.0, 4.0, 4.0])
    r = check_contract(profile(X, y, task="regression"))
    v = r.values
    assert (v["NumberOfNumericFeatures"], v["NumberOfSymbolicFeatures"]) == (2, 1)
    assert v["NumberOfClasses"] == 0
    assert v["AutoCorrelation"] == pytest.approx((3 - (1 + 2 + 0)) / 3)
    assert v["MeanMeansOfNumericAtts"] == pytest.approx((2.75 + 2.75) / 2)  # target included
    assert (v["TargetMean"], v["TargetMin"], v["TargetMax"]) == (2.75, 1, 4)
    assert v["TargetStdDev"] == pytest.approx(np.std([1, 2, 4, 4], ddof=1))
    assert v["TargetNumberOfDistinctValues"] == 3
    assert v["TargetPercentageOfIntegerValues"] == 100
    for name in ("MajorityClassSize", "ClassEntropy", "MeanMutualInformation",
                 "NaiveBayesAUC", "kNN1NErrRate", "DecisionStumpKappa"):
        assert math.isnan(v[name]) and "regression" in r.reasons[name]
    assert r.groups["TargetMean"] == "target"


def test_target_group_undefined_for_classification(tiny):
    r = profile(*tiny)
    assert math.isnan(r.values["TargetMean"]) and "classification" in r.reasons["TargetMean"]


def test_java_random_matches_java():
    # printed by java.util.Random(1).nextInt(b) for these bounds, in this order
    bounds = (10, 100, 7, 16, 1000, 3, 2147483647, 5, 64, 12345)
    rnd = JavaRandom(1)
    assert [rnd.next_int(b) for b in bounds] == [5, 88, 1, 6, 254, 1, 714504434, 1, 61, 2983]


def test_folds_are_stratified_and_cover_all_rows():
    y = np.array([0] * 7 + [1] * 3 + [2])
    folds = cv_folds(y)
    assert sorted(np.concatenate(folds)) == list(range(11))
    assert [f.size for f in folds] == [6, 5]
    assert abs(np.sum(y[folds[0]] == 1) - np.sum(y[folds[1]] == 1)) <= 1


def test_landmarkers_on_a_separable_table():
    a = np.concatenate([np.linspace(0, 1, 20), np.linspace(100, 101, 20)])
    X = pd.DataFrame({"a": a, "b": np.where(a < 50, "l", "h")})
    y = pd.Series(np.where(a < 50, "lo", "hi"))
    v = check_contract(profile(X, y, groups=["landmarking"]), ("landmarking",)).values
    for learner in ("NaiveBayes", "kNN1N", "DecisionStump"):
        assert v[f"{learner}ErrRate"] == 0
        assert v[f"{learner}Kappa"] == 1
        assert v[f"{learner}AUC"] == 1


def test_groups_subset_and_unknown_group(tiny):
    r = profile(*tiny, groups=["simple"])
    assert set(r.groups.values()) == {"simple"} and "ClassEntropy" not in r.values
    with pytest.raises(ValueError, match="unknown groups"):
        profile(*tiny, groups=["nope"])
    with pytest.raises(ValueError, match="task"):
        profile(*tiny, task="clustering")


def test_landmarker_subsample_is_noted():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300)})
    y = pd.Series(rng.choice(["p", "q"], 300))
    r = check_contract(profile(X, y, max_rows_landmarkers=100, max_rows_knn=50))
    assert any("subsample of 100 of 300" in n for n in r.notes)
    assert any("kNN1N" in n and "50 of 300" in n for n in r.notes)


# ---- robustness: each case gives NaN with a reason where a quality is undefined ----

RNG = np.random.default_rng(0)
BASE = pd.DataFrame({"a": RNG.normal(size=40), "b": pd.Categorical(RNG.choice(list("xyz"), 40))})
Y = pd.Series(RNG.choice(["p", "q"], 40))


def test_constant_columns():
    r = check_contract(profile(BASE.assign(c=1.0, d="k"), Y))
    assert r.values["MinStdDevOfNumericAtts"] == 0  # kept, as OpenML does
    assert r.values["MinNominalAttDistinctValues"] == 1
    alone = check_contract(profile(pd.DataFrame({"c": np.ones(40)}), Y))
    assert math.isnan(alone.values["MeanSkewnessOfNumericAtts"])
    assert "skewness" in alone.reasons["MeanSkewnessOfNumericAtts"]


def test_all_missing_columns():
    X = BASE.assign(c=np.nan, d=pd.Series([None] * 40, dtype=object),
                    e=pd.Categorical([None] * 40, categories=["u", "v"]))
    r = check_contract(profile(X, Y))
    assert r.values["NumberOfMissingValues"] == 120
    assert r.values["MinNominalAttDistinctValues"] == 0
    assert r.values["NumberOfInstancesWithMissingValues"] == 40
    only = check_contract(profile(pd.DataFrame({"c": [np.nan] * 40}), Y))
    assert "mean" in only.reasons["MeanMeansOfNumericAtts"]


def test_class_with_one_row():
    y = pd.Series(["p"] * 39 + ["q"])
    r = check_contract(profile(BASE, y))
    assert r.values["MinorityClassSize"] == 1
    assert not math.isnan(r.values["NaiveBayesAUC"])


def test_single_class():
    r = check_contract(profile(BASE, pd.Series(["p"] * 40)))
    assert r.values["ClassEntropy"] == 0 and r.values["NumberOfClasses"] == 1
    assert r.reasons["NaiveBayesErrRate"] == "single class"
    assert "mutual information is 0" in r.reasons["EquivalentNumberOfAtts"]


def test_one_row_and_zero_rows():
    one = check_contract(profile(BASE.iloc[:1], Y.iloc[:1]))
    assert one.values["AutoCorrelation"] == 1 and one.values["Dimensionality"] == 3
    assert "skewness" in one.reasons["MeanSkewnessOfNumericAtts"]
    zero = check_contract(profile(BASE.iloc[:0], Y.iloc[:0]))
    assert zero.values["NumberOfInstances"] == 0
    assert zero.reasons["Dimensionality"] == "no rows"


def test_infinities():
    c = np.where(np.arange(40) % 7 == 0, np.inf, np.arange(40.0))
    r = check_contract(profile(BASE.assign(c=c), Y))
    assert r.values["MaxMeansOfNumericAtts"] < np.inf  # c's mean is left out
    assert any("infinite" in n for n in r.notes)
    assert not math.isnan(r.values["kNN1NAUC"])


def test_huge_category_counts():
    n = 3000
    X = pd.DataFrame({"id": [f"id{i}" for i in range(n)], "a": RNG.normal(size=n)})
    y = pd.Series(RNG.choice(list("abcdefgh"), n))
    r = check_contract(profile(X, y))
    assert r.values["MaxNominalAttDistinctValues"] == n
    assert r.values["MaxAttributeEntropy"] == pytest.approx(math.log2(n))
    declared = pd.Categorical(["u", "v"] * 20,
                              categories=[f"c{i}" for i in range(50000)] + ["u", "v"])
    check_contract(profile(pd.DataFrame({"d": declared}), Y))


def test_empty_feature_set():
    X = pd.DataFrame(index=range(40))
    r = check_contract(profile(X, Y))
    assert r.values["NumberOfFeatures"] == 1
    assert r.reasons["MeanMeansOfNumericAtts"] == "no numeric attributes"
    assert r.reasons["NaiveBayesAUC"] == "no input attributes"
    assert r.reasons["MeanMutualInformation"] == "no nominal input attributes"
    check_contract(profile(X, pd.Series(RNG.normal(size=40)), task="regression"))


def test_missing_target_values():
    y = Y.where(np.arange(40) % 10 != 0)
    r = check_contract(profile(BASE, y))
    assert r.reasons["AutoCorrelation"] == "missing target values"
    assert r.values["NumberOfMissingValues"] == 4
    assert not math.isnan(r.values["NaiveBayesAUC"])  # rows without a class are not scored


def test_other_dtypes():
    X = pd.DataFrame({"flag": RNG.random(40) > 0.5,
                      "count": pd.array(RNG.integers(0, 5, 40), dtype="Int64"),
                      "when": pd.date_range("2020-01-01", periods=40),
                      "mixed": [1, "a", 2.5, None] * 10})
    r = check_contract(profile(X, Y))
    assert (r.values["NumberOfNumericFeatures"], r.values["NumberOfSymbolicFeatures"]) == (2, 3)
    assert r.values["NumberOfBinaryFeatures"] == 2  # the bool column and the class


# ---- against OpenML's published values (needs ../shared) ----

SAME_DATA = ["credit-g", "diabetes-pima", "vehicle", "tic-tac-toe", "kr-vs-kp"]


@pytest.mark.shared
def test_checker_agrees_with_openml_on_same_data_datasets():
    if not (DATASETS / "MANIFEST.csv").exists():
        pytest.skip(f"../shared/datasets not found: {DATASETS}")
    from metabase.check_qualities import LANDMARKERS, run

    report = run(DATASETS, names=SAME_DATA)
    assert {d["name"] for d in report["datasets"]} == set(SAME_DATA)
    assert all(d["status"] == "same data" for d in report["datasets"])
    for quality, summary in report["qualities"].items():
        agreeing, compared = summary["same_data"]
        if quality in LANDMARKERS:
            assert summary["mad_same_data"] < 0.01, quality
        elif quality not in ("NumberOfBinaryFeatures", "PercentageOfBinaryFeatures"):
            assert agreeing == compared, (quality, summary["disagreements"])
    # on these five only kr-vs-kp's declared-but-unused value list can differ
    assert report["qualities"]["ClassEntropy"]["same_data"][1] == 5


def test_checker_skips_without_shared(tmp_path, capsys):
    from metabase.check_qualities import main

    assert main(["--datasets", str(tmp_path / "absent")]) == 0
    assert "skipped" in capsys.readouterr().out
