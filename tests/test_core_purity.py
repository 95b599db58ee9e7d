"""breach/core is pure: it reads no file, no environment variable and no clock.

The rule this test enforces, on every module under breach/core (parsed with `ast`, imports
inside functions included):
- no import of `os`, `pathlib` (except `PurePath` and `PurePosixPath`, paths as values), `sqlite3`, `importlib`,
  `psycopg`, `glob`, `shutil`, `tempfile`, `io`, `socket`, `subprocess`, `urllib`, `http`, `requests`,
  `slack_sdk`, `time` (the stdlib module), nor of `breach.adapters`, `breach.services`, `breach.cli`;
- no call of `open(...)`, of `os.environ` / `os.getenv`, of `.read_text/.read_bytes/.write_text/
  .write_bytes/.open/.exists/.is_file/.is_dir/.iterdir/.glob/.rglob/.stat/.resolve/.mkdir/.unlink`
  on anything, of `datetime.now/utcnow/today`, `date.today`, `time.time`, and no
  `yaml.load`/`yaml.safe_load` of a file (`yaml` parses text it is handed, through breach.core.yamlio);
- no `__file__` (finding packaged files is I/O: breach.adapters.resources).
Templates, rules, playbooks, the profile and `now` are passed in by the adapters and services.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO

CORE = REPO / "breach" / "core"

FORBIDDEN_MODULES = {"os", "pathlib", "sqlite3", "importlib", "psycopg", "glob", "shutil", "tempfile", "io",
                     "socket", "subprocess", "urllib", "http", "requests", "slack_sdk", "time"}
ALLOWED_FROM = {("pathlib", "PurePath"), ("pathlib", "PurePosixPath")}  # paths as values, never read
FORBIDDEN_BREACH = ("breach.adapters", "breach.services", "breach.cli", "breach.api")
FILE_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "open", "exists", "is_file", "is_dir",
                "iterdir", "glob", "rglob", "stat", "resolve", "mkdir", "unlink"}
CLOCK_METHODS = {"now", "utcnow", "today"}
CLOCK_OWNERS = {"datetime", "date"}


def core_modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def _dotted(node: ast.AST) -> str:
    """`a.b.c` for a Name/Attribute chain, else ''."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def impurities(source: str) -> list[str]:
    """Every way `source` reaches a file, the environment or the clock: 'line: what'."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.partition(".")[0]
                if top in FORBIDDEN_MODULES or alias.name.startswith(FORBIDDEN_BREACH):
                    found.append(f"{line}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            top = node.module.partition(".")[0]
            for alias in node.names:
                if (top in FORBIDDEN_MODULES and (node.module, alias.name) not in ALLOWED_FROM) or \
                        node.module.startswith(FORBIDDEN_BREACH):
                    found.append(f"{line}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Name) and node.id == "__file__":
            found.append(f"{line}: __file__")
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted in ("os.environ", "os.getenv", "time.time", "time.monotonic"):
                found.append(f"{line}: {dotted}")
        elif isinstance(node, ast.Call):
            found += _call_impurity(node, line)
    return found


def _call_impurity(node: ast.Call, line: int) -> list[str]:
    func = node.func
    if isinstance(func, ast.Name) and func.id == "open":
        return [f"{line}: open()"]
    if not isinstance(func, ast.Attribute):
        return []
    owner = _dotted(func.value)
    if func.attr in FILE_METHODS:
        return [f"{line}: .{func.attr}()"]
    if func.attr in CLOCK_METHODS and owner.rpartition(".")[2] in CLOCK_OWNERS:
        return [f"{line}: {owner}.{func.attr}()"]
    if owner == "yaml" and func.attr in ("load", "safe_load", "full_load", "unsafe_load") and node.args and \
            not isinstance(node.args[0], ast.Name | ast.Constant | ast.Attribute):
        return [f"{line}: yaml.{func.attr}() of something other than text"]
    return []


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_core_module_reads_no_file_environment_or_clock(path: Path) -> None:
    assert impurities(path.read_text()) == []


@pytest.mark.parametrize(("source", "what"), [
    ("import os\n", "import os"),
    ("from pathlib import Path\n", "from pathlib import Path"),
    ("import sqlite3\n", "import sqlite3"),
    ("from importlib import resources\n", "from importlib import resources"),
    ("x = os.environ.get('BREACH_NOW')\n", "os.environ"),
    ("x = os.getenv('BREACH_TZ')\n", "os.getenv"),
    ("f = open('x')\n", "open()"),
    ("t = p.read_text()\n", ".read_text()"),
    ("b = p.read_bytes()\n", ".read_bytes()"),
    ("e = p.exists()\n", ".exists()"),
    ("g = folder.glob('*.yaml')\n", ".glob()"),
    ("i = folder.iterdir()\n", ".iterdir()"),
    ("n = datetime.now(UTC)\n", "datetime.now()"),
    ("n = datetime.datetime.utcnow()\n", "datetime.datetime.utcnow()"),
    ("d = date.today()\n", "date.today()"),
    ("import time\n", "import time"),
    ("t = time.time()\n", "time.time"),
    ("here = __file__\n", "__file__"),
    ("from breach.adapters.resources import shipped\n", "from breach.adapters.resources import shipped"),
    ("def f():\n    import os\n", "import os"),
])
def test_the_rule_refuses(source: str, what: str) -> None:
    assert any(what in found for found in impurities(source)), impurities(source)


def test_the_rule_allows_pure_code() -> None:
    source = ("from pathlib import PurePath\nfrom datetime import datetime, timedelta\n"
              "def due(now: datetime) -> datetime:\n    return now + timedelta(hours=72)\n"
              "data = yaml.load(text, Loader=loader)\n")
    assert impurities(source) == []
