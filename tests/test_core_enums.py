"""Issue 21, "states, phases, kinds and roles are enums defined once": breach/core names a state by its enum.

The states an incident, a task, an obligation, a notice's phase, a review decision and a draft go
through are StrEnums in breach.core.models. Their values are the strings already stored and printed
(a StrEnum member equals its string), so the database and `--json` output stay byte-identical.
Read with ast over breach/core: a string constant equal to one of these values, used as a value
(compared, assigned, returned), is a state written by hand. Not counted: dictionary keys and
subscripts (`d["late"]`, `{"late": ...}`, `d.get("late")`: field names, not states), docstrings,
and the enum definitions themselves.

An event kind written by hand is found where it is used as a kind: compared with or assigned to a
`kind` (or the `what` of a change), passed as `kind=`, a `kind` parameter's default, or the change
named to `session.changed`. The same check reads the layers above the core (breach/services,
breach/slack, breach/cli, breach/api.py, breach/adapters), where an outbox row's state (OutboxState)
and a role count too. Every exception is listed below with its reason.
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
from breach.slack.outbox import OutboxState

CORE = Path(__file__).resolve().parent.parent / "breach" / "core"
STATE_ENUMS = (IncidentStatus, TaskState, ObligationState, Phase, ReviewDecision, DraftState)
STATES = {m.value for enum in STATE_ENUMS for m in enum}
KINDS = {m.value for m in EventKind}

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


def _is_kind(node: ast.AST) -> bool:
    text = ast.unparse(node)
    return text.endswith("kind") or text == "what"


def _kind_places(tree: ast.AST) -> set[int]:
    """ids of constants used as an event kind: compared with or assigned to a kind, `kind=`, a `kind`
    parameter's default, the change given to `session.changed(incident, WHAT, ...)`."""
    places: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_kind(o) for o in operands):
                places += [o for o in operands if not _is_kind(o)]
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_is_kind(t) for t in targets):
                places.append(node.value)
        elif isinstance(node, ast.keyword) and node.arg == "kind":
            places.append(node.value)
        elif isinstance(node, ast.arguments):
            named = [*node.posonlyargs, *node.args]
            places += [d for a, d in zip(named[len(named) - len(node.defaults):], node.defaults, strict=True)
                       if a.arg == "kind"]
            places += [d for a, d in zip(node.kwonlyargs, node.kw_defaults, strict=True)
                       if a.arg == "kind" and d is not None]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "changed" \
                and len(node.args) > 1:
            places.append(node.args[1])
    return {id(c) for place in places for c in ast.walk(place) if isinstance(c, ast.Constant)}


def bare_states(source: str, name: str, *, states: set[str] = STATES, kinds: set[str] | None = None,
                exceptions: set[tuple[str, str]] = NOT_STATES) -> list[str]:
    """`file:line: text` of each state (or, in a kind's place, event kind) written as a bare string."""
    tree = ast.parse(source)
    skip = _keys(tree) | _docstrings(tree) | _enum_bodies(tree)
    as_kind = _kind_places(tree) if kinds is not None else set()
    lines = source.splitlines()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip and \
                (node.value in states or (kinds is not None and node.value in kinds and id(node) in as_kind)):
            line = lines[node.lineno - 1]
            if not any(name == f and frag in line for f, frag in exceptions):
                found.append(f"{name}:{node.lineno}: {line.strip()}")
    return found


def test_the_check_sees_a_bare_state():
    src = 'def f(o):\n    if o.state == "pending":\n        return "met"\n    return o.get("late")\n'
    assert [f.split(": ", 1)[1] for f in bare_states(src, "x.py")] == ['if o.state == "pending":', 'return "met"']


def test_no_bare_state_literal_in_the_core():
    found = [hit for path in sorted(CORE.rglob("*.py"))
             for hit in bare_states(path.read_text(encoding="utf-8"), path.name, kinds=KINDS)]
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


# --- above the core: services, Slack, the CLI, the API, the adapters ---------------------------------

BREACH = CORE.parent
ABOVE_CORE = ("services", "slack", "cli", "adapters", "api.py")
#: Converted at merge: these files are being rewritten alongside (customer notices, US letters).
CONVERTED_AT_MERGE: set[str] = set()
#: Above the core a role and an outbox row's state are states too.
STATES_ABOVE = STATES | {m.value for m in Role} | {m.value for m in OutboxState}

