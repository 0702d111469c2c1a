"""The code's shape, as the seams issue set it: no function outside automl_cli/commands/
takes more than 8 parameters or is longer than 80 lines, and automl_cli uses only
metabase's public names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _functions():
    for package in ("automl_cli", "metabase"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "commands" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield path.relative_to(ROOT), node


def _parameters(node) -> int:
    a = node.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    n = len(names) + bool(a.vararg) + bool(a.kwarg)
    return n - (names[:1] in (["self"], ["cls"]))


def test_no_function_takes_more_than_8_parameters_or_80_lines():
    too_many = [f"{p}:{n.lineno} {n.name} ({_parameters(n)} parameters)"
                for p, n in _functions() if _parameters(n) > 8]
    too_long = [f"{p}:{n.lineno} {n.name} ({n.end_lineno - n.lineno + 1} lines)"
                for p, n in _functions() if n.end_lineno - n.lineno + 1 > 80]
    assert not too_many and not too_long, too_many + too_long


def test_automl_cli_imports_only_public_metabase_names():
    private = re.compile(r"^\s*(from metabase\.|import metabase\.)|metabase\._", re.M)
    hits = [f"{p.relative_to(ROOT)}" for p in sorted((ROOT / "automl_cli").rglob("*.py"))
            if private.search(p.read_text())]
    assert not hits, hits
