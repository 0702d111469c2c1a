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

    def grace_timeout(self, reserve: float = 0.0) -> float | None:
        """``timeout(reserve)`` plus the slack of the promised bound (wall <= budget x 1.05
        + 2 s), less 0.5 s: for the one step without which there is no model (the refit)."""
        t = self.timeout(reserve)
        return None if t is None else t + 0.05 * self.seconds + 1.5
