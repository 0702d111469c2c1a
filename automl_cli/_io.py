"""Reading tables: CSV/TSV (plain or gzip; delimiter and encoding detected),
Parquet, ARFF and Excel (.xlsx), from a file, standard input (``-``) or
OpenML (``openml:ID``). Every problem becomes a one-line ``DataError``."""

from __future__ import annotations

import atexit
import csv
import gzip
import io
import os
import shutil
import sys
import tempfile
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ._encoding import NotText, decode_head, detect, encoding_name, guess_legacy
from ._errors import DataError

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".data"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
DELIMITERS = ",;\t|"
STDIN = "-"
STDIN_NAME = "stdin"
OPENML_PREFIX = "openml:"
#: Cells read as missing, on top of pandas' defaults ("", "NA", "NaN", "null", ...).
EXTRA_NA = ["?"]
_SNIFF_BYTES = 1 << 16


@dataclass
class Table:
    frame: "object"             # pandas.DataFrame
    path: str
    format: str
    notes: list = field(default_factory=list)
    target: str | None = None   # the source's own target (OpenML's default target)
    task: str | None = None     # and task, where the source says

    def target_and_task(self, target: str | None, task: str = "auto") -> tuple:
        """The user's --target and --task, else what the source says."""
        return target or self.target, task if task != "auto" else (self.task or "auto")


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
    if last in EXCEL_SUFFIXES and not gz:
        return "xlsx", False
    if last == ".xls":
        raise DataError(f"{path}: unsupported format '.xls' (an Excel 97-2003 workbook): "
                        "save it as .xlsx or CSV")
    head = _head(path, gz)
    if not gz and head.startswith(b"\x1f\x8b"):     # gzip without a .gz name (a pipe)
        return table_format_of_bytes(path, _head(path, True), last, True)
    if last == ".tsv" and not head.startswith(b"PK\x03\x04"):
        return "tsv", gz
    return table_format_of_bytes(path, head, last, gz)


def table_format_of_bytes(path: Path, head: bytes, last: str, gz: bool) -> tuple[str, bool]:
    """The format of a file whose name does not settle it, from its first bytes."""
    if head.startswith(b"PK\x03\x04"):
        if not gz and _is_workbook(path):
            return "xlsx", False
        raise DataError(f"{path}: a ZIP archive, not a table: unzip it first "
                        "(compressed tables are read as .gz)")
    if last in TEXT_SUFFIXES:
        return "csv", gz
    if head.startswith(b"PAR1"):
        return "parquet", gz
    if head.lstrip()[:9].lower() in (b"@relation", b"%"):
        return "arff", gz
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(f"{path}: an Excel 97-2003 workbook (.xls) or another OLE file: "
                        "save it as .xlsx or CSV")
    if last and last not in TEXT_SUFFIXES:
        # a name says what the file is (an SPSS .sav is text enough to parse as one
        # column): refuse it rather than read it as CSV; a name without one is sniffed
        raise DataError(f"{path}: unsupported format {last!r}: use CSV, TSV (optionally .gz), "
                        "Parquet, ARFF or Excel (.xlsx)")
    return "csv", gz


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return "xl/workbook.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _head(path: Path, gz: bool) -> bytes:
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
            return fh.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read: {_reason(exc)}") from None


def _looks_like_text(head: bytes) -> bool:
    try:
        detect(head)
    except NotText:
        return False
    return bool(head.strip())


def _reason(exc: BaseException) -> str:
    return short(getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)


def short(text) -> str:
    """One line of at most 200 characters: messages of parsers span several."""
    return " ".join(str(text).split())[:200]


def check_readable(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: no such file: check the path")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a table")
    if not os.access(path, os.R_OK):
        raise DataError(f"{path}: permission denied")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty: give a table with a header and rows")


