"""Property-based fuzzing of the table reader (hypothesis, fixed seed).

Whatever the bytes and whatever the name, ``load_table`` returns a table with
columns and rows, or raises ``DataError`` (one line, exit code 4): never
another exception. Valid tables of every format survive a round trip.
"""

from __future__ import annotations

import gzip
import io
import itertools
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from automl_cli._errors import DataError
from automl_cli._io import load_table

pytest.importorskip("openpyxl")

SUFFIXES = ["", ".csv", ".tsv", ".txt", ".data", ".gz", ".csv.gz", ".tsv.gz", ".parquet",
            ".arff", ".arff.gz", ".xlsx", ".xls", ".bin"]
FUZZ = settings(max_examples=250, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: examples run per test, reported by the last test of the file
COUNT: dict = {}
_names = itertools.count()


def _read(tmp: Path, name: str, content: bytes):
    path = tmp / f"f{next(_names)}{name}"
    path.write_bytes(content)
    try:
        table = load_table(path)
    except DataError as exc:
        message = str(exc)
        assert message and "\n" not in message.strip(), message
        return None
    assert table.frame.shape[0] > 0 and table.frame.shape[1] > 0
    assert all(isinstance(c, str) for c in table.frame.columns)
    return table


@pytest.fixture(scope="module")
def tmp():
    with tempfile.TemporaryDirectory(prefix="automl-fuzz-") as d:
        yield Path(d)


# -- any bytes under any name ------------------------------------------------------------------

@seed(17)
@FUZZ
@given(content=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(tmp, content, suffix):
    COUNT["random bytes"] = COUNT.get("random bytes", 0) + 1
    _read(tmp, suffix, content)


@seed(17)
@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("ab1.,;\t|\n\r\"' ?-éЖ\x00")), max_size=400),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32",
                                 "cp1252", "cp1251"]),
       suffix=st.sampled_from(["", ".csv", ".tsv", ".csv.gz"]))
def test_random_text(tmp, text, encoding, suffix):
    COUNT["random text"] = COUNT.get("random text", 0) + 1
    raw = text.encode(encoding, errors="replace")
    _read(tmp, suffix, gzip.compress(raw) if suffix.endswith(".gz") else raw)


# -- valid tables, then damaged ----------------------------------------------------------------

# floats within what a workbook can hold (Excel writes 15 digits: 1.8e308 would read as inf)
CELL = st.one_of(st.integers(-10**6, 10**6), st.floats(-1e300, 1e300), st.just(float("nan")),
                 st.text(alphabet=st.sampled_from(list("abcXYZ 123,;\"'é€ЖΩ?-")), max_size=8),
                 st.none())
HEADER = st.text(alphabet=st.sampled_from(list("abcdefxyz_")), min_size=1, max_size=6)


@st.composite
def frames(draw):
    names = draw(st.lists(HEADER, min_size=1, max_size=5, unique=True))
    n = draw(st.integers(1, 12))
    cols = {name: draw(st.lists(CELL, min_size=n, max_size=n)) for name in names}
    return pd.DataFrame(cols)


def _serialise(frame: pd.DataFrame, fmt: str) -> tuple[str, bytes]:
    buf = io.BytesIO()
    text = frame.astype(object).where(frame.notna(), None)
    if fmt == "csv":
        buf.write(text.to_csv(index=False).encode())
    elif fmt == "utf16-tsv":
        buf.write(text.to_csv(index=False, sep="\t").encode("utf-16"))
    elif fmt == "csv.gz":
        buf.write(gzip.compress(text.to_csv(index=False).encode("cp1252", errors="replace")))
    elif fmt == "parquet":
        frame.astype(str).to_parquet(buf)
    elif fmt == "xlsx":
        text.to_excel(buf, index=False)
    elif fmt == "arff":
        lines = ["@relation t"] + [f"@attribute {c} string" for c in frame.columns] + ["@data"]
        lines += [",".join("'" + str(v).replace("'", "") + "'" for v in row)
                  for row in frame.astype(str).itertuples(index=False)]
        buf.write("\n".join(lines).encode())
    return {"csv.gz": ".csv.gz", "utf16-tsv": ".txt"}.get(fmt, "." + fmt), buf.getvalue()


FORMATS = ["csv", "utf16-tsv", "csv.gz", "parquet", "xlsx", "arff"]


@seed(17)
@settings(FUZZ, max_examples=80)
@given(frame=frames(), fmt=st.sampled_from(FORMATS), named=st.booleans())
def test_round_trip(tmp, frame, fmt, named):
    COUNT["round trip"] = COUNT.get("round trip", 0) + 1
    suffix, raw = _serialise(frame, fmt)
    table = _read(tmp, suffix if named else "", raw)
    if table is None:     # only a table whose every cell is empty may be refused
        assert (frame.isna() | (frame.astype(str) == "")).all(axis=None), (fmt, frame)
        return
    assert list(table.frame.columns) == list(frame.columns)


@seed(17)
@FUZZ
@given(frame=frames(), fmt=st.sampled_from(FORMATS), data=st.data())
def test_damaged_files(tmp, frame, fmt, data):
    COUNT["damaged"] = COUNT.get("damaged", 0) + 1
    suffix, raw = _serialise(frame, fmt)
    raw = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 6))):
        how = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        # where, as a share of the length: a workbook's bytes hold the time it was
        # written, and the draws must not depend on them (hypothesis replays them)
        where = data.draw(st.floats(0, 1, exclude_max=True))
        byte = data.draw(st.integers(0, 255))
        extra = data.draw(st.binary(min_size=1, max_size=8))
        at = int(where * len(raw))
        if how == "flip" and raw:
            raw[at] = byte
        elif how == "cut":
            del raw[at:]
        else:
            raw[at:at] = extra
    _read(tmp, data.draw(st.sampled_from([suffix, ""])), bytes(raw))


@seed(17)
@settings(FUZZ, max_examples=100)
@given(frame=frames(), fmt=st.sampled_from(FORMATS), junk=st.binary(max_size=200),
       damage=st.booleans())
def test_stdin(frame, fmt, junk, damage):
    """The same through standard input: the format comes from the bytes alone."""
    import sys

    COUNT["stdin"] = COUNT.get("stdin", 0) + 1
    raw = _serialise(frame, fmt)[1]
    raw = raw[: len(raw) // 2] + junk if damage else raw
    before = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(raw))
    try:
        table = load_table("-")
        assert table.path == "stdin" and table.frame.shape[1] > 0
    except DataError as exc:
        assert str(exc).startswith("stdin: ") and "automl-stdin" not in str(exc), str(exc)
    finally:
        sys.stdin = before


def test_zz_fuzz_count():
    """The number of inputs the fuzz tests above tried (printed with -s)."""
    total = sum(COUNT.values())
    print(f"\nfuzz: {total} inputs ({', '.join(f'{k} {v}' for k, v in COUNT.items())})")
    assert total == 0 or total >= 900     # 0: run alone, with -k
