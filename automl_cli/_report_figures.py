"""The report's figures: matplotlib (Agg, no display, no pyplot state), each returned as
a ``data:image/png;base64,...`` URI so that the HTML file holds them all.

Every function takes plain values (lists, arrays) and returns one URI; none reads
files or the network.
"""

from __future__ import annotations

import base64
import io

import numpy as np

#: points drawn at most in a scatter (a seeded sample above)
MAX_POINTS = 5000
DPI = 100
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]
PHASE_COLOURS = {"prepare": "#8c9eff", "profile": "#e377c2", "recommend": "#b388ff",
                 "search": "#1f77b4",
                 "ensemble": "#17becf", "refit": "#2ca02c", "final_cv": "#ff7f0e",
                 "other": "#bdbdbd"}


def _figure(width: float = 7.0, height: float = 4.0):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig, fig.add_subplot()


def _uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def family_colours(families) -> dict:
    """One colour per family, in order of first appearance."""
    out: dict = {}
    for f in families:
        if f not in out:
            out[f] = PALETTE[len(out) % len(PALETTE)]
    return out


def first_recommended(trials: list[dict]) -> dict | None:
    """The first successful trial of a config the metabase recommended."""
    return next((t for t in trials if t.get("source") == "recommended"
                 and t.get("status") == "ok"), None)


def search_progress(trials: list[dict], metric: str, greater: bool, final: float | None) -> str:
    """Score against seconds into the run, one colour per family; the best so far as a
    step line; the first recommendation ringed; the saved model's score dashed."""
    fig, ax = _figure(8, 4.2)
    ok = [t for t in trials if t.get("status") == "ok" and t.get("score") is not None
          and t.get("finished") is not None]
    colours = family_colours(t["family"] for t in ok)
    for fam, colour in colours.items():
        pts = [t for t in ok if t["family"] == fam]
        ax.scatter([t["finished"] for t in pts], [t["score"] for t in pts], s=36,
                   color=colour, label=fam, zorder=3, edgecolor="white", linewidth=0.5)
    if ok:
        order = sorted(ok, key=lambda t: t["finished"])
        best, xs, ys = None, [], []
        for t in order:
            if best is None or (t["score"] > best if greater else t["score"] < best):
                best = t["score"]
            xs.append(t["finished"])
            ys.append(best)
        ax.step(xs, ys, where="post", color="#333333", linewidth=1.2, label="best so far")
        first = first_recommended(ok)
        if first is not None:
            ax.scatter([first["finished"]], [first["score"]], s=160, facecolor="none",
                       edgecolor="#d62728", linewidth=1.5, zorder=4,
                       label=f"first recommendation ({first['score']:.4f})")
    if final is not None:
        ax.axhline(final, color="#d62728", linestyle="--", linewidth=1,
                   label=f"saved model ({final:.4f})")
    ax.set_xlabel("seconds into the run (when the trial finished)")
    ax.set_ylabel(metric + ("" if greater else " (lower is better)"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best", ncol=2)
    return _uri(fig)


def phases(timings: dict, budget: float | None) -> str:
    """The run's seconds by phase, as one stacked bar (the budget as a line)."""
    fig, ax = _figure(8, 2.4)
    total = float(timings.get("total") or 0.0)
    parts = [(k, float(v)) for k, v in timings.items()
             if k != "total" and v is not None and float(v) > 0]
    rest = total - sum(v for _, v in parts)
    if rest > 0.01:
        parts.append(("other", rest))      # start-up, reading the table, the manifest
    left = 0.0
    for name, seconds in parts:
        ax.barh([0], [seconds], left=left, color=PHASE_COLOURS.get(name, "#bcbd22"),
                edgecolor="white", label=f"{name} {seconds:.1f} s")
        left += seconds
    if budget:
        ax.axvline(budget, color="#d62728", linestyle="--", linewidth=1,
                   label=f"budget {budget:g} s")
    ax.set_yticks([])
    ax.set_xlabel("seconds")
    ax.set_xlim(0, max(left, budget or 0) * 1.02 or 1)
    fig.legend(fontsize=8, ncol=4, loc="outside lower center", frameon=False)
    return _uri(fig)


def confusion(y_idx: np.ndarray, proba: np.ndarray, classes: list) -> str:
    """Counts of (true class, predicted class); colour by share of the true class."""
    k = len(classes)
    pred = proba.argmax(axis=1)
    m = np.zeros((k, k), dtype=int)
    np.add.at(m, (y_idx, pred), 1)
    share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    size = min(9.0, 2.8 + 0.45 * k)
    fig, ax = _figure(size + 1.8, size)
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    if k <= 15:
        for i in range(k):
            for j in range(k):
                ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=9,
                        color="white" if share[i, j] > 0.5 else "black")
    labels = [str(c)[:14] for c in classes]
    ax.set_xticks(range(k), labels, rotation=45 if k > 4 else 0, ha="right" if k > 4 else "center")
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    fig.colorbar(im, ax=ax, shrink=0.8, label="share of the true class")
    return _uri(fig)


def roc(y_idx: np.ndarray, proba: np.ndarray, classes: list) -> str:
    """ROC curve of the positive class (the second), with its area."""
    from sklearn.metrics import roc_auc_score, roc_curve

    pos = y_idx == 1
    fpr, tpr, _ = roc_curve(pos, proba[:, 1])
    auc = roc_auc_score(pos, proba[:, 1])
    fig, ax = _figure(5, 4.4)
    ax.plot(fpr, tpr, color="#1f77b4", linewidth=1.8, label=f"ROC (area {auc:.4f})")
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="chance")
    ax.set_xlabel(f"false positive rate (not {classes[1]!s} predicted {classes[1]!s})")
    ax.set_ylabel(f"true positive rate ({classes[1]!s} found)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    return _uri(fig)


def reliability(y_idx: np.ndarray, proba: np.ndarray, classes: list, bins: int = 10) -> str:
    """Predicted probability against observed frequency, in quantile bins: of the positive
    class (binary) or of the predicted class (multiclass: top-label confidence)."""
    if len(classes) == 2:
        conf, hit = proba[:, 1], (y_idx == 1).astype(float)
        what = f"predicted probability of {classes[1]!s}"
        observed = f"observed share of {classes[1]!s}"
    else:
        conf, hit = proba.max(axis=1), (proba.argmax(axis=1) == y_idx).astype(float)
        what, observed = "confidence in the predicted class", "observed accuracy"
    edges = np.unique(np.quantile(conf, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, max(len(edges) - 2, 0))
    xs, ys, ns = [], [], []
    for b in np.unique(which):
        sel = which == b
        xs.append(conf[sel].mean())
        ys.append(hit[sel].mean())
        ns.append(int(sel.sum()))
    fig, ax = _figure(5, 4.4)
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1,
            label="perfectly calibrated")
    ax.plot(xs, ys, marker="o", color="#ff7f0e", linewidth=1.5,
            label=f"model ({len(xs)} bins of about {int(np.median(ns))} rows)")
    ax.set_xlabel(what)
    ax.set_ylabel(observed)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    return _uri(fig)


def _sample(n: int, seed: int = 0) -> np.ndarray:
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, MAX_POINTS, replace=False))


