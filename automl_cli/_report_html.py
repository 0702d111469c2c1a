"""``automl report``: one self-contained HTML file (inline CSS, figures as data URIs, no
script, nothing fetched) drawn from a model directory's files (``_report_data``).

Sections: the data, the recommendation, the search, the model (from out-of-fold
predictions only), the input columns' permutation importance, the notes.
"""

from __future__ import annotations

import html
import time

import numpy as np

from . import _report_figures as figures
from ._report_data import ReportInputs

MAX_LEADERBOARD = 40
OPENML_URL = "https://www.openml.org/d/{}"

CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:0;color:#222;
background:#f6f7f9;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{font-size:1.6em;margin:0 0 4px}h2{border-bottom:2px solid #e3e6ea;padding-bottom:4px;
margin-top:36px}h3{margin:22px 0 8px;font-size:1.05em}
.sub{color:#666;margin:0 0 16px}.kpi{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.kpi div{background:#f0f4f8;border-radius:6px;padding:8px 14px}.kpi b{display:block;
font-size:1.25em}table{border-collapse:collapse;margin:8px 0 12px;font-size:.9em}
th,td{border-bottom:1px solid #e3e6ea;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f0f4f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:12px 0;display:inline-block;vertical-align:top}figure img{max-width:100%;
border:1px solid #e3e6ea}figcaption{font-size:.85em;color:#555;max-width:720px}
.note{color:#555;font-size:.9em}code{background:#f0f4f8;padding:1px 4px;border-radius:3px}
"""


def _e(v) -> str:
    return html.escape("" if v is None else str(v))


def _f(v, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def _table(headers: list[str], rows: list[list], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f"<td class='n'>{c}</td>" if j in numeric else f"<td>{c}</td>"
        for j, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _figure(uri: str, alt: str, caption: str = "") -> str:
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"<figure><img src='{uri}' alt='{_e(alt)}'>{cap}</figure>"


def _params(config: dict | None) -> str:
    if not config:
        return ""
    from ._report import fmt_params

    return _e(f"{config['family']} ({fmt_params(config.get('params', {}))})")


def render(inputs: ReportInputs) -> str:
    """The report as one HTML document."""
    m = inputs.manifest
    title = f"automl report: {m.get('target')} ({m.get('kind')})"
    parts = [_header(inputs, title), _data(m), _recommendation(inputs), _search(m),
             _model(inputs), _importance(inputs), _notes(m)]
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>"
            + "".join(parts) + "</main></body></html>\n")


def _score(m: dict) -> tuple:
    s = (m.get("scores") or {}).get("cv", {}).get(m["metric"], {})
    return s.get("mean"), s.get("std"), s.get("source")


def _header(inputs: ReportInputs, title: str) -> str:
    m = inputs.manifest
    mean, std, source = _score(m)
    how = {"final": "fresh folds", "oof": "out of fold on the search",
           "search": "search CV (optimistic)", "unseen": "rows set apart"
           }.get(source, source or "")
    members = [e for e in m.get("ensemble") or [] if e.get("config")]
    model = (_e(m["config"]["family"]) if len(members) <= 1 and m.get("config")
             else f"ensemble of {len(members)} configs")
    hold = (m.get("scores") or {}).get("holdout")
    kpis = [("metric", m["metric"]), (f"score ({how})", f"{_f(mean)} ± {_f(std)}")]
    if hold:
        kpis.append((f"holdout ({hold.get('rows')} rows)", _f(hold.get(m["metric"]))))
    kpis += [("model", model), ("trials", (m.get("search") or {}).get("trials")),
             ("seconds", _f((m.get("timings") or {}).get("total"), 1))]
    boxes = "".join(f"<div>{_e(k)}<b>{v if k == 'model' else _e(v)}</b></div>"
                    for k, v in kpis)
    versions = ", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items() if v)
    return (f"<h1>{_e(title)}</h1><p class='sub'>{_e(inputs.where)} &middot; fitted "
            f"{_e(m.get('created'))} &middot; {_e(versions)}</p><div class='kpi'>{boxes}</div>")


def _data(m: dict) -> str:
    d, schema = m.get("data") or {}, m.get("schema") or {}
    cols = schema.get("columns", [])
    kinds: dict = {}
    for c in cols:
        kinds.setdefault(c["kind"], []).append(c)
    rows = [[_e(k), len(v), _e(", ".join(str(c["name"]) for c in v[:12])
                               + (" ..." if len(v) > 12 else ""))]
            for k, v in sorted(kinds.items(), key=lambda kv: -len(kv[1]))]
    changed = [[_e(c["name"]), _e(c["kind"]), "dropped" if not c.get("used") else "kept",
                _e(c.get("note", ""))] for c in cols if c.get("note") or not c.get("used")]
    classes = m.get("classes")
    out = [f"<h2>The data</h2><p>{_e(d.get('path'))} ({_e(d.get('format'))}): "
           f"<b>{d.get('rows')}</b> rows with a target, <b>{d.get('columns')}</b> columns; "
           f"target <code>{_e(m.get('target'))}</code>, {_e(m.get('task'))}"
           + (f" with {len(classes)} classes ({_e(', '.join(map(str, classes[:10])))})"
              if classes else "") + ".</p>",
           "<h3>Columns by kind</h3>", _table(["kind", "columns", "names"], rows, {1})]
    if changed:
        out += ["<h3>What was dropped or converted, and why</h3>",
                _table(["column", "kind", "", "why"], changed)]
    else:
        out.append("<p class='note'>No column was dropped or converted.</p>")
    return "".join(out)


def _openml(openml_id) -> str:
    if openml_id is None:
        return "ours (not on OpenML)"
    url = OPENML_URL.format(int(openml_id))
    return f"{int(openml_id)} (<a href='{url}'>{url}</a>)"


def _recommendation(inputs: ReportInputs) -> str:
    m = inputs.manifest
    rec = m.get("recommendation")
    if not rec:
        return ("<h2>The recommendation</h2><p>This fit did not use the metabase "
                "(<code>--no-metalearning</code> or no store): the search started from "
                "scikit-learn's defaults.</p>")
    out = [f"<h2>The recommendation</h2><p>{_e(rec.get('method'))}. Nearest past task at "
           f"distance {_f(rec.get('nearest_distance'), 3)} (past tasks are usually within "
           f"{_f(rec.get('typical_distance'), 3)} of their nearest neighbour)"
           + ("; <b>out of range</b>: robust defaults" if rec.get("out_of_range") else "")
           + ".</p>", _metafeatures(inputs.data.get("metafeatures"))]
    rows = [[_e(n["name"]), _openml(n.get("openml_id")), _f(n.get("distance"), 3),
             _f(n.get("weight"), 3)] for n in rec.get("neighbours", [])]
    out += ["<h3>Nearest past tasks</h3>",
            _table(["past task", "OpenML dataset", "distance", "weight"], rows, {2, 3})]
    out += ["<h3>What each config was predicted to score, and what it scored</h3>",
            _predicted_vs_scored(m, rec)]
    return "".join(out)


def _metafeatures(mf: dict | None) -> str:
    if not mf:
        return ("<p class='note'>The meta-features are not in this model directory (fit "
                "with <code>--report</code> to record them).</p>")
    if mf.get("error"):
        return f"<p class='note'>Meta-features: {_e(mf['error'])}</p>"
    nb = mf["neighbours"]
    headers = ["meta-feature", "importance", "this table"] + [n["name"] for n in nb]
    rows = [[_e(k), _f(mf["importance"].get(k), 3), _g(mf["table"].get(k))]
            + [_g(n["values"].get(k)) for n in nb] for k in mf["names"]]
    return ("<h3>The meta-features that mattered</h3><p class='note'>The recommender's most "
            "important meta-features (its surrogate's impurity importance over the past "
            "tasks), this table's values and the nearest past tasks'.</p>"
            + _table(headers, rows, set(range(1, len(headers)))))


def _g(v) -> str:
    return "n/a" if v is None else f"{v:.4g}"


def _predicted_vs_scored(m: dict, rec: dict) -> str:
    trials = {}
    for t in m.get("leaderboard", []):
        trials.setdefault(t.get("config_id"), t)
    skipped = {_params(s["config"]): s for s in m.get("skipped") or []}
    rows = []
    for r in rec.get("recommendations", [])[:15]:
        t, params = trials.get(r.get("config_id")), _params(r["config"])
        why = "not tried"
        if params in skipped and skipped[params].get("expected_seconds") is not None:
            why = f"skipped: expected {skipped[params]['expected_seconds']:.0f} s"
        rows.append([r["rank"], params, _f(r.get("predicted"), 3),
                     _f(r.get("fit_time"), 2), "" if t is None else t["trial"],
                     why if t is None else
                     (_f(t["score"]) if t["status"] == "ok" else _e(t["status"]))])
    return ("<p class='note'>Predicted: normalised score (1 = as good as the best config of "
            "similar past tasks, 0 = the worst). Scored: the search's cross-validated "
            f"{_e(m['metric'])}.</p>"
            + _table(["rank", "config", "predicted", "expected s/fit", "trial",
                      f"scored ({m['metric']})"], rows, {0, 2, 3, 4, 5}))


def _search(m: dict) -> str:
    from metabase import METRICS

    metric, s = m["metric"], m.get("search") or {}
    greater = METRICS[metric].greater_is_better
    board = m.get("leaderboard", [])
    mean = _score(m)[0]
    ok = [t for t in board if t["status"] == "ok"]
    rec = figures.first_recommended(board)
    first = ("" if not ok else f"First trial (trial {ok[0]['trial']}, {_e(ok[0]['family'])}, "
             f"{_e(ok[0]['source'])}): {metric} <b>{_f(ok[0]['score'])}</b>; ")
    if rec is not None and (not ok or rec is not ok[0]):
        first += (f"first recommendation tried (trial {rec['trial']}, {_e(rec['family'])}): "
                  f"<b>{_f(rec['score'])}</b>; ")
    out = [f"<h2>The search</h2><p>{s.get('trials')} trials, stopped by "
           f"{_e(s.get('stopped_by'))}. {first}best trial <b>{_f(s.get('best_score'))}</b>; "
           f"saved model <b>{_f(mean)}</b>.</p>",
           _figure(figures.search_progress(board, metric, greater, mean), "search progress",
                   "Each trial's cross-validated score when it finished, by family.")]
    ranked = sorted(board, key=lambda t: (t["status"] != "ok",
                                          -(t["score"] or 0) if greater else (t["score"] or 0)))
    rows = [[t["trial"], _e(t["family"]), _params({"family": t["family"],
                                                    "params": t["params"]}),
             _e(t["source"]), _e(t["status"]),
             _f(t["score"]) if t["status"] == "ok" else "", _f(t.get("seconds"), 1)]
            for t in ranked[:MAX_LEADERBOARD]]
    more = (f"<p class='note'>{len(board) - MAX_LEADERBOARD} more trials in manifest.json."
            "</p>" if len(board) > MAX_LEADERBOARD else "")
    out += ["<h3>Leaderboard</h3>",
            _table(["trial", "family", "config", "source", "status", metric, "seconds"],
                   rows, {0, 5, 6}), more, _ensemble(m), _phases(m)]
    return "".join(out)


def _ensemble(m: dict) -> str:
    rows = [[_e(e.get("trial", "")), _params(e["config"]) if e.get("config") else
             _e(e.get("family")), _f(e.get("weight")), _f(e.get("score"))]
            for e in m.get("ensemble") or []]
    return ("<h3>The saved model</h3><p class='note'>Members and weights of the blend "
            "(greedy ensemble selection on the search's out-of-fold predictions), each "
            "refit on all rows.</p>"
            + _table(["trial", "member", "weight", "search score"], rows, {2, 3}))


def _phases(m: dict) -> str:
    t = m.get("timings") or {}
    budget = (m.get("options") or {}).get("time_budget")
    rows = [[_e(k), _f(v, 2)] for k, v in t.items()]
    return ("<h3>Where the time went</h3>"
            + _figure(figures.phases(t, budget), "phases",
                      "The run's wall-clock seconds by phase (other: start-up, reading "
                      "the table, writing the manifest)" +
                      (f" (a {budget:g} s budget)." if budget else " (no time budget)."))
            + _table(["phase", "seconds"], rows, {1}))


def _model(inputs: ReportInputs) -> str:
    m, oof = inputs.manifest, inputs.oof
    out = ["<h2>The model</h2>"]
    if oof is None:
        return out[0] + ("<p>This model directory holds no out-of-fold predictions (saved "
                         "by an earlier automl, or the fit was interrupted).</p>")
    y, p = oof["y"], oof["predictions"]
    scored_by = (m.get("search") or {}).get("scored_by") or \
        f"{(m.get('options') or {}).get('cv')}-fold cross-validation"
    out.append(f"<p class='note'>From the saved blend's <b>out-of-fold</b> predictions on "
               f"{len(y)} search rows (by {html.escape(scored_by)}: each row is predicted "
               "by models fitted without it), never from rows a model was fitted on.</p>")
    if m.get("classes") is not None:
        classes = m["classes"]
        y = y.astype(int)
        out.append(_figure(figures.confusion(y, p, classes), "confusion matrix",
                           "Confusion matrix (counts; colour: share of the true class)."))
        if len(classes) == 2:
            out.append(_figure(figures.roc(y, p, classes), "ROC curve", "ROC curve."))
        out.append(_figure(figures.reliability(y, p, classes), "reliability curve",
                           "Reliability: are the probabilities what they say?"))
    else:
        target = str(m.get("target"))
        out.append(_figure(figures.predicted_vs_actual(y, p, target), "predicted vs actual",
                           "Predicted against actual."))
        out.append(_figure(figures.residuals(y, p, target), "residuals",
                           "Residuals against the prediction, and their spread."))
    return "".join(out)


def _importance(inputs: ReportInputs) -> str:
    imp = inputs.data.get("importance")
    head = "<h2>Which input columns matter</h2>"
    if not imp:
        where = _e(inputs.where or "MODEL_DIR")
        return head + ("<p>Not computed: this fit had no <code>--holdout</code>, and "
                       "importance on the rows the model was fitted on would be optimistic. "
                       f"Run <code>automl explain {where} holdout.csv</code> (or "
                       f"<code>automl report {where} --data holdout.csv</code>) on labelled "
                       "rows the model never saw.</p>")
    cols = imp["columns"]
    rows = [[_e(c["column"]), _e(c["kind"]), _f(c["mean"]), _f(c["std"])] for c in cols]
    return (head + f"<p>Permutation importance on <b>{imp['rows']}</b> rows of "
            f"{_e(imp['data'])} (never used for fitting): how much {_e(imp['metric'])} "
            f"(baseline {_f(imp['baseline'])}) worsens when a column's values are shuffled, "
            f"mean ± std over {imp['n_repeats']} repeats (seed {imp['seed']}).</p>"
            + _figure(figures.importance(cols, imp["metric"]), "permutation importance")
            + _table(["column", "kind", "mean", "std"], rows, {2, 3})
            + "".join(f"<p class='note'>{_e(n)}</p>" for n in imp.get("notes", [])))


def _notes(m: dict) -> str:
    notes = m.get("notes") or []
    items = "".join(f"<li>{_e(n)}</li>" for n in notes) or "<li>none</li>"
    return (f"<h2>Notes</h2><ul>{items}</ul><p class='note'>Generated "
            f"{_e(time.strftime('%Y-%m-%d %H:%M:%S'))} by automl; self-contained (figures "
            "embedded, nothing fetched).</p>")
