"""Excel workbooks (.xlsx) through pandas' reader and openpyxl, an optional extra
(``automl[excel]``) whose absence is one line."""

from __future__ import annotations

from pathlib import Path

from ._errors import DataError
from ._io import EXTRA_NA, Table, short


def read_excel(path: Path, sheet: str | None, nrows: int | None) -> Table:
    """The first sheet (or ``sheet``) of a workbook, through pandas and openpyxl."""
    import pandas as pd

    try:
        import openpyxl  # noqa: F401 - an optional extra: automl[excel]
    except ImportError:
        raise DataError(f"{path}: reading .xlsx needs openpyxl: pip install "
                        "'automl[excel]'") from None
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = book.sheet_names
            if sheet is not None and sheet not in names:
                raise DataError(f"{path}: no sheet {sheet!r}: the sheets are "
                                f"{', '.join(map(repr, names[:20]))}")
            chosen = names[0] if sheet is None else sheet
            frame = pd.read_excel(book, sheet_name=chosen, na_values=EXTRA_NA, nrows=nrows)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile, openpyxl and XML parsers raise many kinds
        raise DataError(f"{path}: not a readable .xlsx workbook: "
                        f"{short(str(exc) or type(exc).__name__)}") from None
    notes = [f"{path}: sheet {chosen!r} of {len(names)} (choose another with --sheet)"] \
        if len(names) > 1 and sheet is None else []
    frame = frame.dropna(how="all").reset_index(drop=True)   # rows holding formatting only
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed: ")]
    if unnamed:
        notes.append(f"{path}: {len(unnamed)} column(s) without a header cell, named "
                     f"{unnamed[0]!r} and so on")
    return Table(frame, str(path), f"xlsx (sheet {chosen!r})", notes)
