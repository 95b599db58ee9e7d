"""The package's layout: no import cycle (function-level imports included), layers one way, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "breach"
MAX_LINES = 800


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Every breach module this file imports, at any depth (inside functions too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in known and t != name}
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) for name, path in known.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_anywhere_in_breach() -> None:
    assert find_cycle(graph()) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


LAYER = {"cli": 3, "api": 2, "services": 2, "adapters": 1, "core": 0}
#: breach/slack is one feature across the layers: its pure rules and keys sit with the core, its
#: settings, its texts (rendered from template files) and the slack_sdk adapter with the adapters,
#: its queueing, sending and listening with the services.
SLACK_LAYER = {"policy": 0, "messages": 1, "outbox": 0, "identity": 0, "signing": 0, "config": 1, "client": 1,
               "notifier": 2, "flush": 2, "actions": 2, "listen": 2}


def layer(name: str) -> int | None:
    parts = name.split(".")
    if parts[1:2] == ["slack"]:
        return SLACK_LAYER[parts[2]] if len(parts) > 2 else 0
    return LAYER.get(parts[1]) if len(parts) > 1 else None


def test_every_slack_module_has_a_layer() -> None:
    assert {n.split(".")[2] for n in graph() if n.startswith("breach.slack.")} == set(SLACK_LAYER)


def third_party(path: Path) -> set[str]:
    """The top-level names of everything a file imports (inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.partition(".")[0])
    return found


def test_only_the_slack_client_imports_slack_sdk() -> None:
    users = sorted(name for name, path in modules().items() if "slack_sdk" in third_party(path))
    assert users == ["breach.slack.client"]


def test_the_slack_cli_calls_the_slack_package_only() -> None:
    """The CLI's Slack commands go through breach.slack: no service or adapter of their own."""
    allowed = ("breach.slack", "breach.cli", "breach.core")
    elsewhere = [o for o in graph()["breach.cli.slack"] if not o.startswith(allowed)]
    assert elsewhere == []


@pytest.mark.parametrize("name", sorted(graph()))
def test_imports_go_one_way(name: str) -> None:
    """cli -> services -> core, services -> adapters; the core imports nothing above it."""
    mine = layer(name)
    if mine is None:
        return
    above = [other for other in graph()[name] if (theirs := layer(other)) is not None and theirs > mine]
    if name.startswith("breach.core"):
        above += [o for o in graph()[name] if o.startswith("breach.adapters")]
    if name.startswith("breach.adapters"):
        # adapters may use the core's records and time; never services or the CLI
        above = [o for o in above if not o.startswith("breach.core")]
    assert above == [], f"{name} imports a higher layer: {above}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_above_800_lines(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= MAX_LINES
