"""The portfolio runs of the tables with many-level text columns, before and after the
target-encoding pipeline (issue 17): per config, the mean fold score before (the runs at
``--before``, a git revision) and now; per table, the mean gain over the configs both have,
on how many configs it is better, and the best config's score before and after.

    python tests/bench/high_cardinality_portfolio.py --before eab300c
"""

from __future__ import annotations

import argparse
import io
import subprocess
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
TABLES = ["adult", "hotel-rates", "lending-club", "loans-interest", "mlc-churn",
          "nyc-taxis", "nycflights"]


def _runs(rev: str | None, table: str) -> pd.DataFrame:
    path = f"metabase/history/portfolio/{table}.csv"
    if rev is None:
        return pd.read_csv(ROOT / path)
    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], check=True,
                          capture_output=True, text=True).stdout
    return pd.read_csv(io.StringIO(text))


def compare(table: str, before: str) -> dict:
    old, new = _runs(before, table), _runs(None, table)
    metric = "r2" if new["task"].iloc[0] == "regression" else "roc_auc"
    a, b = (d[d["status"] == "ok"].groupby("config_id")[metric].mean() for d in (old, new))
    common = a.index.intersection(b.index)
    gain = b[common] - a[common]
    return {"table": table, "metric": metric, "configs": len(common),
            "mean gain": round(gain.mean(), 4), "better on": int((gain > 0).sum()),
            "best before": round(a.max(), 4), "best after": round(b.max(), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="eab300c")
    args = ap.parse_args()
    print(pd.DataFrame([compare(t, args.before) for t in TABLES]).to_string(index=False))


if __name__ == "__main__":
    main()
