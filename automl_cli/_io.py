"""Reading tables: CSV/TSV (plain or gzip; delimiter and encoding detected),
Parquet and ARFF. Every problem becomes a one-line ``DataError``."""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ._errors import DataError

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".data"}
#: Cells read as missing, on top of pandas' defaults ("", "NA", "NaN", "null", ...).
EXTRA_NA = ["?"]
_SNIFF_BYTES = 1 << 16


@dataclass
class Table:
    frame: "object"             # pandas.DataFrame
    path: str
    format: str
    notes: list = field(default_factory=list)


def table_format(path: Path) -> tuple[str, bool]:
    """(format, gzipped) from the file name, or from the first bytes when unclear."""
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in (".parquet", ".pq"):
        return "parquet", gz
    if last == ".arff":
        return "arff", gz
    if last == ".tsv":
        return "tsv", gz
    if last in TEXT_SUFFIXES:
        return "csv", gz
    head = _head(path, gz)
    if head.startswith(b"PAR1"):
        return "parquet", gz
    if head.lstrip()[:9].lower() in (b"@relation", b"%"):
        return "arff", gz
    if last and last not in (".gz",) and not _looks_like_text(head):
        raise DataError(f"{path}: unsupported format {last!r}: use CSV, TSV (optionally .gz), "
                        "Parquet or ARFF")
    return "csv", gz


def _head(path: Path, gz: bool) -> bytes:
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
            return fh.read(_SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read: {_reason(exc)}") from None


def _looks_like_text(head: bytes) -> bool:
    return b"\x00" not in head[:4096] and bool(head.strip())


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def check_readable(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: no such file: check the path")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a table")
    if not os.access(path, os.R_OK):
        raise DataError(f"{path}: permission denied")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty: give a table with a header and rows")


def load_table(path, nrows: int | None = None) -> Table:
    """Read a table into a pandas DataFrame, checking what can go wrong."""
    path = Path(path)
    check_readable(path)
    fmt, gz = table_format(path)
    if fmt == "parquet":
        table = _read_parquet(path)
    elif fmt == "arff":
        table = _read_arff(path, gz)
    else:
        table = _read_text(path, gz, "\t" if fmt == "tsv" else None, nrows)
    _check_columns(table)
    return table


def _decode(raw: bytes, path: Path) -> tuple[str, str, list[str]]:
    if b"\x00" in raw[:4096]:
        raise DataError(f"{path}: looks like a binary file, not a text table "
                        "(use CSV, TSV, Parquet or ARFF)")
    for enc in ("utf-8-sig",):
        try:
            return raw.decode(enc), "utf-8", []
        except UnicodeDecodeError as exc:
            if exc.start >= len(raw) - 4:   # a character cut by the sniffing window
                return raw[:exc.start].decode(enc), "utf-8", []
    note = f"{path}: not UTF-8; read as Windows-1252 (save it as UTF-8 to be sure)"
    try:
        return raw.decode("cp1252"), "cp1252", [note]
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1", [note.replace("Windows-1252", "Latin-1")]


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = Counter({d: sum(ln.count(d) for ln in lines[:20]) for d in ",;\t|"})
        delim, n = counts.most_common(1)[0]
        return delim if n else ","


def text_options(path: Path, gz: bool, sep: str | None) -> tuple[dict, list[str]]:
    """``pandas.read_csv`` keyword arguments for this file (delimiter, encoding), and notes."""
    head = _head(path, gz)
    text, encoding, notes = _decode(head, path)
    if not text.strip():
        raise DataError(f"{path}: the file is empty: give a table with a header and rows")
    if sep is None:
        sep = _sniff_delimiter(text)
    header = next(csv.reader(io.StringIO(text.splitlines()[0]), delimiter=sep))
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise DataError(f"{path}: duplicate column name(s) {', '.join(map(repr, dupes))}: "
                        "rename them so each column has its own name")
    if len(header) == 1 and any(d in text for d in ",;\t|"):
        notes.append(f"{path}: only one column was found; is the delimiter right?")
    opts = {"sep": sep, "encoding": "utf-8-sig" if encoding == "utf-8" else encoding,
            "compression": "gzip" if gz else None, "na_values": EXTRA_NA,
            "low_memory": False, "skipinitialspace": True}
    return opts, notes


def read_csv_checked(path: Path, opts: dict, **kwargs):
    """``pandas.read_csv`` with its failures turned into one-line ``DataError``s."""
    import pandas as pd

    try:
        return pd.read_csv(path, **opts, **kwargs)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty: give a table with a header and rows") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: malformed table: {str(exc).strip().splitlines()[-1]}") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: undecodable bytes at offset {exc.start}: "
                        "save the file as UTF-8") from None
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read: {_reason(exc)}") from None


def _read_text(path: Path, gz: bool, sep: str | None, nrows: int | None) -> Table:
    opts, notes = text_options(path, gz, sep)
    frame = read_csv_checked(path, opts, nrows=nrows)
    fmt = {",": "csv", "\t": "tsv"}.get(opts["sep"], f"text (delimiter {opts['sep']!r})")
    return Table(frame, str(path), fmt + (" (gzip)" if gz else ""), notes)


def _read_parquet(path: Path) -> Table:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except ImportError:
        raise DataError(f"{path}: reading Parquet needs pyarrow: pip install pyarrow") from None
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds
        raise DataError(f"{path}: not a readable Parquet file: {str(exc)[:200]}") from None
    return Table(frame, str(path), "parquet")


def _read_arff(path: Path, gz: bool) -> Table:
    import arff  # liac-arff, installed with openml
    import pandas as pd

    try:
        opener = gzip.open(path, "rt", encoding="utf-8") if gz else open(path, encoding="utf-8")
        with opener as fh:
            data = arff.load(fh)
    except (arff.ArffException, UnicodeDecodeError, OSError, EOFError) as exc:
        raise DataError(f"{path}: not a readable ARFF file: {str(exc)[:200]}") from None
    names = [a[0] for a in data["attributes"]]
    frame = pd.DataFrame(data["data"], columns=names)
    for name, kind in data["attributes"]:
        if isinstance(kind, list):
            frame[name] = frame[name].astype("object")
        elif str(kind).upper() in ("NUMERIC", "REAL", "INTEGER"):
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
    return Table(frame, str(path), "arff" + (" (gzip)" if gz else ""))


def _check_columns(table: Table) -> None:
    frame = table.frame
    cols = [str(c) for c in frame.columns]
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        raise DataError(f"{table.path}: duplicate column name(s) {', '.join(map(repr, dupes))}: "
                        "rename them so each column has its own name")
    frame.columns = cols
    if frame.shape[1] == 0:
        raise DataError(f"{table.path}: no columns found")
    if len(frame) == 0:
        raise DataError(f"{table.path}: a header but no data rows: give a table with rows")