def load_table(path, nrows: int | None = None, sheet: str | None = None) -> Table:
    """Read a table into a pandas DataFrame, checking what can go wrong.

    ``path`` is a file, ``-`` (standard input, its format sniffed from the bytes)
    or ``openml:ID`` / ``openml:task/ID``; ``sheet`` picks an Excel sheet.
    """
    if str(path).startswith(OPENML_PREFIX):
        from ._openml_input import load_openml

        return load_openml(str(path))
    if str(path) != STDIN:
        return _load_file(Path(path), nrows, sheet)
    spooled = input_path(path)
    try:
        table = _load_file(spooled, nrows, sheet)
    except DataError as exc:        # name what the user gave, not our temporary copy
        raise DataError(str(exc).replace(str(spooled), STDIN_NAME)) from None
    table.path = STDIN_NAME
    table.notes = [n.replace(str(spooled), STDIN_NAME) for n in table.notes]
    return table


def _load_file(path: Path, nrows: int | None, sheet: str | None) -> Table:
    check_readable(path)
    fmt, gz = table_format(path)
    if sheet is not None and fmt != "xlsx":
        raise DataError(f"{path}: --sheet applies to Excel workbooks, and this is {fmt}")
    if fmt == "parquet":
        table = _read_parquet(path)
    elif fmt == "arff":
        table = _read_arff(path, gz)
    elif fmt == "xlsx":
        from ._excel import read_excel

        table = read_excel(path, sheet, nrows)
    else:
        table = _read_text(path, gz, "\t" if fmt == "tsv" else None, nrows)
    _check_columns(table)
    return table


_SPOOLED: dict = {}


def input_path(path) -> Path:
    """``path`` as a ``Path``; for ``-``, a temporary copy of standard input.

    Standard input is copied once, in blocks (memory stays bounded), to a file
    removed at exit, so that format sniffing and chunked reading work on it as
    on any file.
    """
    if str(path) != STDIN:
        return Path(path)
    stream = sys.stdin
    if _SPOOLED.get("stream") is stream:       # read twice in one process
        return _SPOOLED["path"]
    if stream is None or stream.isatty():
        raise DataError("-: standard input is a terminal, not a table: pipe one in "
                        "(cat data.csv | automl fit -) or give a file name")
    folder = tempfile.mkdtemp(prefix="automl-stdin-")
    dest = Path(folder) / "stdin"
    _remove_at_exit(folder)
    try:
        with open(dest, "wb") as out:
            shutil.copyfileobj(getattr(stream, "buffer", stream), out, 1 << 20)
    except OSError as exc:
        raise DataError(f"-: cannot copy standard input to {folder}: {_reason(exc)}: set "
                        "TMPDIR to a folder with room") from None
    _SPOOLED.update(stream=stream, path=dest)
    return dest


def _remove_at_exit(folder: str) -> None:
    owner = os.getpid()

    def remove():
        if os.getpid() == owner:       # not in a forked worker that exits normally
            shutil.rmtree(folder, ignore_errors=True)
    atexit.register(remove)


def _decode(raw: bytes, path: Path) -> tuple[str, str, list[str]]:
    """The text of a file's first bytes, the codec to read all of it, and notes."""
    try:
        encoding, guessed = detect(raw)
    except NotText:
        raise DataError(f"{path}: looks like a binary file, not a text table "
                        "(use CSV, TSV, Parquet, ARFF or Excel .xlsx)") from None
    notes = []
    if guessed:
        notes.append(f"{path}: not UTF-8; read as {encoding_name(encoding)} (detected: save "
                     "it as UTF-8 to be sure)")
    return decode_head(raw, encoding), encoding, notes


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    # the header line defines the columns: a delimiter it lacks splits nothing
    candidates = "".join(d for d in DELIMITERS if lines and d in lines[0])
    if not candidates:      # one column: the delimiter that splits fewest rows
        return min(DELIMITERS, key=lambda d: sum(ln.count(d) for ln in lines))
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=candidates).delimiter
    except csv.Error:
        counts = Counter({d: sum(ln.count(d) for ln in lines[:20]) for d in candidates})
        return counts.most_common(1)[0][0]


