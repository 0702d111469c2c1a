"""Drift: a compact profile of the training table, and how far a batch has moved from it.

The profile (``profile.json`` in the model directory) holds, per numeric column,
the training deciles (4 significant digits) with the share of rows in each of the
10 bins they make, the range and the missing rate; per categorical column the
shares of its 20 most frequent levels, of the other levels and of missing cells;
and a few of the table's OpenML meta-features. At most 200,000 rows (a seeded
sample) are profiled. Date columns are not compared: they move by nature.

A batch is binned the same way, chunk by chunk (memory bounded by the columns, not
the rows), and each column is compared with its training bins (missing cells and,
for categoricals, levels unseen at fit time being bins of their own) by

- the population stability index, PSI = sum over bins of (b - t) ln(b / t), with
  shares smoothed by half a row per bin: 0.1 and above is a "moderate" shift,
  0.25 and above a "major" one (the usual credit-scoring thresholds);
- a chi-square test of homogeneity on the same bins, so that a small batch or a
  small training table, whose PSI is noisy, does not alarm: a column counts as
  drifted only when its PSI is at least 0.1 *and* its p-value is below
  ``ALPHA / number of columns compared`` (Bonferroni: at most a 1 % chance that
  a batch from the training distribution has any column flagged).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
ALPHA = 0.01
BINS = 10
TOP_LEVELS = 20
PROFILE_ROWS = 200_000
PROFILE_VERSION = 1
#: cells converted at a time: bounds the profile's extra memory on wide tables
BLOCK_CELLS = 5_000_000
SHOWN = 10          # undrifted columns listed in a report, by PSI


def _round(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def training_profile(frame: pd.DataFrame, schema: dict, seed: int = 0) -> dict:
    """The profile of a raw training feature table typed by ``schema``."""
    from metabase import prepare_frame

    if len(frame) > PROFILE_ROWS:
        frame = frame.sample(PROFILE_ROWS, random_state=seed)
    cols = _profiled(schema)
    # plain numeric columns are read as they are, in blocks (fast on wide tables); the
    # others go through prepare_frame, as predict will see them
    plain = [c["name"] for c in cols if c["kind"] == "numeric" and not c.get("coerce")]
    fast = set(plain)
    other = [c for c in cols if c["name"] not in fast]
    numeric, categorical = {}, {}
    any_missing = np.zeros(len(frame), dtype=bool)
    step = max(1, BLOCK_CELLS // max(len(frame), 1))
    for i in range(0, len(plain), step):
        names = plain[i:i + step]
        block = np.array(frame[names].to_numpy(dtype=float, na_value=np.nan))   # writable
        block[~np.isfinite(block)] = np.nan          # prepare_frame makes ±inf missing
        any_missing |= np.isnan(block).any(axis=1)
        numeric.update(zip(names, _numeric_block(block)))
    if other:
        X, _ = prepare_frame(frame, {"columns": other, "features": [c["name"] for c in other]})
        for col in other:
            s = X[col["name"]]
            any_missing |= s.isna().to_numpy()
            if col["kind"] == "numeric":
                numeric[col["name"]] = _numeric_block(s.to_numpy(dtype=float)[:, None])[0]
            else:
                categorical[col["name"]] = _categorical_profile(s)
    return {"version": PROFILE_VERSION, "rows": int(len(frame)), "numeric": numeric,
            "categorical": categorical,
            "meta": _meta(len(frame), numeric, categorical, any_missing)}


def _profiled(schema: dict) -> list[dict]:
    return [c for c in schema["columns"] if c["used"] and c["kind"] != "datetime"]


def _numeric_block(block: np.ndarray) -> list[dict]:
    """Profiles of the columns of a float block (NaN: missing), quantiles vectorised."""
    n, m = block.shape
    ordered = np.sort(block, axis=0)                 # NaN last
    k = (~np.isnan(block)).sum(axis=0)
    top = np.maximum(k - 1, 0)
    pos = (np.arange(1, BINS) / BINS)[:, None] * top[None, :]     # numpy's "linear"
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, top[None, :])
    at = np.arange(m)[None, :]
    qs = ordered[lo, at] + (ordered[hi, at] - ordered[lo, at]) * (pos - lo)
    out = []
    for j in range(m):
        finite = ordered[:k[j], j]
        p = {"missing": _round(1 - k[j] / max(n, 1)), "edges": [],
             "p": [_round(k[j] / max(n, 1))]}
        if k[j]:
            # the bins are made with the rounded edges, so that a batch is binned alike
            edges = sorted({_round(q) for q in qs[:, j]})
            counts = np.bincount(np.searchsorted(edges, finite, side="left"),
                                 minlength=len(edges) + 1)
            p.update(edges=edges, p=[_round(c / n) for c in counts],
                     min=_round(finite[0], 6), max=_round(finite[-1], 6))
        out.append(p)
    return out


def _categorical_profile(s: pd.Series) -> dict:
    n = max(len(s), 1)
    counts = s.value_counts(dropna=True)
    top = counts.head(TOP_LEVELS)
    return {"missing": _round(s.isna().sum() / n), "levels": [str(k) for k in top.index],
            "p": [_round(c / n) for c in top.to_numpy()],
            "other": _round((counts.sum() - top.sum()) / n)}


def _meta(rows: int, numeric: dict, categorical: dict, any_missing: np.ndarray) -> dict:
    """A few OpenML meta-features of the profiled columns (names as OpenML spells them)."""
    rates = [p["missing"] for p in (*numeric.values(), *categorical.values())]
    return {"NumberOfInstances": rows, "NumberOfFeatures": len(rates),
            "NumberOfNumericFeatures": len(numeric),
            "NumberOfSymbolicFeatures": len(categorical),
            "PercentageOfMissingValues": _round(100 * float(np.mean(rates)) if rates else 0.0),
            "PercentageOfInstancesWithMissingValues":
                _round(100 * float(any_missing.mean()) if rows else 0.0)}


class DriftMonitor:
    """Accumulates batch chunks (as ``metabase.prepare_frame`` returns them) against a
    training profile; ``report()`` compares them."""

    def __init__(self, profile: dict, schema: dict):
        self.profile = profile
        self.rows = 0
        self.missing_cells = 0
        self.rows_with_missing = 0
        # the schema lists every level up to a limit: then "unseen" is known exactly
        vocab = {c["name"]: c["categories"] for c in schema["columns"]
                 if c.get("categories") is not None
                 and len(c["categories"]) >= c.get("n_unique", 0)}
        self.num = {k: np.zeros(len(p["p"]) + 3, dtype=np.int64)    # bins, missing, <, >
                    for k, p in profile["numeric"].items()}
        self.cat = {k: np.zeros(len(p["levels"]) + 3, dtype=np.int64)  # levels, other,
                    for k, p in profile["categorical"].items()}         # unseen, missing
        self.vocab = {k: set(map(str, v)) for k, v in vocab.items() if k in self.cat}

    def update(self, X: pd.DataFrame) -> None:
        cols = [c for c in list(self.num) + list(self.cat) if c in X]
        self.rows += len(X)
        if cols:
            na = X[cols].isna().to_numpy()
            self.missing_cells += int(na.sum())
            self.rows_with_missing += int(na.any(axis=1).sum())
        for name, acc in self.num.items():
            if name in X:
                self._update_numeric(name, X[name].to_numpy(dtype=float), acc)
        for name, acc in self.cat.items():
            if name in X:
                self._update_categorical(name, X[name], acc)

    def _update_numeric(self, name, v, acc):
        p = self.profile["numeric"][name]
        finite = v[np.isfinite(v)]
        k = len(p["p"])
        acc[:k] += np.bincount(np.searchsorted(p["edges"], finite, side="left"), minlength=k)
        acc[k] += len(v) - len(finite)
        if "min" in p:
            acc[k + 1] += int((finite < p["min"]).sum())
            acc[k + 2] += int((finite > p["max"]).sum())

    def _update_categorical(self, name, s, acc):
        levels = self.profile["categorical"][name]["levels"]
        k = len(levels)
        present = s.dropna().astype(str)
        codes = pd.Index(levels).get_indexer(present)
        acc[:k] += np.bincount(codes[codes >= 0], minlength=k)
        rest = present[codes < 0]
        vocab = self.vocab.get(name)
        unseen = 0 if vocab is None else int((~rest.isin(vocab)).sum())
        acc[k] += len(rest) - unseen
        acc[k + 1] += unseen
        acc[k + 2] += len(s) - len(present)

    def report(self) -> dict:
        """Per column PSI and p-value, the drifted columns, the meta-features."""
        n_train = self.profile["rows"]
        results = {}
        for name, acc in self.num.items():
            results[name] = _numeric_result(self.profile["numeric"][name], acc, n_train)
        for name, acc in self.cat.items():
            results[name] = _categorical_result(self.profile["categorical"][name], acc,
                                                n_train, name in self.vocab)
        alpha = ALPHA / max(len(results), 1)
        for r in results.values():
            r["level"] = ("major" if r["psi"] >= PSI_MAJOR else "moderate"
                          if r["psi"] >= PSI_MODERATE else None)
            r["drifted"] = r["level"] is not None and r["p_value"] < alpha
        ranked = sorted(results, key=lambda c: -results[c]["psi"])
        drifted = [c for c in ranked if results[c]["drifted"]]
        shown = drifted + [c for c in ranked if c not in drifted][:SHOWN]
        return {"status": "drift" if drifted else "none", "rows": self.rows,
                "columns_compared": len(results), "drifted": drifted,
                "columns": {c: results[c] for c in shown},
                "thresholds": {"psi_moderate": PSI_MODERATE, "psi_major": PSI_MAJOR,
                               "alpha": ALPHA, "p_value_below": _round(alpha, 3)},
                "meta": {"train": self.profile["meta"], "batch": self._batch_meta()}}

    def _batch_meta(self) -> dict:
        cells = max(self.rows * (len(self.num) + len(self.cat)), 1)
        return {"NumberOfInstances": self.rows,
                "PercentageOfMissingValues": _round(100 * self.missing_cells / cells),
                "PercentageOfInstancesWithMissingValues":
                    _round(100 * self.rows_with_missing / max(self.rows, 1))}


def _numeric_result(p: dict, acc: np.ndarray, n_train: int) -> dict:
    k = len(p["p"])
    train = np.array(p["p"] + [p["missing"]]) * n_train
    batch = acc[:k + 1]
    n = max(int(batch.sum()), 1)
    out = _compare(train, batch, "numeric")
    out.update(missing_train=p["missing"], missing_batch=_round(batch[k] / n))
    if "min" in p:
        out.update(below_range=_round(acc[k + 1] / n), above_range=_round(acc[k + 2] / n))
    return out


def _categorical_result(p: dict, acc: np.ndarray, n_train: int, closed: bool) -> dict:
    k = len(p["levels"])
    train = np.array(p["p"] + [p["other"], 0.0, p["missing"]]) * n_train
    batch = acc.copy()
    if not closed:                 # no complete vocabulary: unseen cannot be told apart
        batch[k] += batch[k + 1]
        batch[k + 1] = 0
    n = max(int(batch.sum()), 1)
    out = _compare(train, batch, "categorical")
    out.update(missing_train=p["missing"], missing_batch=_round(batch[k + 2] / n),
               unseen=_round(batch[k + 1] / n) if closed else None)
    return out


def _compare(train: np.ndarray, batch: np.ndarray, kind: str) -> dict:
    keep = (train > 0) | (batch > 0)
    t, b = train[keep], batch[keep].astype(float)
    if b.sum() == 0 or len(t) < 2:
        return {"kind": kind, "psi": 0.0, "p_value": 1.0}
    ts = (t + 0.5) / (t.sum() + 0.5 * len(t))
    bs = (b + 0.5) / (b.sum() + 0.5 * len(b))
    psi = float(np.sum((bs - ts) * np.log(bs / ts)))
    return {"kind": kind, "psi": _round(psi, 3), "p_value": _chi2_p(t, b)}


def _chi2_p(t: np.ndarray, b: np.ndarray) -> float:
    """p-value of the chi-square test that two count vectors share one distribution."""
    from scipy.stats import chi2

    total = t.sum() + b.sum()
    col = t + b
    stat = 0.0
    for row in (t, b):
        expected = row.sum() * col / total
        stat += float(np.sum((row - expected) ** 2 / expected))
    return float(f"{chi2.sf(stat, len(t) - 1):.3g}")


def compare(profile: dict, batch: pd.DataFrame, schema: dict) -> dict:
    """The drift report of a raw batch (all in memory; ``predict`` streams instead)."""
    from metabase import prepare_frame

    monitor = DriftMonitor(profile, schema)
    monitor.update(prepare_frame(batch, schema)[0])
    return monitor.report()


def drift_warning(report: dict, shown: int = 5) -> str | None:
    """One line naming the drifted columns, or None."""
    names = report.get("drifted") or []
    if not names:
        return None
    parts = [f"{n!r} ({_describe(report['columns'][n])})" for n in names[:shown]]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return (f"drift: {len(names)} of {report['columns_compared']} columns moved from the "
            f"training data (PSI >= {PSI_MODERATE} and beyond sampling noise): "
            + ", ".join(parts) + more + "; see --json for all figures")


def _describe(r: dict) -> str:
    bits = [f"PSI {r['psi']:.2f}, {r['level']}"]
    outside = (r.get("below_range") or 0) + (r.get("above_range") or 0)
    if outside >= 0.01:
        bits.append(f"{_pct(outside)} outside the training range")
    if r.get("unseen"):
        bits.append(f"{_pct(r['unseen'])} unseen categories")
    if abs(r["missing_batch"] - r["missing_train"]) >= 0.05:
        bits.append(f"missing {_pct(r['missing_train'])} -> {_pct(r['missing_batch'])}")
    return "; ".join(bits)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if x >= 0.01 or x == 0 else f"{100 * x:.1g}%"


def unavailable(reason: str) -> dict:
    return {"status": "unavailable", "reason": reason}

