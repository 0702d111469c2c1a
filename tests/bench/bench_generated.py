"""`make bench-generated` (minutes): the two generated tables' targets of issue 15.

- million: 1,000,000 training rows x 20 (binary; 200,000 more rows of the same draw are
  the test set), `automl fit --time-budget 60`: successful trials in the leaderboard, the
  score's source (rows the model did not choose on), the share of the budget used, the
  wall against the bound (budget x 1.05 + 2 s), test ROC AUC, and
  HistGradientBoosting's defaults fitted on all training rows as the baseline.
- wide: 400 x 3,000 (linear signal in 3 columns; a test set of 2,000 rows drawn from the
  same coefficients), `--time-budget 30`: test ROC AUC (target >= 0.90).

One JSON line per run is appended to bench-results/generated.jsonl with a label.

    python tests/bench/bench_generated.py --label after [--tables million,wide]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "bench-results" / "generated.jsonl"
BUDGETS = {"million": 60.0, "wide": 30.0}


def million_split(seed: int = 0):
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=1_200_000, n_features=20, n_informative=8,
                               n_redundant=4, flip_y=0.05, class_sep=0.8, random_state=seed)
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"x{i}" for i in range(20)])
    frame["target"] = y
    return frame.iloc[:1_000_000], frame.iloc[1_000_000:]


def wide_split(seed: int = 0):
    sys.path.insert(0, str(HERE))
    from generated import wide

    train = wide(seed)
    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(2000, 3000))
    logit = 2.0 * X[:, 0] - 1.5 * X[:, 1] + 1.0 * X[:, 2]
    test = pd.DataFrame(X.astype(np.float32), columns=train.columns[:-1])
    test["target"] = (logit + rng.logistic(size=2000) * 0.5 > 0).astype(int)
    return train, test


def _auc(y, p) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def run_automl(train: pd.DataFrame, test: pd.DataFrame, budget: float, tmp: Path) -> dict:
    automl = Path(sys.executable).with_name("automl")
    train.to_csv(tmp / "train.csv", index=False)
    test.drop(columns=["target"]).to_csv(tmp / "test.csv", index=False)
    t0 = time.perf_counter()
    out = subprocess.run([str(automl), "fit", str(tmp / "train.csv"), "--target", "target",
                          "--time-budget", f"{budget:g}", "--json", "-q", "-o",
                          str(tmp / "m"), "--force"], capture_output=True, text=True,
                         env=os.environ)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        return {"status": f"exit {out.returncode}", "error": out.stderr.strip()[-300:],
                "wall": round(wall, 2)}
    doc = json.loads(out.stdout)
    pred = subprocess.run([str(automl), "predict", str(tmp / "m"), str(tmp / "test.csv"),
                           "--proba", "-o", str(tmp / "pred.csv"), "--force", "-q"],
                          capture_output=True, text=True)
    if pred.returncode != 0:
        return {"status": f"predict exit {pred.returncode}", "error": pred.stderr[-300:]}
    p = pd.read_csv(tmp / "pred.csv")["proba_1"].to_numpy()
    score = doc["score"]
    return {"status": "ok", "wall": round(wall, 2), "bound": round(budget * 1.05 + 2, 2),
            "budget_used": round(wall / budget, 3),
            "ok_trials": doc["search"]["statuses"].get("ok", 0),
            "trials": doc["search"]["trials"], "reported": score["mean"],
            "source": score.get("source"), "source_rows": score.get("rows"),
            "members": [f"{m['family']} {m['weight']:.2f} {m.get('final')}"
                        for m in doc["ensemble"] if m["config"]],
            "timings": doc["timings"], "test_auc": round(_auc(test["target"], p), 4)}


def hgb_defaults(train: pd.DataFrame, test: pd.DataFrame) -> dict:
    """The baseline, on one core as every benchmarked method."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    t0 = time.perf_counter()
    with threadpool_limits(1):
        model = HistGradientBoostingClassifier().fit(train.drop(columns=["target"]),
                                                     train["target"])
    fit = time.perf_counter() - t0
    p = model.predict_proba(test.drop(columns=["target"]))[:, 1]
    return {"fit_seconds": round(fit, 2), "test_auc": round(_auc(test["target"], p), 4)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", default="run")
    ap.add_argument("--tables", default="million,wide")
    args = ap.parse_args(argv)
    for name in args.tables.split(","):
        train, test = (million_split() if name == "million" else wide_split())
        with tempfile.TemporaryDirectory() as tmp:
            row = {"label": args.label, "table": name, "budget": BUDGETS[name],
                   "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
                   "automl": run_automl(train, test, BUDGETS[name], Path(tmp))}
        if name == "million":
            row["hgb_defaults"] = hgb_defaults(train, test)
        print(json.dumps(row), flush=True)
        with OUT.open("a") as f:
            f.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