def predicted_vs_actual(y: np.ndarray, pred: np.ndarray, target: str) -> str:
    """Each row's prediction against its value, with the identity line."""
    idx = _sample(len(y))
    fig, ax = _figure(5, 4.6)
    ax.scatter(y[idx], pred[idx], s=10, alpha=0.5, color="#1f77b4", edgecolor="none")
    lo, hi = float(min(y.min(), pred.min())), float(max(y.max(), pred.max()))
    ax.plot([lo, hi], [lo, hi], color="#d62728", linestyle="--", linewidth=1,
            label="prediction = actual")
    ax.set_xlabel(f"actual {target}")
    ax.set_ylabel(f"predicted {target}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    return _uri(fig)


def residuals(y: np.ndarray, pred: np.ndarray, target: str) -> str:
    """Residuals (actual - predicted) against the prediction, and their histogram."""
    from matplotlib.figure import Figure

    res = y - pred
    idx = _sample(len(y))
    fig = Figure(figsize=(7.5, 4.2), dpi=DPI, layout="constrained")
    ax, hist = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]}, sharey=True)
    ax.scatter(pred[idx], res[idx], s=10, alpha=0.5, color="#1f77b4", edgecolor="none")
    ax.axhline(0, color="#d62728", linestyle="--", linewidth=1)
    ax.set_xlabel(f"predicted {target}")
    ax.set_ylabel("residual (actual - predicted)")
    ax.grid(alpha=0.3)
    hist.hist(res, bins=30, orientation="horizontal", color="#1f77b4", alpha=0.7)
    hist.set_xlabel("rows")
    hist.grid(alpha=0.3)
    return _uri(fig)


def importance(columns: list[dict], metric: str, top: int = 20) -> str:
    """Permutation importance by column: the mean drop as a bar, ± its spread."""
    shown = columns[:top][::-1]
    fig, ax = _figure(7, 1.2 + 0.32 * len(shown))
    names = [str(c["column"])[:30] for c in shown]
    means = [c["mean"] for c in shown]
    ax.barh(names, means, xerr=[c["std"] for c in shown], color=[
        "#1f77b4" if m > 0 else "#bdbdbd" for m in means], ecolor="#333333", capsize=3)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel(f"{metric} lost when the column is shuffled (mean ± std over repeats)")
    ax.grid(alpha=0.3, axis="x")
    return _uri(fig)