def text_options(path: Path, gz: bool, sep: str | None) -> tuple[dict, list[str]]:
    """``pandas.read_csv`` keyword arguments for this file (delimiter, encoding), and notes."""
    head = _head(path, gz)
    text, encoding, notes = _decode(head, path)
    if not text.strip():
        raise DataError(f"{path}: the file is empty: give a table with a header and rows")
    if sep is None:
        sep = _sniff_delimiter(text)
    header = _header(text, sep, path)
    dupes = sorted(c for c, n in Counter(header).items() if n > 1)   # linear: wide tables
    if dupes:
        raise DataError(f"{path}: duplicate column name(s) {', '.join(map(repr, dupes))}: "
                        "rename them so each column has its own name")
    if len(header) == 1 and any(d in text for d in ",;\t|"):
        notes.append(f"{path}: only one column was found; is the delimiter right?")
    opts = {"sep": sep, "encoding": encoding,
            "compression": "gzip" if gz else None, "na_values": EXTRA_NA,
            "low_memory": False, "skipinitialspace": True}
    return opts, notes


def _header(text: str, sep: str, path: Path) -> list[str]:
    """The header cells: the first line that is not blank, as pandas reads it."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return next(csv.reader(io.StringIO(first), delimiter=sep), [])
    except csv.Error as exc:
        raise DataError(f"{path}: malformed header line: {exc}") from None


def read_csv_checked(path: Path, opts: dict, **kwargs):
    """``pandas.read_csv`` with its failures turned into one-line ``DataError``s."""
    import pandas as pd

    try:
        return pd.read_csv(path, **opts, **kwargs)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty: give a table with a header and rows") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: malformed table: "
                        f"{short(str(exc).strip().splitlines()[-1])}") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: undecodable bytes at offset {exc.start}: "
                        "save the file as UTF-8") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read: {_reason(exc)}") from None


def _read_text(path: Path, gz: bool, sep: str | None, nrows: int | None) -> Table:
    opts, notes = text_options(path, gz, sep)
    try:
        frame = read_csv_checked(path, opts, nrows=nrows)
    except DataError:
        # UTF-8 in the sniffed start, another code page further on: find where
        encoding = _legacy_encoding_further_on(path, gz) if opts["encoding"] == "utf-8-sig" \
            else None
        if encoding is None:
            raise
        frame = read_csv_checked(path, {**opts, "encoding": encoding}, nrows=nrows)
        notes.append(f"{path}: not UTF-8 past its first {_SNIFF_BYTES // 1024} KB; read as "
                     f"{encoding_name(encoding)} (detected: save it as UTF-8 to be sure)")
    fmt = {",": "csv", "\t": "tsv"}.get(opts["sep"], f"text (delimiter {opts['sep']!r})")
    return Table(frame, str(path), fmt + (" (gzip)" if gz else ""), notes)


def _legacy_encoding_further_on(path: Path, gz: bool) -> str | None:
    """The code page of the first block that is not UTF-8, or None if all is UTF-8."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
            while block := fh.read(1 << 20):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    return guess_legacy(block[max(0, exc.start - 4096):exc.start + 65536])
    except (OSError, EOFError, zlib.error):
        return None
    return None


def _read_parquet(path: Path) -> Table:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except ImportError:
        raise DataError(f"{path}: reading Parquet needs pyarrow: pip install pyarrow") from None
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds
        raise DataError(f"{path}: not a readable Parquet file: {short(exc)}") from None
    return Table(frame, str(path), "parquet")


def _read_arff(path: Path, gz: bool) -> Table:
    import arff  # liac-arff, installed with openml
    import pandas as pd

    try:
        encoding = detect(_head(path, gz))[0]
    except NotText:
        encoding = "utf-8"      # liac-arff then says what is wrong
    try:
        opener = gzip.open(path, "rt", encoding=encoding) if gz else \
            open(path, encoding=encoding)
        with opener as fh:
            data = arff.load(fh)
    # liac-arff lets ValueError, IndexError and others out of malformed header lines
    except (arff.ArffException, ValueError, IndexError, KeyError, TypeError, OSError, EOFError,
            zlib.error) as exc:
        raise DataError(f"{path}: not a readable ARFF file: {short(exc)}") from None
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
    dupes = sorted(c for c, n in Counter(cols).items() if n > 1)
    if dupes:
        raise DataError(f"{table.path}: duplicate column name(s) {', '.join(map(repr, dupes))}: "
                        "rename them so each column has its own name")
    frame.columns = cols
    if frame.shape[1] == 0:
        raise DataError(f"{table.path}: no columns found")
    if len(frame) == 0:
        raise DataError(f"{table.path}: a header but no data rows: give a table with rows")
