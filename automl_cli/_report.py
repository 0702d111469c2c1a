"""Output helpers: progress on stderr, results on stdout (text or one JSON document)."""

from __future__ import annotations

import json
import math

import click


class Progress:
    """Progress lines on stderr, unless quiet."""

    def __init__(self, quiet: bool):
        self.quiet = quiet

    def __call__(self, msg: str) -> None:
        if not self.quiet:
            click.echo(msg, err=True)


def _clean(o):
    if isinstance(o, float) and (math.isnan(o) or math.isinf(o)):
        return None
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    try:
        import numpy as np
        if isinstance(o, np.generic):
            return _clean(o.item())
    except ImportError:  # pragma: no cover
        pass
    return o


def emit_json(doc: dict) -> None:
    """One JSON document on stdout (NaN as null, numpy scalars as numbers)."""
    click.echo(json.dumps(_clean(doc), indent=2, default=str))


def fmt_params(params: dict) -> str:
    return ", ".join(f"{k}={_short(v)}" for k, v in params.items())


def _short(v):
    """Floats in 4 significant digits that still read as floats (1.0, not 1: for
    max_features, 1 means one feature and 1.0 all of them)."""
    if not isinstance(v, float):
        return str(v)
    text = f"{v:.4g}"
    return text if any(c in text for c in ".einf") else text + ".0"
