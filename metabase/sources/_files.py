"""Reading the reference files: paths, ARFF, CSV, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._errors import ReferenceDataError

#: ``../shared/reference`` beside the repository root.
DEFAULT_REFERENCE_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "reference"


def reference_path(reference_dir, *parts) -> Path:
    """``reference_dir/parts``, which must exist; ``None`` means the default folder."""
    base = Path(reference_dir) if reference_dir is not None else DEFAULT_REFERENCE_DIR
    path = base.joinpath(*parts)
    if not path.exists():
        raise ReferenceDataError(f"reference file not found: {path} (give the folder holding "
                                 f"OpenML's offline history, by default {DEFAULT_REFERENCE_DIR})")
    return path


def read_arff(path: Path) -> pd.DataFrame:
    """An ARFF file as a DataFrame of Python values (object columns).

    liac-arff keeps nominal values as strings (``{None}`` stays ``"None"``,
    ``{18, 20}`` stays ``"18"``), reads NUMERIC as floats and ``?`` as ``None``;
    values are coerced later, per hyperparameter, instead of letting pandas
    guess (its default NA list would turn ``"None"`` into NaN).
    """
    import arff

    try:
        data = arff.loads(Path(path).read_text(encoding="utf8"))
    except (arff.ArffException, UnicodeDecodeError) as e:
        raise ReferenceDataError(f"{path}: not a readable ARFF file ({e})") from None
    return pd.DataFrame(data["data"], columns=[a[0] for a in data["attributes"]], dtype=object)


def read_csv(path: Path, **kwargs) -> pd.DataFrame:
    try:
        return pd.read_csv(path, **kwargs)
    except (ValueError, OSError) as e:
        raise ReferenceDataError(f"{path}: not a readable CSV file ({e})") from None


def need_columns(df: pd.DataFrame, columns, path) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ReferenceDataError(f"{path}: expected columns missing: {', '.join(missing)}")
