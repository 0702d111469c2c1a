"""Click parameter types for values such as ``--time-budget 10m`` or ``--memory-limit 4G``."""

from __future__ import annotations

import re

import click

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*(ms|s|sec|m|min|h)?\s*$", re.IGNORECASE)
_UNITS = {None: 1, "s": 1, "sec": 1, "ms": 0.001, "m": 60, "min": 60, "h": 3600}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([KMGT]?)(i?B)?\s*$", re.IGNORECASE)


class Duration(click.ParamType):
    """Seconds from ``90``, ``90s``, ``1.5m``, ``10m`` or ``1h``."""

    name = "duration"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            seconds = float(value)
        else:
            m = _DURATION.match(str(value))
            if not m:
                self.fail(f"{value!r} is not a duration: use e.g. 90, 90s, 10m or 1h", param, ctx)
            unit = m.group(2).lower() if m.group(2) else None
            seconds = float(m.group(1)) * _UNITS[unit]
        if seconds <= 0:
            self.fail(f"{value!r}: the duration must be positive", param, ctx)
        return seconds


class ByteSize(click.ParamType):
    """Bytes from ``4G``, ``512M``, ``2GiB`` or a plain number of bytes."""

    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        m = _SIZE.match(str(value))
        if not m:
            self.fail(f"{value!r} is not a size: use e.g. 512M or 4G", param, ctx)
        power = " KMGT".index(m.group(2).upper() or " ")
        size = int(float(m.group(1)) * 1024 ** power)
        if size < 64 * 2 ** 20:
            self.fail(f"{value!r}: at least 64M is needed to train anything", param, ctx)
        return size


DURATION = Duration()
BYTE_SIZE = ByteSize()
