"""Check our OpenML qualities against the values OpenML published.

Profiles every table of ``../shared/datasets`` whose MANIFEST ``openml_id`` has
reference values (``openml_qualities_lcdb.csv`` by dataset id; the OpenML100
file by task id, mapped to datasets through TabRepo's task table and the list
below), then prints, per quality, how many datasets agree with OpenML.

Datasets are classed by comparing OpenML's counts with ours: *same data*
(instances, features, missing cells and the numeric/symbolic split all equal),
*different typing* (same counts, but some columns typed otherwise in the CSV)
or *different copy*. Landmarkers are reported as mean absolute differences.

Usage: ``python -m metabase.check_qualities [--datasets DIR] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from metabase._metafeatures import GROUPS, QUALITY_NAMES, profile
from metabase._metrics import task_of

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RTOL, ATOL = 1e-6, 1e-9
LANDMARKERS = tuple(n for n in QUALITY_NAMES
                    if n.startswith(("NaiveBayes", "kNN1N", "DecisionStump")))
# OpenML100 tasks absent from TabRepo's table; each mapping was checked: the task's
# instance, feature, class and missing-value counts equal lcdb's for the dataset.
EXTRA_TASKS = {3: 3, 21: 21, 23: 23, 29: 29, 31: 31, 36: 36, 53: 54, 2079: 188, 3021: 38,
               7592: 1590, 9952: 1489}
COUNTS = ("NumberOfInstances", "NumberOfFeatures", "NumberOfMissingValues")
TYPES = ("NumberOfNumericFeatures", "NumberOfSymbolicFeatures")
INFORMATION = ("ClassEntropy", "AttributeEntropy", "MutualInformation", "EquivalentNumberOfAtts",
               "MeanNoiseToSignalRatio")


def read_arff(path):
    """A numeric-only ARFF file as a DataFrame (``?`` = missing)."""
    names, rows, in_data = [], [], False
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        if in_data:
            rows.append([math.nan if v == "?" else float(v) for v in line.split(",")])
        elif line.upper().startswith("@ATTRIBUTE"):
            names.append(line.split()[1])
        elif line.upper().startswith("@DATA"):
            in_data = True
    return pd.DataFrame(rows, columns=names)


def load_reference(reference):
    """OpenML's values by dataset id: ``{did: {quality: float}}``, nulls dropped."""
    refs = {}
    lcdb = pd.read_csv(reference / "openml_qualities_lcdb.csv")
    for _, row in lcdb.iterrows():
        refs[int(row["openmlid"])] = {q: float(row[q]) for q in QUALITY_NAMES
                                      if q in row and pd.notna(row[q])}
    runs = reference / "openml_runs"
    tasks = dict(EXTRA_TASKS)
    tabrepo = runs / "tabrepo_task_metadata_289.csv"
    if tabrepo.exists():
        meta = pd.read_csv(tabrepo)
        tasks.update(zip(meta["tid"].astype(int), meta["did"].astype(int)))
    arff = runs / "openml_qualities_openml100_tasks.arff"
    if arff.exists():
        for _, row in read_arff(arff).iterrows():
            did = tasks.get(int(row["task_id"]))
            if did is None:
                continue
            entry = refs.setdefault(did, {})
            for q in QUALITY_NAMES:
                # -1 is that file's placeholder for "undefined" in these groups
                placeholder = row.get(q) == -1 and q.endswith(("OfNumericAtts",) + INFORMATION)
                if q in row and pd.notna(row[q]) and not placeholder:
                    entry.setdefault(q, float(row[q]))
    return refs


def agree(ours, theirs):
    return not math.isnan(ours) and abs(ours - theirs) <= RTOL * abs(theirs) + ATOL


def _z_scored(values):
    return all(agree(values.get(q, math.nan), 1.0) for q in
               ("MinStdDevOfNumericAtts", "MaxStdDevOfNumericAtts"))


def classify(values, ref):
    """Status of a local copy and what differs from OpenML's."""
    diff = [f"{q} {values[q]:g} vs {ref[q]:g}" for q in COUNTS + TYPES
            if q in ref and not agree(values[q], ref[q])]
    if not diff and _z_scored(ref) and not _z_scored(values):
        diff = ["OpenML's numeric values are z-scored (every std 1), the CSV's are raw"]
        return "different copy", diff
    if not diff:
        return "same data", diff
    if all(d.startswith(TYPES) for d in diff):
        return "different typing", diff
    return "different copy", diff


