"""Write the demo table: scikit-learn's bundled breast-cancer data (Wisconsin
diagnostic, 569 rows, 30 numeric features) as a CSV with a text target."""

from __future__ import annotations

import sys
from pathlib import Path


def write_demo_table(path: Path) -> Path:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.rename(columns=lambda c: c.replace(" ", "_"))
    frame["diagnosis"] = frame.pop("target").map({0: "malignant", 1: "benign"})
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


if __name__ == "__main__":
    print(write_demo_table(Path(sys.argv[1] if len(sys.argv) > 1 else "demo/breast-cancer.csv")))
