"""The final model as a weighted blend of the search's trials.

Greedy ensemble selection (Caruana et al. 2004, with replacement, as auto-sklearn and
AutoGluon do) over the trials' out-of-fold predictions on the search's shared folds:
each round adds the trial that most improves the run's metric of the blend, and the
selection stops when none does. A classifier's blend gets a small share of the class
priors (scikit-learn's ``DummyClassifier(strategy="prior")`` as one more member), chosen
on the same predictions, so that no class seen at fit time ever gets probability 0 or 1.

The blend is a plain scikit-learn ``VotingClassifier`` (soft) or ``VotingRegressor`` with
weights, of the members' pipelines, each fitted on all rows or bagged (its k fold models
of the search, averaged; ``assemble`` builds the blend).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from metabase import METRICS

#: Shares of the class priors tried (the smallest kept even when it does not help, so
#: that no probability is 0 or 1): a blend of confident trees needs more on small tables.
PRIOR_SHARES = (1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
#: Rounds of selection by default (``--ensemble-size``); the selection usually stops
#: before, when no trial improves the blend.
DEFAULT_SIZE = 25


@dataclass
class Ensemble:
    members: list               # Trials, by weight (largest first)
    weights: list               # summing to 1 over the members
    prior: float                # share of the class priors (0: none, regression or size 1)
    score: float                # the run's metric of the blend, out of fold on the search
    #: trial number -> how its member was made for the saved model ("bagged": its fold
    #: models; "refit": on all rows); empty until ``_final.finish``
    how: dict = field(default_factory=dict)
    #: inverse temperature of the saved model's probabilities (``_calibrate``), or None
    temperature: float | None = None

    def predictions(self, y, classes):
        """The blend's out-of-fold predictions on the search rows (``y``: their targets):
        probabilities (rows x classes) or values, float32; None where a member lost its."""
        if any(t.oof is None for t in self.members):
            return None
        return self._blend(y, classes).astype(np.float32)

    def _blend(self, y, classes):
        blend = sum(w * t.oof.astype(np.float64) for t, w in zip(self.members, self.weights))
        blend = _with_prior(blend, y, classes, self.prior) if self.prior else blend
        if self.temperature is not None:
            from ._calibrate import scaled

            blend = scaled(blend, self.temperature)
        return blend

    def describe(self) -> list[dict]:
        return [{"trial": t.number, "family": t.config["family"], "config": t.config,
                 "weight": round(w, 4), "score": t.score, "final": self.how.get(t.number)}
                for t, w in zip(self.members, self.weights)]


def scorer(metric: str, y, classes):
    """``score(predictions) -> float`` for out-of-fold predictions of ``y``: vectorised
    forms of the common metrics (the selection scores hundreds of blends), else the
    metric's own function."""
    y = np.asarray(y)
    fn = METRICS[metric].fn
    if metric == "log_loss":
        idx = np.searchsorted(np.asarray(classes), y) if _sorted(classes) else \
            np.array([list(classes).index(v) for v in y])
        rows = np.arange(len(y))
        return lambda p: float(-np.mean(np.log(np.clip(
            p[rows, idx] / np.clip(p.sum(axis=1), 1e-15, None), 1e-15, 1.0))))
    if metric == "roc_auc" and len(classes) == 2:
        pos = y == classes[1]
        n_pos, n_neg = int(pos.sum()), int((~pos).sum())
        if n_pos == 0 or n_neg == 0:
            return lambda p: float("nan")
        from scipy.stats import rankdata

        return lambda p: float((rankdata(p[:, 1])[pos].sum() - n_pos * (n_pos + 1) / 2)
                               / (n_pos * n_neg))
    if metric == "r2":
        ss = float(((y - y.mean()) ** 2).sum()) or 1.0
        return lambda p: float(1 - ((y - p) ** 2).sum() / ss)
    if METRICS[metric].task == "classification":
        labels = np.asarray(classes, dtype=object)
        return lambda p: fn(y, labels[p.argmax(axis=1)], p, classes)
    return lambda p: fn(y, p, None, None)


def _sorted(classes) -> bool:
    c = list(classes)
    return all(a < b for a, b in zip(c, c[1:]))


def select(trials: list, y, classes, metric: str, size: int) -> Ensemble:
    """The blend of at most ``size`` rounds over the trials with predictions."""
    better = METRICS[metric].better
    pool = [t for t in trials if t.status == "ok" and t.oof is not None
            and np.isfinite(t.oof).all()]
    if not pool:
        raise ValueError("no trial with out-of-fold predictions")
    best = functools.reduce(lambda a, b: b if better(b.score, a.score) else a, pool)
    if size <= 1:
        return Ensemble([best], [1.0], 0.0, best.score)
    score = scorer(metric, y, classes)
    preds = [t.oof.astype(np.float64) for t in pool]
    total, counts, current = np.zeros_like(preds[0]), np.zeros(len(pool)), None
    for n in range(size):
        scores = [score((total + p) / (n + 1)) for p in preds]
        j = functools.reduce(lambda a, b: b if better(scores[b], scores[a]) else a,
                             range(len(pool)))
        if current is not None and not better(scores[j], current):
            break
        total += preds[j]
        counts[j] += 1
        current = scores[j]
    order = [i for i in np.argsort(-counts, kind="stable") if counts[i] > 0]
    weights = [float(counts[i] / counts.sum()) for i in order]
    members = [pool[i] for i in order]
    blend = total / counts.sum()
    prior, current = _prior_share(blend, y, classes, metric, current)
    return Ensemble(members, weights, prior, current)