def cause(quality, status, diff, info):
    """Our explanation of a disagreement (see QUALITIES.md, "Checking against OpenML")."""
    if status != "same data":
        return f"{status}: " + "; ".join(diff)
    if quality in LANDMARKERS:
        if any(quality.startswith(s) for s in info["subsampled"]):
            return "landmarker computed on a subsample"
        return ("tie-breaking follows the declared order of classes and nominal values, and "
                "NaiveBayes counts declared-but-unseen values: a CSV carries neither")
    if quality.endswith(INFORMATION) and info["nominal_missing"]:
        return ("missing nominal cells: OpenML counts them as the first declared value; "
                "the CSV has no declaration (we use the first sorted value)")
    if "Binary" in quality:
        return "declared value lists (ARFF) differ from the values seen in the CSV"
    if quality == "AutoCorrelation":
        return "row order of the local copy differs from OpenML's file"
    return "unexplained"


def check_dataset(path, task, ref, max_rows_landmarkers, max_rows_knn, groups):
    df = pd.read_csv(path, keep_default_na=True)
    X, y = df.drop(columns="target"), df["target"]
    notes = []
    if task == "regression" and ref.get("NumberOfClasses", 0) > 0:
        task = "classification"
        notes.append("target nominal on OpenML: profiled as classification")
    start = time.perf_counter()
    result = profile(X, y, task=task, groups=groups, max_rows_landmarkers=max_rows_landmarkers,
                     max_rows_knn=max_rows_knn)
    seconds = time.perf_counter() - start
    nominal = X.columns[[not pd.api.types.is_numeric_dtype(X[c]) for c in X.columns]]
    info = {"nominal_missing": bool(X[nominal].isna().any().any()),
            "subsampled": [s for note in result.notes if "subsample" in note
                           for s in ("NaiveBayes", "DecisionStump", "kNN1N") if s in note]}
    return result, notes + result.notes, info, seconds


def run(datasets=SHARED / "datasets", reference=None, names=None, landmarkers=True,
        max_rows_landmarkers=50000, max_rows_knn=20000):
    """Profile the datasets with reference values and compare; returns a report dict."""
    datasets = Path(datasets)
    reference = Path(reference) if reference else datasets.parent / "reference"
    refs = load_reference(reference)
    manifest = pd.read_csv(datasets / "MANIFEST.csv")
    manifest = manifest[manifest["openml_id"].notna()]
    groups = [g for g in GROUPS if landmarkers or g != "landmarking"]
    report = {"datasets": [], "qualities": {}}
    compared = {}
    for _, row in manifest.iterrows():
        did = int(row["openml_id"])
        if did not in refs or (names and row["name"] not in names):
            continue
        ref = refs[did]
        task = task_of(row["task"])
        result, notes, info, seconds = check_dataset(
            datasets / f"{row['name']}.csv.gz", task, ref, max_rows_landmarkers, max_rows_knn,
            groups)
        status, diff = classify(result.values, ref)
        report["datasets"].append({"name": row["name"], "openml_id": did, "status": status,
                                   "differences": diff, "notes": notes,
                                   "seconds": round(seconds, 3)})
        for q, theirs in ref.items():
            if q in result.values:
                ours = result.values[q]
                compared.setdefault(q, []).append(
                    {"dataset": row["name"], "status": status, "ours": ours, "openml": theirs,
                     "agree": agree(ours, theirs), "reason": result.reasons.get(q),
                     "cause": None if agree(ours, theirs) else cause(q, status, diff, info)})
    for q in QUALITY_NAMES:
        if q in compared:
            report["qualities"][q] = _summarise(q, compared[q])
    return report


def _summarise(quality, rows):
    same = [r for r in rows if r["status"] == "same data"]
    other = [r for r in rows if r["status"] != "same data"]
    summary = {"same_data": [sum(r["agree"] for r in same), len(same)],
               "other": [sum(r["agree"] for r in other), len(other)]}
    if quality in LANDMARKERS:
        for key, part in (("same_data", same), ("other", other)):
            diffs = [abs(r["ours"] - r["openml"]) for r in part if not math.isnan(r["ours"])]
            summary[f"mad_{key}"] = float(np.mean(diffs)) if diffs else None
            summary[f"max_{key}"] = float(np.max(diffs)) if diffs else None
    bad = sorted((r for r in rows if not r["agree"]),
                 key=lambda r: (r["status"] != "same data",
                                -_relative(r["ours"], r["openml"])))
    summary["disagreements"] = [{k: r[k] for k in ("dataset", "status", "ours", "openml",
                                                   "reason", "cause")} for r in bad]
    return summary


