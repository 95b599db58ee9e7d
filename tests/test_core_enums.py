"""Issue 21, "states, phases, kinds and roles are enums defined once": breach/core names a state by its enum.

The states an incident, a task, an obligation, a notice's phase, a review decision and a draft go
through are StrEnums in breach.core.models. Their values are the strings already stored and printed
(a StrEnum member equals its string), so the database and `--json` output stay byte-identical.
Read with ast over breach/core: a string constant equal to one of these values, used as a value
(compared, assigned, returned), is a state written by hand. Not counted: dictionary keys and
subscripts (`d["late"]`, `{"late": ...}`, `d.get("late")`: field names, not states), docstrings,
and the enum definitions themselves.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from breach.core.models import (
    DraftState,
    EventKind,
    IncidentStatus,
    ObligationState,
    Phase,
    ReviewDecision,
    Role,
    TaskState,
)

CORE = Path(__file__).resolve().parent.parent / "breach" / "core"
STATE_ENUMS = (IncidentStatus, TaskState, ObligationState, Phase, ReviewDecision, DraftState)
STATES = {m.value for enum in STATE_ENUMS for m in enum}

#: Where the same word is not a state: explained, one by one (file, line text fragment).
NOT_STATES = {
    # chart colour classes, the obligation's "overdue" flag shown as a class of its own
    ("chart.py", 'return "overdue"'),
    # an answer about how passwords were stored (EDPB Guidelines 01/2021), not an obligation's state
    ("edpb.py", "PASSWORD_STORAGE = ("), ("edpb.py", 'self.password_storage not in ("strong_hash", "not_applicable")'),
    # an advisory row's `binding` column (law | guidance | advisory), not its state
    ("regimes.py", '"binding": "advisory"'),
}


def _keys(tree: ast.AST) -> set[int]:
    """ids of constants used as a key: subscripts, dict display keys, .get/.pop/.setdefault/in-dict arguments."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            out.add(id(node.slice))
        elif isinstance(node, ast.Dict):
            out.update(id(k) for k in node.keys if k is not None)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args and \
                node.func.attr in {"get", "pop", "setdefault", "__contains__"}:
            out.add(id(node.args[0]))
    return out


def _docstrings(tree: ast.AST) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _enum_bodies(tree: ast.AST) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(ast.unparse(b) == "StrEnum" for b in node.bases):
            out.update(id(n) for n in ast.walk(node))
    return out


def bare_states(source: str, name: str) -> list[str]:
    tree = ast.parse(source)
    skip = _keys(tree) | _docstrings(tree) | _enum_bodies(tree)
    lines = source.splitlines()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in STATES \
                and id(node) not in skip:
            line = lines[node.lineno - 1]
            if not any(name == f and frag in line for f, frag in NOT_STATES):
                found.append(f"{name}:{node.lineno}: {line.strip()}")
    return found


def test_the_check_sees_a_bare_state():
    src = 'def f(o):\n    if o.state == "pending":\n        return "met"\n    return o.get("late")\n'
    assert [f.split(": ", 1)[1] for f in bare_states(src, "x.py")] == ['if o.state == "pending":', 'return "met"']


def test_no_bare_state_literal_in_the_core():
    found = [hit for path in sorted(CORE.rglob("*.py"))
             for hit in bare_states(path.read_text(encoding="utf-8"), path.name)]
    assert not found, "name the state by its enum (breach.core.models):\n" + "\n".join(found)


def test_states_are_the_strings_stored_and_printed():
    # A member is its string: equal, hashed alike, and printed as the string in JSON and f-strings.
    for enum in (*STATE_ENUMS, EventKind, Role):
        for member in enum:
            assert member == member.value and hash(member) == hash(member.value)
            assert json.dumps({"state": member}) == json.dumps({"state": member.value})
            assert f"{member}" == member.value
    assert [p.value for p in Phase] == ["initial", "complete", "supplementary"]


def test_phases_are_defined_once():
    from breach.core import drafting, regime_rules

    assert tuple(regime_rules.PHASES) == tuple(Phase) and drafting.PHASES is regime_rules.PHASES
