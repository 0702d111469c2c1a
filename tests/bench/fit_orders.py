"""The fit's orders of first trials in `metabase evaluate`'s leave-one-task-out simulated
search (about a minute): mean regret at 10 s and 60 s per task kind, and tasks
better/equal/worse between orders. Writes bench-results/fit-orders.txt.

    python tests/bench/fit_orders.py [--store DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from metabase import build_metamodels, evaluate_portfolio, load_store, time_aware_against
from metabase._loto import ALTERNATE, NOMETA, RANKED_TURNS, SHIPPED

OUT = Path(__file__).resolve().parents[2] / "bench-results" / "fit-orders.txt"
ORDERS = {"nometa": NOMETA, "shipped": SHIPPED, "turns": ALTERNATE, "ranked": RANKED_TURNS}
PAIRS = (("turns", "shipped"), ("turns", "nometa"), ("ranked", "turns"), ("ranked", "nometa"))


def _versus(entry: dict, a: str, b: str, key: str) -> str:
    """Tasks where order ``a`` has lower / equal / higher regret than order ``b``."""
    n = time_aware_against(entry, ORDERS[b], key)[ORDERS[a]]
    return f"{n['better']}/{n['equal']}/{n['worse']}"


def lines(result: dict) -> list[str]:
    out = []
    for kind, entry in result.items():
        methods = entry["methods"]
        for budget in ("10", "60"):
            key = f"_t{budget}"
            means = "  ".join(f"{k} {np.mean(methods[v][key]):.4f}" for k, v in ORDERS.items())
            pairs = "  ".join(f"{a} vs {b} {_versus(entry, a, b, key)}" for a, b in PAIRS)
            out.append(f"{kind:<10} {budget}s  {means}  {pairs}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=None, help="a store directory (default: the shipped one)")
    args = ap.parse_args(argv)
    models = build_metamodels(load_store(args.store))
    text = ["# the fit's orders in the leave-one-task-out simulated search "
            f"({args.store or 'shipped store'}): mean regret; tasks better/equal/worse",
            "# nometa: the defaults as without meta-learning; shipped: ours, HGB defaults "
            "second; turns: that, then turns with the defaults (the fit's); ranked: the "
            "defaults' turns by the meta-model's predicted score",
            *lines(evaluate_portfolio(models))]
    OUT.write_text("\n".join(text) + "\n")
    print("\n".join(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