def _relative(ours, theirs):
    if math.isnan(ours):
        return math.inf
    return abs(ours - theirs) / max(abs(theirs), ATOL)


def format_text(report, worst=3):
    """Human-readable report: datasets, then one line per quality."""
    out = []
    statuses = pd.Series([d["status"] for d in report["datasets"]]).value_counts()
    out.append(f"OpenML qualities check: {len(report['datasets'])} datasets with reference "
               f"values ({', '.join(f'{k}: {v}' for k, v in statuses.items())})")
    out.append("")
    for d in report["datasets"]:
        extra = "; ".join(d["differences"] + d["notes"])
        out.append(f"  {d['name']:<22} {d['openml_id']:>6}  {d['status']:<16} {d['seconds']:6.2f}s"
                   + (f"  {extra}" if extra else ""))
    out.append("")
    out.append(f"{'quality':<40} {'same data':>10} {'other':>8}  worst offenders "
               "(dataset: ours vs OpenML)")
    for q, s in report["qualities"].items():
        same, other = s["same_data"], s["other"]
        line = f"{q:<40} {same[0]:>4}/{same[1]:<5} {other[0]:>3}/{other[1]:<4}"
        if q in LANDMARKERS:
            line += "  mean |diff| same data " + _fmt(s["mad_same_data"]) + ", other " + \
                _fmt(s["mad_other"])
        worst_rows = s["disagreements"][:worst]
        if worst_rows:
            line += "  " + "; ".join(f"{r['dataset']}: {_fmt(r['ours'])} vs {_fmt(r['openml'])}"
                                     for r in worst_rows)
        out.append(line)
    out.append("")
    out.append("Disagreements on same-data datasets, grouped by dataset and cause:")
    groups = {}
    for q, s in report["qualities"].items():
        for r in s["disagreements"]:
            if r["status"] == "same data":
                kind = "landmarker" if q in LANDMARKERS else "quality"
                groups.setdefault((kind, r["dataset"], r["cause"]), []).append(q)
    for (kind, dataset, why), qualities in sorted(groups.items()):
        out.append(f"  [{kind}] {dataset}: {why}")
        out.append(f"      {len(qualities)}: {', '.join(qualities)}")
    if not groups:
        out.append("  none")
    unexplained = sum(len(v) for k, v in groups.items() if k[2] == "unexplained")
    out.append(f"Unexplained disagreements: {unexplained}")
    return "\n".join(out)


def _fmt(x):
    return "None" if x is None else ("nan" if math.isnan(x) else f"{x:.6g}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m metabase.check_qualities",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, default=SHARED / "datasets",
                        help="folder with MANIFEST.csv and *.csv.gz (default: ../shared/datasets)")
    parser.add_argument("--reference", type=Path, default=None,
                        help="folder with OpenML's values (default: DATASETS/../reference)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--only", default=None, help="comma-separated dataset names")
    parser.add_argument("--no-landmarkers", action="store_true", help="skip the landmarkers")
    parser.add_argument("--max-rows-landmarkers", type=int, default=50000)
    parser.add_argument("--max-rows-knn", type=int, default=20000)
    args = parser.parse_args(argv)
    if not (args.datasets / "MANIFEST.csv").exists():
        print(f"skipped: no datasets at {args.datasets} (expected MANIFEST.csv and *.csv.gz)")
        return 0
    reference = args.reference or args.datasets.parent / "reference"
    if not (reference / "openml_qualities_lcdb.csv").exists():
        print(f"skipped: no OpenML reference values at {reference} "
              "(expected openml_qualities_lcdb.csv)")
        return 0
    report = run(args.datasets, reference, args.only.split(",") if args.only else None,
                 not args.no_landmarkers, args.max_rows_landmarkers, args.max_rows_knn)
    if args.json:
        print(json.dumps(_clean(report), indent=1))
    else:
        print(format_text(report))
    return 0


def _clean(x):
    """NaN -> None and numpy scalars -> Python, recursively, for strict JSON."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (float, np.floating)):
        return None if math.isnan(x) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    return x


if __name__ == "__main__":
    sys.exit(main())