#: Where the same word above the core is not a state or a kind: explained, one by one (file, line fragment).
NOT_STATES_ABOVE = {
    # `breach drill` scenario steps name commands (`do: notified`, `do: open`), not events or states
    ("services/drill.py", 'ACTIONS = ("open", "log",'),
    ("services/drill.py", '"notified", "task", "register", "report", "close")'),
    ("services/drill.py", 'if step["do"] in {"open", "assess", "notified", "close"}'),
    # a forced close's refusal names an advisory in words ("1 advisory undecided")
    ("services/closure.py", 'ItemKind.ADVISORY: ("advisory", "advisories", "undecided")'),
    # the keys a drill scenario step may have (`done: false` on a `task` step)
    ("services/drill.py", '"phase", "summary", "jurisdictions", "n", "note", "done",'),
    # the register's column names (GDPR Art. 33(5) register), and a test for its advisories column
    ("services/register.py", '"corrections", "retracted",'), ("services/register.py", '"advisory" in value[0]'),
    # the report's `binding` column (law | guidance | advisory), as in the core (regimes.py)
    ("services/report.py", '"binding": "advisory"'),
    # the review page's redirect says what was done (`&done=approved|changes`): a URL word, not the decision
    ("services/review_site.py", "f\"&done={'approved' if decision"),
    # the name of a text block in templates/slack/actions.j2
    ("slack/actions.py", 'messages.action_text("approved",'),
    # CLI command names, option defaults and argument words, as typed (`breach open`, `--role controller`,
    # `--kind note`, `breach task ID N done|skip`)
    ("cli/incidents.py", 'typer.Option("--role", help="controller or processor.")] = "controller"'),
    ("cli/incidents.py", 'typer.Option("--kind", help="note, action, evidence or decision.")] = "note"'),
    ("cli/incidents.py", '@command(cli, name="open")'),
    ("cli/assess.py", 'if action not in {"done", "skip"}:'), ("cli/assess.py", 'done=action == "done"'),
    # what `breach slack post` prints (posted or queued), a word for people
    ("cli/slack.py", 'state = "posted" if report.queued == 0 else "queued"'),
    # user-facing labels of settled obligations beside their enum keys
    ("cli/status_view.py", 'LABEL: dict[str, str] = {ObligationState.MET: "met"'),
    ("cli/status_view.py", 'ObligationState.NOT_APPLICABLE: "not applicable", ObligationState.DECIDED: "decided"}'),
    # adapters do not import the Slack package (layers one way): a new outbox row is stored queued
    ("adapters/store_sql.py", '"state": "queued", "attempts": 0'),
}


def _where(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _above_core() -> list[Path]:
    paths = [BREACH / p for p in ABOVE_CORE]
    files = [f for p in paths for f in (sorted(p.rglob("*.py")) if p.is_dir() else [p])]
    return [f for f in files if f.name not in CONVERTED_AT_MERGE]


def test_the_check_sees_a_bare_kind_where_a_kind_goes():
    src = ('def f(e, s, kind="note"):\n    if e.kind == "notified":\n        s.changed(e.id, "assessed")\n'
           '    s.append(kind="closed")\n    return {"closed": 1}, "note is a word"\n')
    found = [f.split(": ", 1)[1] for f in bare_states(src, "x.py", states=STATES_ABOVE, kinds=KINDS)]
    assert found == ['def f(e, s, kind="note"):', 'if e.kind == "notified":', 's.changed(e.id, "assessed")',
                     's.append(kind="closed")']


def test_no_bare_state_or_kind_above_the_core():
    files = _above_core()
    assert {f.parent.name for f in files} >= {"services", "slack", "cli", "adapters"}
    found = [hit for path in files
             for hit in bare_states(path.read_text(encoding="utf-8"), _where(path), states=STATES_ABOVE, kinds=KINDS,
                                    exceptions=NOT_STATES_ABOVE)]
    assert not found, "name the state or kind by its enum (breach.core.models, breach.slack.outbox):\n" + \
        "\n".join(found)


def test_every_exception_above_the_core_is_still_needed():
    # An exception whose line is gone (or now uses the enum) must leave the list.
    texts = {_where(f): f.read_text(encoding="utf-8") for f in _above_core()}
    stale = [(f, frag) for f, frag in NOT_STATES_ABOVE if frag not in texts.get(f, "")]
    assert not stale, stale


def test_the_notice_modal_offers_the_phases():
    from breach.slack import actions

    assert actions.PHASES == tuple(Phase)
