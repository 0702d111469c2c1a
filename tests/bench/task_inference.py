"""How often does ``--task auto`` agree with the MANIFEST of ../shared/datasets? (issue 17)

Every table is read as ``automl fit`` reads it (``load_table``, the target being
the last column) and its task inferred by ``make_problem``; the inferred kind
(binary, multiclass, regression) is compared with the MANIFEST's ``task``. The
rule of the first release (an integer target with at most 10 values is classes)
is counted beside it.

Usage (from the repository root; about a minute)::

    .venv/bin/python tests/bench/task_inference.py > bench-results/task-inference.txt
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from automl_cli._io import load_table  # noqa: E402
from automl_cli._task import make_problem  # noqa: E402


def first_release_kind(y) -> str:
    """The rule this issue replaced, for comparison."""
    import pandas as pd

    present = y.dropna()
    if pd.api.types.is_bool_dtype(present) or not pd.api.types.is_numeric_dtype(present):
        return "binary" if present.nunique() == 2 else "multiclass"
    v = present.to_numpy(dtype=float)
    n = len(np.unique(v))
    if np.all(np.mod(v, 1) == 0) and n <= 10:
        return "binary" if n == 2 else "multiclass"
    return "regression"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    args = ap.parse_args(argv)
    with open(args.datasets / "MANIFEST.csv", newline="") as fh:
        manifest = list(csv.DictReader(fh))
    agree = old_agree = 0
    lines = []
    for m in manifest:
        path = args.datasets / f"{m['name']}.csv.gz"
        frame = load_table(path).frame
        problem = make_problem(frame, None, "auto", str(path))
        note = next(n for n in problem.notes if n.startswith("task:"))
        old = first_release_kind(frame.iloc[:, -1])
        agree += problem.kind == m["task"]
        old_agree += old == m["task"]
        if problem.kind != m["task"] or old != m["task"]:
            lines.append(f"  {m['name']:<22} MANIFEST {m['task']:<10} now {problem.kind:<10} "
                         f"first release {old:<10} | {note}")
    n = len(manifest)
    print(f"task inference on {n} tables of {args.datasets} (target: the last column)")
    print(f"agreement with MANIFEST task: {agree}/{n} ({agree / n:.1%}); "
          f"first release (<= 10 integer values): {old_agree}/{n} ({old_agree / n:.1%})")
    print("tables where either rule disagrees with the MANIFEST:")
    print("\n".join(lines) if lines else "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
