"""No private name crosses a module boundary in breach/: `from x import _name` and `module._name` are refused.

A leading underscore says "only this module uses it"; another module reaching for it ties the two
together behind the reader's back (as `slack._AUTH` and `_utc` once did). A name two modules share
is public: it loses the underscore, and the module that owns it says so.
"""

from __future__ import annotations

import ast

from test_layout import PACKAGE, module_name, modules


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def crossings(source: str, name: str, known: set[str], *, is_package: bool = False) -> list[str]:
    """Every private name module `name` takes from another module: imported, or read as `module._name`."""
    tree = ast.parse(source)
    package = name if is_package else name.rpartition(".")[0]
    found: list[str] = []
    aliases: dict[str, str] = {}  # a local name bound to a module -> that module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if private(alias.name.rpartition(".")[2]):
                    found.append(f"{name}:{node.lineno} import {alias.name}")
                aliases[alias.asname or alias.name.partition(".")[0]] = alias.name if alias.asname else \
                    alias.name.partition(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                if private(alias.name):
                    found.append(f"{name}:{node.lineno} from {base} import {alias.name}")
                if f"{base}.{alias.name}" in known or not base.startswith("breach"):
                    aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and private(node.attr) and isinstance(node.value, ast.Name)
                and node.value.id in aliases):
            found.append(f"{name}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_no_private_name_crosses_a_module_boundary() -> None:
    known = set(modules())
    found = [hit for path in sorted(PACKAGE.rglob("*.py"))
             for hit in crossings(path.read_text(), module_name(path), known, is_package=path.name == "__init__.py")]
    assert found == []


def test_the_checker_sees_both_forms() -> None:
    source = ("from breach.adapters.slack import _AUTH\nfrom breach.adapters import slack\n"
                      "import os\nfrom datetime import datetime\nclass A:\n    def f(self):\n"
                      "        return self._ok, slack._AUTH, os._exit, datetime._priv, slack.__name__\n")
    found = crossings(source, "breach.x", {"breach.adapters.slack"})
    assert [hit.partition(" ")[2] for hit in found] == [
        "from breach.adapters.slack import _AUTH", "slack._AUTH", "os._exit", "datetime._priv"]
