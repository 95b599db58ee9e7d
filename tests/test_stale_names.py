"""Docstrings, comments and docs name only what exists: every `breach.x.y` and `breach/x/y.py` they cite resolves.

A dotted name resolves when its longest importable module prefix imports and the rest are
attributes of it (a class's dataclass fields and annotations count); a path resolves when the file
is in the repository. The database file (`breach.db`, `breach.db-wal`, ...) is a file name, not a
module, and is not checked. In Python files only docstrings and comments are read: code that names
a missing module fails on its own.
"""

from __future__ import annotations

import ast
import importlib
import io
import re
import tokenize

import pytest
from conftest import REPO

#: `breach.` then identifiers; not part of a longer name or path (`x.breach.y`, `a/breach.z`).
DOTTED = re.compile(r"(?<![\w./-])breach(?:\.[A-Za-z_]\w*)+")
PATH = re.compile(r"(?<![\w./-])breach/[\w/]+\.py\b")
#: `from breach.x import a, b` in a doc's example: `breach.x.a` and `breach.x.b` are cited too.
FROM_IMPORT = re.compile(r"\bfrom (breach(?:\.\w+)*) import \(?([\w, ]+)")
#: The database's file name and its companions (`breach.db-wal`, `breach.db-shm`).
FILE_NAMES = re.compile(r"^breach\.db$")

DOCS = ["README.md", "templates/README.md", "playbooks/README.md", *sorted(
    str(p.relative_to(REPO)) for p in (REPO / "docs").rglob("*.md"))]


def python_prose(source: str) -> list[tuple[int, str]]:
    """(line, text) of every docstring and comment of a Python module."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                found.append((body[0].lineno, body[0].value.value))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found.append((token.start[0], token.string))
    return found


def _has(obj: object, attr: str) -> bool:
    if hasattr(obj, attr):
        return True
    fields = getattr(obj, "__dataclass_fields__", None) or {}
    return attr in fields or attr in getattr(obj, "__annotations__", {})


def resolves(name: str) -> bool:
    """Import the longest module prefix of `name`, then look the rest up as attributes."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        try:
            obj: object = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and not module.startswith(exc.name) and exc.name != module:
                raise  # the module exists but needs something missing: not a stale name
            continue
        for attr in parts[cut:]:
            if not _has(obj, attr):
                return False
            obj = getattr(obj, attr, None)
        return True
    return False


def names_in(text: str) -> tuple[set[str], set[str]]:
    """The dotted names and the .py paths a text cites (the database's file name left out)."""
    dotted = {m.group(0) for m in DOTTED.finditer(text) if not FILE_NAMES.match(m.group(0))}
    dotted |= {f"{m.group(1)}.{name.strip()}" for m in FROM_IMPORT.finditer(text)
               for name in m.group(2).split(",") if name.strip()}
    return dotted, {m.group(0) for m in PATH.finditer(text)}


def stale(where: str, text: str) -> list[str]:
    dotted, paths = names_in(text)
    return [f"{where}: {name}" for name in sorted(dotted) if not resolves(name)] + \
        [f"{where}: {path}" for path in sorted(paths) if not (REPO / path).is_file()]


def test_docstrings_and_comments_name_what_exists() -> None:
    found: list[str] = []
    for path in sorted((REPO / "breach").rglob("*.py")):
        relative = path.relative_to(REPO)
        for line, text in python_prose(path.read_text()):
            found += stale(f"{relative}:{line}", text)
    assert found == []


@pytest.mark.parametrize("doc", DOCS)
def test_docs_name_what_exists(doc: str) -> None:
    text = (REPO / doc).read_text()
    found = [hit for n, line in enumerate(text.splitlines(), start=1) for hit in stale(f"{doc}:{n}", line)]
    assert found == []


def test_the_checker_finds_stale_names_and_spares_the_database_file() -> None:
    text = ("See breach.flows._after_change, breach.core.state.fold and breach/risk.py; "
            "the log is breach.db (and breach.db-wal); breach/core/state.py holds the fold, "
            "breach.services.session.Session.store its store. from breach.core.state import fold, unfold")
    assert stale("x", text) == ["x: breach.core.state.unfold", "x: breach.flows._after_change", "x: breach/risk.py"]


def test_python_prose_reads_docstrings_and_comments_not_code() -> None:
    source = '"""Module: breach.a."""\nimport breach.b  # see breach.c\n\ndef f():\n    """breach.d"""\n    ' \
             'return "breach.e"\n'
    texts = " ".join(text for _, text in python_prose(source))
    assert names_in(texts)[0] == {"breach.a", "breach.c", "breach.d"}
