"""``predict`` as a library function: stream a table through a saved model."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._artifact import load_model, load_profile, umask
from ._drift import DriftMonitor, drift_warning, unavailable
from ._errors import DataError, OutputError
from ._io import check_readable, load_table, read_csv_checked, table_format, text_options

CHUNK_ROWS = 100_000


def iter_chunks(path: Path, chunk_rows: int = CHUNK_ROWS):
    """The table in chunks of at most ``chunk_rows`` rows, whatever its format."""
    from ._io import input_path

    path = input_path(path)         # "-": standard input, copied to a file once
    check_readable(path)
    fmt, gz = table_format(path)
    if fmt in ("csv", "tsv"):
        opts, notes = text_options(path, gz, "\t" if fmt == "tsv" else None)
        for note in notes:
            yield note
        reader = read_csv_checked(path, opts, chunksize=chunk_rows)
        while True:
            try:
                chunk = next(reader)
            except StopIteration:
                return
            except DataError:
                raise
            except Exception as exc:  # noqa: BLE001 - a parser error in a later chunk
                raise DataError(f"{path}: malformed table: {str(exc).strip()[:200]}") from None
            yield chunk
    elif fmt == "parquet":
        try:
            import pyarrow.parquet as pq
            pf = pq.ParquetFile(path)
            for batch in pf.iter_batches(batch_size=chunk_rows):
                yield batch.to_pandas()
        except ImportError:
            raise DataError(f"{path}: reading Parquet needs pyarrow: pip install pyarrow") from None
        except OSError as exc:
            raise DataError(f"{path}: not a readable Parquet file: {str(exc)[:200]}") from None
    else:
        yield load_table(path).frame


class _Writer:
    """CSV or Parquet output, to stdout or to a temporary file renamed at the end."""

    def __init__(self, output: str, force: bool):
        self.output = output
        self.force = force
        self.parquet = output != "-" and Path(output).suffix.lower() in (".parquet", ".pq")
        self.tmp = None
        self.pq_writer = None
        if output == "-":
            self.fh = sys.stdout
            return
        path = Path(output)
        if path.exists() and not force:
            raise OutputError(f"{path}: already exists; use --force to replace it")
        if path.is_dir():
            raise OutputError(f"{path}: is a directory; give a file name")
        parent = path.resolve().parent
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            raise OutputError(f"{parent}: cannot write there; choose another --output")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        except OSError as exc:
            raise OutputError(f"{parent}: cannot write there ({exc.strerror or exc}); "
                              "choose another --output") from None
        self.tmp = Path(tmp)
        os.chmod(fd, 0o666 & ~umask())        # mkstemp's 0600 would hide it from others
        self.fh = os.fdopen(fd, "wb") if self.parquet else os.fdopen(fd, "w", newline="")

    def write(self, frame, first: bool):
        try:
            self._write(frame, first)
        except OSError as exc:
            raise OutputError(f"{self.output}: cannot write the predictions: "
                              f"{exc.strerror or exc}; nothing was written") from None

    def _write(self, frame, first: bool):
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self.pq_writer is None:
                self.pq_writer = pq.ParquetWriter(self.fh, table.schema)
            self.pq_writer.write_table(table)
        else:
            frame.to_csv(self.fh, index=False, header=first)

    def close(self, ok: bool):
        if self.output == "-":
            self.fh.flush()
            return
        try:
            if self.pq_writer is not None:
                self.pq_writer.close()
            self.fh.close()
            if ok:
                _publish(self.tmp, self.output, self.force)
        except FileExistsError:
            raise OutputError(f"{self.output}: already exists: another run wrote it while "
                              "this one was scoring; use --force to replace it") from None
        except OSError as exc:
            if ok:           # otherwise an error is already on its way
                raise OutputError(f"{self.output}: cannot write the predictions: "
                                  f"{exc.strerror or exc}; nothing was written") from None
        finally:
            if self.tmp.exists():
                self.tmp.unlink()


def _publish(tmp: Path, output: str, force: bool) -> None:
    """Rename ``tmp`` to ``output``, atomically; without ``force`` never over a file that
    appeared meanwhile (another run's): a hard link fails if the name exists."""
    import errno

    if force:
        os.replace(tmp, output)
        return
    try:
        os.link(tmp, output)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if os.path.exists(output):      # a file system without hard links
            raise FileExistsError(errno.EEXIST, "exists", output) from None
        os.replace(tmp, output)


@dataclass
class OpenedModel:
    """A model directory's estimator, manifest and training profile, checked."""

    directory: Path
    estimator: object
    manifest: dict
    profile: dict | None
    warnings: list = field(default_factory=list)


def open_model(model_dir, trust_joblib: bool = False) -> OpenedModel:
    """Load and check a model directory (``trust_joblib``: see ``_artifact.load_model``)."""
    warnings: list[str] = []
    estimator, manifest = load_model(Path(model_dir), trust_joblib, warnings)
    return OpenedModel(Path(model_dir), estimator, manifest,
                       load_profile(Path(model_dir), manifest), warnings)


def predict_file(model, data, output: str, proba: bool = False, id_column: str | None = None,
                 force: bool = False, chunk_rows: int = CHUNK_ROWS, log=lambda m: None) -> dict:
    """Score ``data`` with ``model`` (a model directory, or ``open_model``'s result);
    write predictions to ``output``.

    Returns a JSON-ready summary: rows, warnings, unseen categories, timings, and the
    batch's drift from the training data (``drift``, see ``automl_cli._drift``).
    """
    t0 = time.perf_counter()
    opened = model if isinstance(model, OpenedModel) else open_model(model)
    pipeline, manifest, model_dir = opened.estimator, opened.manifest, opened.directory
    warnings: list[str] = list(opened.warnings)
    schema = manifest["schema"]
    monitor = None if opened.profile is None else DriftMonitor(opened.profile, schema)
    tally = _Tally(manifest.get("classes"))
    data = Path(data)
    writer = None
    ok = False
    scoring = time.perf_counter()       # the progress's rows/s: from here, not the load
    try:
        for chunk in iter_chunks(data, chunk_rows):
            if isinstance(chunk, str):
                warnings.append(chunk)
                continue
            first = writer is None
            if first:
                warnings += _check_columns(chunk, schema, manifest.get("target"), id_column,
                                           data)
                writer = _Writer(output, force)
            if len(chunk) == 0:
                continue
            X, warns = prepare_rows(chunk, schema, data)
            warnings += [w for w in warns if w not in warnings]
            if monitor is not None:
                monitor.update(X)
            out = _predict_frame(pipeline, X, tally.classes, proba)
            if id_column:
                out.insert(0, id_column, chunk[id_column].to_numpy())
            tally.add(chunk, schema, out)
            writer.write(out, first)
            log(f"scored {tally.rows:,} rows "
                f"({tally.rows / (time.perf_counter() - scoring):,.0f} rows/s)")
        if writer is None or tally.rows == 0:
            raise DataError(f"{data}: a header but no data rows: nothing to score")
        ok = True
    finally:
        if writer is not None:
            writer.close(ok)
    drift = (unavailable("the model directory has no training profile (saved before "
                         "format 2): refit the model to check drift")
             if monitor is None else monitor.report())
    alarm = drift_warning(drift)
    summary = {"rows": tally.rows, "output": output, "model": str(model_dir),
               "seconds": round(time.perf_counter() - t0, 3),
               "warnings": warnings + tally.warnings() + ([alarm] if alarm else []),
               **tally.summary(), "drift": drift}
    return summary


class _Tally:
    """Rows, predicted classes (or the mean prediction) and unseen categories so far."""

    def __init__(self, classes):
        self.classes = classes
        self.rows, self.total, self.counts, self.unseen = 0, 0.0, {}, {}

    def add(self, chunk, schema, out) -> None:
        from metabase import unseen_categories

        for k, v in unseen_categories(chunk, schema).items():
            self.unseen[k] = self.unseen.get(k, 0) + v
        if self.classes is not None:
            for label, n in zip(*np.unique(out["prediction"].astype(str), return_counts=True)):
                self.counts[label] = self.counts.get(label, 0) + int(n)
        else:
            self.total += float(out["prediction"].sum())
        self.rows += len(out)

    def warnings(self) -> list[str]:
        return [f"column {name!r}: {n} cell(s) with categories unseen at fit time "
                "(predicted as the infrequent/unknown level)" for name, n in self.unseen.items()]

    def summary(self) -> dict:
        if self.classes is not None:
            return {"predicted_classes": self.counts}
        return {"prediction_mean": round(self.total / self.rows, 6)}


def _check_columns(chunk, schema, target, id_column, path) -> list[str]:
    cols = set(map(str, chunk.columns))
    if id_column and id_column not in cols:
        raise DataError(f"{path}: no --id-column {id_column!r} in the table")
    needed = [c["name"] for c in schema["columns"] if c["used"]]
    missing = [c for c in needed if c not in cols]
    if missing:
        raise DataError(f"{path}: column(s) seen at fit time, yet now missing: "
                        f"{', '.join(map(repr, missing))}: add them (empty cells are fine)")
    known = {c["name"] for c in schema["columns"]} | {target, id_column}
    extra = sorted(cols - known)
    if extra:
        return [f"column(s) unseen at fit time, ignored: {', '.join(map(repr, extra[:20]))}"
                + (" ..." if len(extra) > 20 else "")]
    return []


def prepare_rows(frame, schema: dict, path) -> tuple:
    """``(model input, warnings)`` of raw rows, as every scoring path prepares them
    (``predict``, ``automl_cli.load(...).predict``, ``explain``); a schema mismatch is a
    ``DataError`` naming ``path``."""
    from metabase import SchemaError, prepare_frame

    try:
        return prepare_frame(frame, schema)
    except SchemaError as exc:
        raise DataError(f"{path}: {exc}") from None


def _predict_frame(pipeline, X, classes, proba: bool):
    import pandas as pd

    if classes is None:
        return pd.DataFrame({"prediction": pipeline.predict(X)})
    p = pipeline.predict_proba(X)
    labels = list(pipeline.classes_)
    out = pd.DataFrame({"prediction": np.asarray(labels, dtype=object)[p.argmax(axis=1)]})
    if proba:
        for j, label in enumerate(labels):
            out[f"proba_{label}"] = np.round(p[:, j], 6)
    return out
