"""A wall-clock budget shared by the steps of one run."""

from __future__ import annotations

import time


class Budget:
    """Seconds left until a deadline; ``seconds=None`` means no time limit."""

    def __init__(self, seconds: float | None, start: float | None = None):
        self.seconds = seconds
        self.start = time.monotonic() if start is None else start

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start

    @property
    def left(self) -> float:
        if self.seconds is None:
            return float("inf")
        return self.seconds - self.elapsed

    def timeout(self, reserve: float = 0.0) -> float | None:
        """Seconds a step may take now, keeping ``reserve`` for later steps."""
        if self.seconds is None:
            return None
        return max(0.0, self.left - reserve)
