"""Profile a problem and ask the metabase: shared by `recommend` and `fit`."""

from __future__ import annotations

import time

from ._errors import DataError


def advise(problem, top: int = 5, store=None, ranking: str = "meta-model"):
    """(Advice, profile seconds) for a checked problem."""
    import pandas as pd

    from metabase import StoreError, profile, recommend

    t0 = time.perf_counter()
    prof = profile(problem.X, pd.Series(problem.y, name=problem.target), task=problem.task)
    seconds = time.perf_counter() - t0
    try:
        advice = recommend(prof.values, problem.task, len(problem.y), top=top,
                           store_path=str(store) if store else None, ranking=ranking)
    except StoreError as exc:
        raise DataError(str(exc)) from None
    except LookupError as exc:
        raise DataError(f"{exc}; rebuild the metabase or use --no-metalearning") from None
    return advice, seconds