def _prior_share(blend, y, classes, metric: str, current: float):
    """The share of the class priors that scores the blend best (ties: the smallest)."""
    if METRICS[metric].task != "classification":
        return 0.0, current
    score, better = scorer(metric, y, classes), METRICS[metric].better
    best_share, best_score = None, None
    for share in PRIOR_SHARES:
        s = score(_with_prior(blend, y, classes, share))
        if best_score is None or better(s, best_score):
            best_share, best_score = share, s
    return best_share, best_score


def reweighted(ens: Ensemble, kept: list, y, classes, metric: str) -> Ensemble:
    """The ensemble of the members in ``kept`` (those whose refit finished), weights
    renormalised and its out-of-fold score recomputed: what is reported is what is saved."""
    members = [t for t in ens.members if t in kept]
    weights = np.array([w for t, w in zip(ens.members, ens.weights) if t in kept])
    weights = (weights / weights.sum()).tolist()
    if len(members) == len(ens.members):
        return ens
    kept_ens = Ensemble(members, weights, ens.prior, float("nan"))
    kept_ens.score = scorer(metric, y, classes)(kept_ens._blend(y, classes))
    return kept_ens


def _with_prior(blend, y, classes, share: float):
    """``blend`` with ``share`` of the class priors (the ``DummyClassifier`` member)."""
    prior = np.array([np.mean(np.asarray(y) == c) for c in classes])
    return (blend + share * prior) / (1 + share)


def _names(ens: Ensemble) -> list[str]:
    return [f"{i}-{t.config['family']}" for i, t in enumerate(ens.members)]


def unfitted(ens: Ensemble, pipelines: list, task: str):
    """The blend as an unfitted scikit-learn estimator (for cross-validating it), or the
    single pipeline itself."""
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import VotingClassifier, VotingRegressor

    if len(pipelines) == 1 and not ens.prior:
        return pipelines[0]
    estimators = list(zip(_names(ens), pipelines))
    weights = list(ens.weights)
    if task == "regression":
        return VotingRegressor(estimators, weights=weights)
    if ens.prior:
        estimators.append(("prior", DummyClassifier(strategy="prior")))
        weights.append(ens.prior)
    return VotingClassifier(estimators, voting="soft", weights=weights)


def assemble(ens: Ensemble, fitted: list, task: str, X, y):
    """The blend of members already fitted, as the fitted scikit-learn estimator that
    ``fit`` on the same rows would give. ``fitted`` has one entry per member: a model
    refitted on all rows ``(X, y)``, or the list of its k fold models (k-fold bagging, as
    AutoGluon does: the member is their mean, each a voter of 1/k of its weight).
    ``VotingClassifier``'s own fit refits every member, which the time budget cannot always
    afford, so its fitted attributes are set here from the members (each fitted in its own
    stoppable process)."""
    from sklearn.base import clone
    from sklearn.ensemble import VotingClassifier, VotingRegressor

    parts = [f if isinstance(f, list) else [f] for f in fitted]
    if len(parts) == 1 and len(parts[0]) == 1 and not ens.prior:
        return parts[0][0]
    names, members, weights = [], [], []
    for name, w, models in zip(_names(ens), ens.weights, parts):
        for j, m in enumerate(models):
            names.append(name if len(models) == 1 else f"{name}-fold{j}")
            members.append(m)
            weights.append(w / len(models))
    if task == "classification" and ens.prior:
        from sklearn.dummy import DummyClassifier

        names.append("prior")
        members.append(DummyClassifier(strategy="prior").fit(X, y))
        weights.append(ens.prior)
    # ``estimators`` holds unfitted clones, as after scikit-learn's own fit: a model
    # persisted by skops is saved once per reference, and the fitted ones are already in
    # ``estimators_`` and ``named_estimators_``
    estimators = [(n, clone(m)) for n, m in zip(names, members)]
    model = (VotingRegressor(estimators, weights=weights) if task == "regression"
             else VotingClassifier(estimators, voting="soft", weights=weights))
    return _prefitted(model, members, task, y)


def _prefitted(model, members: list, task: str, y):
    """``model`` (an unfitted ``Voting*``) with its fitted attributes set from ``members``."""
    from sklearn.preprocessing import LabelEncoder
    from sklearn.utils import Bunch

    model.estimators_ = members
    model.named_estimators_ = Bunch(**dict(zip([n for n, _ in model.estimators], members)))
    if task == "classification":
        model.le_ = LabelEncoder().fit(y)
        model.classes_ = model.le_.classes_
    return model
