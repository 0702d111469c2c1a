"""Reading tables in every supported format, and every way a file can be wrong."""

from __future__ import annotations

import gzip
from pathlib import Path

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
    path = tmp_path / "t.sav"
    path.write_bytes(b"$FL2" + bytes(range(256)) * 4)
    with pytest.raises(DataError, match="unsupported format '.sav'"):
        load_table(path)


@pytest.mark.parametrize("name, content, message", [
    ("t.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4, "not a readable .xlsx workbook"),
    ("t.xls", b"\xd0\xcf\x11\xe0" + bytes(64), "unsupported format '.xls'"),
    ("t.csv", b"\xd0\xcf\x11\xe0" + bytes(64), "looks like a binary file"),
    ("noext", b"\xd0\xcf\x11\xe0" + bytes(64), "Excel 97-2003 workbook"),
])
def test_office_files_that_cannot_be_read(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(".", r"\.")):
        load_table(tmp_path / name)


def test_zip_archive_is_named(tmp_path, frame):
    import zipfile

    with zipfile.ZipFile(tmp_path / "t.csv", "w") as z:
        z.writestr("t.csv", frame.to_csv(index=False))
    with pytest.raises(DataError, match="a ZIP archive, not a table: unzip it"):
        load_table(tmp_path / "t.csv")


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


# -- encodings ---------------------------------------------------------------------------------

TEXT = "name,city,v\nJosé,Köln,1\nZoë,Zürich,2\nŁukasz,Gdańsk,3\n"


@pytest.mark.parametrize("encoding, sep", [
    ("utf-16", "\t"),            # Excel's "Unicode text": UTF-16-LE with a BOM, tabs
    ("utf-16-be", "\t"),         # no BOM: found from the NUL bytes
    ("utf-16-le", ","),
    ("utf-32", ","),
    ("utf-8-sig", ";"),
])
def test_unicode_encodings(tmp_path, encoding, sep):
    path = tmp_path / "u.txt"
    path.write_bytes(TEXT.replace(",", sep).encode(encoding))
    table = load_table(path)
    assert table.frame["city"].tolist() == ["Köln", "Zürich", "Gdańsk"] and table.notes == []


@pytest.mark.parametrize("encoding, text, name", [
    ("cp1252", "name,price\nCafé crème,3€\nNaïve,4\n", "Windows-1252"),
    ("cp1251", "имя,город\nИван,Москва\nПётр,Санкт-Петербург\nАнна,Новосибирск\n",
     "Windows-1251"),
    ("shift_jis", "名前,都市\n田中,東京\n佐藤,大阪\n鈴木,名古屋\n", "Shift_JIS"),
])
def test_legacy_code_pages_are_detected(tmp_path, encoding, text, name):
    path = tmp_path / "l.csv"
    path.write_bytes(text.encode(encoding))
    table = load_table(path)
    first = text.splitlines()[1].split(",")[0]
    assert table.frame.iloc[0, 0] == first
    assert any(f"read as {name}" in n for n in table.notes), table.notes


def test_code_page_past_the_sniffed_start(tmp_path):
    rows = "".join(f"plain{i},{i}\n" for i in range(20000))      # > 64 KB of ASCII
    path = tmp_path / "late.csv"
    path.write_bytes(("name,v\n" + rows + "Müller,1\n").encode("cp1252"))
    table = load_table(path)
    assert table.frame["name"].iloc[-1] == "Müller"
    assert any("past its first 64 KB" in n for n in table.notes)


# -- Excel -------------------------------------------------------------------------------------

def test_xlsx_first_sheet_and_sheet_option(tmp_path, frame):
    pytest.importorskip("openpyxl")
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as book:
        frame.head(5).to_excel(book, sheet_name="notes", index=False)
        frame.to_excel(book, sheet_name="data", index=False)
    first = load_table(path)
    assert len(first.frame) == 5 and "choose another with --sheet" in first.notes[0]
    table = load_table(path, sheet="data")
    _same(table.frame, frame)
    with pytest.raises(DataError, match="no sheet 'nope': the sheets are 'notes', 'data'"):
        load_table(path, sheet="nope")
    renamed = tmp_path / "book.dat"          # found by its bytes, whatever its name
    renamed.write_bytes(path.read_bytes())
    assert len(load_table(renamed).frame) == 5
    frame.to_csv(tmp_path / "x.csv", index=False)
    with pytest.raises(DataError, match="--sheet applies to Excel workbooks"):
        load_table(tmp_path / "x.csv", sheet="data")


NO_OPENPYXL = "raise ImportError('openpyxl is made unimportable by the test')\n"


def test_xlsx_without_openpyxl_is_one_line(tmp_path, frame):
    """In a subprocess whose path shadows openpyxl with a module that fails to import."""
    import os
    import subprocess
    import sys

    pytest.importorskip("openpyxl")
    path = tmp_path / "book.xlsx"
    frame.to_excel(path, index=False)
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "openpyxl.py").write_text(NO_OPENPYXL)
    env = {**os.environ, "PYTHONPATH": str(shadow)}
    res = subprocess.run([sys.executable, "-m", "automl_cli.cli", "profile", str(path), "-q"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 4, res.stderr
    assert res.stderr.strip() == (f"error: {path}: reading .xlsx needs openpyxl: pip install "
                                  "'automl[excel]'")


# -- standard input ----------------------------------------------------------------------------

def _stdin_run(args, data: bytes):
    from click.testing import CliRunner

    from automl_cli.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], input=data, catch_exceptions=False)


