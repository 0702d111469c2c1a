"""Whether a family's regression defaults need the target standardised (``SCALE_TARGET``).

For each table, on 3,000 of its rows (seed 0): the 5-fold R² and seconds of the
defaults of the scale-sensitive families (SVM, sparse linear, MLP), with the target as
it is and standardised (``TransformedTargetRegressor``). Output:
``bench-results/target-scale.txt``.

    .venv/bin/python tests/bench/target_scale.py ailerons ames-housing cal-housing
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT.parent / "shared" / "datasets"
FAMILIES_TRIED = ("svm", "sparse", "mlp")


def _cv_r2(config: dict, X, y, schema: dict) -> tuple[float, float]:
    from sklearn.model_selection import KFold, cross_val_score

    from metabase import build_pipeline

    t0 = time.perf_counter()
    scores = cross_val_score(build_pipeline(config, schema, "regression"), X, y,
                             cv=KFold(5, shuffle=True, random_state=0), scoring="r2")
    return float(scores.mean()), time.perf_counter() - t0


def main(names: list[str]) -> int:
    from automl_cli._io import load_table
    from metabase import FAMILIES, infer_schema

    warnings.simplefilter("ignore")
    for name in names:
        frame = load_table(DATASETS / f"{name}.csv.gz").frame
        frame = frame[frame["target"].notna()]
        frame = frame.sample(min(3000, len(frame)), random_state=0)
        X, y = frame.drop(columns="target"), frame["target"].astype(float).to_numpy()
        schema = infer_schema(X)
        parts = []
        for fam in FAMILIES_TRIED:
            module = FAMILIES[fam]
            shipped = getattr(module, "SCALE_TARGET", False)
            for scaled in (False, True):
                module.SCALE_TARGET = scaled
                r2, seconds = _cv_r2({"family": fam, "params": module.defaults("regression")},
                                     X, y, schema)
                parts.append(f"{fam}{' scaled' if scaled else ''} {r2:.3f} ({seconds:.1f} s)")
            module.SCALE_TARGET = shipped
        print(f"{name} (target std {y.std():.3g}): " + ", ".join(parts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
