"""Reading tables in every supported format, and every way a file can be wrong."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from automl_cli._errors import DataError
from automl_cli._io import load_table
from conftest import mixed_frame


@pytest.fixture
def frame():
    return mixed_frame(n=30)


def _same(a: pd.DataFrame, b: pd.DataFrame):
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    assert np.allclose(a["x1"], b["x1"]) and (a["y"].astype(str) == b["y"].astype(str)).all()


@pytest.mark.parametrize("name, writer", [
    ("t.csv", lambda f, p: f.to_csv(p, index=False)),
    ("t.tsv", lambda f, p: f.to_csv(p, index=False, sep="\t")),
    ("t.txt", lambda f, p: f.to_csv(p, index=False, sep=";")),
    ("t.csv.gz", lambda f, p: f.to_csv(p, index=False, compression="gzip")),
    ("t.tsv.gz", lambda f, p: f.to_csv(p, index=False, sep="\t", compression="gzip")),
    ("t.data", lambda f, p: f.to_csv(p, index=False, sep="|")),
    ("t.parquet", lambda f, p: f.to_parquet(p)),
    ("noext", lambda f, p: f.to_csv(p, index=False)),
])
def test_formats(tmp_path, frame, name, writer):
    path = tmp_path / name
    writer(frame, path)
    table = load_table(path)
    _same(table.frame, frame)


def test_arff(tmp_path):
    path = tmp_path / "t.arff"
    path.write_text("@relation t\n@attribute a numeric\n@attribute c {x,y}\n"
                    "@attribute s string\n@data\n1.5,x,'hello'\n?,y,'w'\n3,?,'z'\n")
    f = load_table(path).frame
    assert list(f.columns) == ["a", "c", "s"] and np.isnan(f["a"][1]) and f["c"].isna()[2]
    with gzip.open(tmp_path / "t.arff.gz", "wt") as fh:
        fh.write(path.read_text())
    assert load_table(tmp_path / "t.arff.gz").frame.shape == (3, 3)


def test_latin1_is_read_with_a_note(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes("name,v\nJosé,1\nZoë,2\n".encode("latin-1"))
    table = load_table(path)
    assert table.frame["name"].tolist() == ["José", "Zoë"]
    assert any("not UTF-8" in n for n in table.notes)


def test_utf8_bom_and_question_mark_missing(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes("\ufeffa,b\n1,?\n2,x\n".encode("utf-8"))
    f = load_table(path).frame
    assert list(f.columns) == ["a", "b"] and f["b"].isna()[0]


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"   \n\n", "the file is empty"),
    (b"a,b,c\n", "a header but no data rows"),
    (b"\x00\x01\x02\x03binary\xff\xfe" * 50, "binary file"),
    (b"a,a,b\n1,2,3\n", "duplicate column name(s) 'a'"),
    (b"a,b\n1,2\n3,4,5,6\n", "malformed table"),
])
def test_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_table(path)


def test_unsupported_extension(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    with pytest.raises(DataError, match="unsupported format '.xlsx'"):
        load_table(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        load_table(tmp_path)


def test_corrupt_gzip_and_parquet(tmp_path):
    (tmp_path / "c.csv.gz").write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(DataError, match="cannot read"):
        load_table(tmp_path / "c.csv.gz")
    (tmp_path / "c.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match="not a readable Parquet"):
        load_table(tmp_path / "c.parquet")


def test_wrong_delimiter_is_detected(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("a;b;c\n1;2;x\n3;4;y\n5;6;z\n")
    assert load_table(path).frame.shape == (3, 3)