@pytest.mark.parametrize("kind", ["csv", "tsv-utf16", "csv.gz", "parquet", "xlsx", "arff"])
def test_stdin_any_format(tmp_path, frame, kind):
    import io

    if kind == "xlsx":
        pytest.importorskip("openpyxl")
    buf = io.BytesIO()
    if kind == "csv":
        buf.write(frame.to_csv(index=False).encode())
    elif kind == "tsv-utf16":
        buf.write(frame.to_csv(index=False, sep="\t").encode("utf-16"))
    elif kind == "csv.gz":
        buf.write(gzip.compress(frame.to_csv(index=False).encode()))
    elif kind == "parquet":
        frame.to_parquet(buf)
    elif kind == "xlsx":
        frame.to_excel(buf, index=False)
    else:
        buf.write(b"@relation t\n@attribute x1 numeric\n@attribute y {no,yes}\n@data\n"
                  + b"".join(f"{v},{c}\n".encode() for v, c in zip(frame["x1"], frame["y"])))
    res = _stdin_run(["profile", "-", "--groups", "simple", "--json"], buf.getvalue())
    assert res.exit_code == 0, res.output
    import json
    doc = json.loads(res.stdout)
    assert doc["data"] == "-" and doc["values"]["NumberOfInstances"] == len(frame)


def test_stdin_fit_then_predict(tmp_path, frame):
    data = frame.to_csv(index=False).encode()
    res = _stdin_run(["fit", "-", "--max-trials", "1", "-o", tmp_path / "m", "-q"], data)
    assert res.exit_code == 0, res.output
    res = _stdin_run(["predict", tmp_path / "m", "-"], data)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == "prediction" and len(res.stdout.splitlines()) == 31


@pytest.mark.parametrize("data, message", [
    (b"", "error: stdin: the file is empty"),
    (b"a,b\n1,2\n3,4,5,6\n", "error: stdin: malformed table"),
    (b"\x00\x01\x02binary" * 100, "error: stdin: looks like a binary file"),
])
def test_stdin_errors_name_stdin(tmp_path, data, message):
    res = _stdin_run(["fit", "-", "-o", tmp_path / "m"], data)
    assert res.exit_code == 4 and res.stderr.startswith(message), res.stderr
    assert "automl-stdin" not in res.stderr and "Traceback" not in res.output


def test_stdin_copy_is_removed_at_exit(tmp_path, frame):
    import subprocess
    import sys

    res = subprocess.run(
        [sys.executable, "-c", "import sys; from automl_cli._io import input_path; "
         "p = input_path('-'); print(p); print(p.read_text().count(chr(10)))"],
        input=frame.to_csv(index=False), capture_output=True, text=True, timeout=60)
    where, lines = res.stdout.split()
    assert int(lines) == len(frame) + 1 and not Path(where).exists()
    assert not Path(where).parent.exists()
