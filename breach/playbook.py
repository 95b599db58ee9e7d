"""Playbooks: YAML questionnaires that drive a breach assessment, validated with file:line.

Questions and their legal sources are data that counsel can review; behaviour lives
here: step types resolve through the plain dict `STEP_TYPES`, and `when` conditions
are parsed into a tiny structure that is interpreted, never evaluated as Python
(STYLE.md rule 4). Validation collects every problem at once, each with its line.
The format is documented in playbooks/README.md.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from . import ROOT
from .errors import InputError, NotFoundError, Problem, ValidationError

PLAYBOOK_DIR = ROOT / "playbooks"

TOP_KEYS = ("name", "title", "description", "version", "steps")
STEP_KEYS = (
    "id",
    "question",
    "help",
    "type",
    "choices",
    "default",
    "when",
    "min",
    "max",
    "task",
    "source",
    "optional",
)
CHOICE_KEYS = ("value", "label")
OPS = ("equals", "in", "contains", "gt", "gte", "lt", "lte", "answered")
STEP_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: ISO 3166-1 alpha-2 country, or ISO 3166-2 subdivision such as US-CA.
JURISDICTION = re.compile(r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$")
MAX_EXPRESSION = 500  # keeps ast.parse away from pathological input


# --- data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str

    def __str__(self) -> str:
        return self.value  # what the responder types and what is stored


@dataclass(frozen=True)
class Leaf:
    """`{step: ID, <op>: value}`: the only place a condition touches an answer."""

    step: str
    op: str
    value: Any
    line: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        if self.op == "answered":
            return f"{self.step} answered" if self.value else f"{self.step} not answered"
        if self.op == "contains":
            return f"{self.value!r} in {self.step}"
        if self.op == "in":
            return f"{self.step} in {list(self.value)!r}"
        sign = {"equals": "==", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[self.op]
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return f"{self.step} {sign} {value!r}"


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]

    def __str__(self) -> str:
        return " and ".join(_paren(c) for c in self.items)


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]

    def __str__(self) -> str:
        return " or ".join(_paren(c) for c in self.items)


@dataclass(frozen=True)
class NotOf:
    item: Condition

    def __str__(self) -> str:
        return f"not {_paren(self.item)}"


Condition = Leaf | AllOf | AnyOf | NotOf


def _paren(cond: Condition) -> str:
    return str(cond) if isinstance(cond, Leaf) else f"({cond})"


@dataclass(frozen=True)
class Step:
    """One question (or, for type `task`, one action) of a playbook."""

    id: str
    type: str
    question: str = ""
    help: str = ""
    choices: tuple[Choice, ...] = ()
    default: Any = field(default=None, hash=False)
    when: Condition | None = None
    task: str | None = None
    source: str | None = None
    optional: bool = False
    min: int | None = None
    max: int | None = None
    line: int = 0

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    @property
    def asked(self) -> bool:
        """Task steps are actions, not questions."""
        return STEP_TYPES[self.type].asked


@dataclass(frozen=True)
class Playbook:
    name: str
    title: str
    description: str
    version: str
    path: Path
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise NotFoundError(f"playbook {self.name!r} has no step {step_id!r}")


# --- step types: a plain registry ------------------------------------------------------


@dataclass(frozen=True)
class StepType:
    """How a `type:` parses terminal input and checks a value from an answers file."""

    parse: Callable[[Step, str, str], Any]  # (step, non-empty text, default_zone) -> value
    check: Callable[[Step, Any], str | None]  # value -> problem text, or None
    asked: bool = True
    takes_choices: bool = False
    takes_range: bool = False
    collection: bool = False  # the answer is a list or dict: `contains` applies


_YES = {"y", "yes", "true"}
_NO = {"n", "no", "false"}


def _parse_yes_no(step: Step, text: str, zone: str) -> bool:
    word = text.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise InputError(f"{step.id}: answer yes or no (y/n), not {text!r}")


def _check_bool(step: Step, value: Any) -> str | None:
    return None if isinstance(value, bool) else f"expected yes/no (true/false), got {value!r}"


def _match_choice(step: Step, word: str) -> str:
    word = word.strip()
    if word.isdigit() and 1 <= int(word) <= len(step.choices):
        return step.choices[int(word) - 1].value  # terminals: pick by number
    for choice in step.choices:
        if word.lower() in (choice.value.lower(), choice.label.lower()):
            return choice.value
    raise InputError(
        f"{step.id}: {word!r} is not a choice; answer one of {', '.join(step.choice_values)} (or its number)"
    )


def _parse_choice(step: Step, text: str, zone: str) -> str:
    return _match_choice(step, text)


def _check_choice(step: Step, value: Any) -> str | None:
    if value in step.choice_values:
        return None
    return f"{value!r} is not one of {', '.join(step.choice_values)}"


def _parse_multi(step: Step, text: str, zone: str) -> list[str]:
    words = [w for w in re.split(r"[,;]", text) if w.strip()]
    if not words:
        raise InputError(f"{step.id}: give one or more of {', '.join(step.choice_values)}, separated by commas")
    return list(dict.fromkeys(_match_choice(step, w) for w in words))


def _check_multi(step: Step, value: Any) -> str | None:
    if not isinstance(value, list):
        return f"expected a list of {', '.join(step.choice_values)}, got {value!r}"
    bad = [v for v in value if v not in step.choice_values]
    if bad:
        return f"{', '.join(map(repr, bad))} not among {', '.join(step.choice_values)}"
    return None


def _range_problem(step: Step, number: int) -> str | None:
    if step.min is not None and number < step.min:
        return f"{number} is below the minimum {step.min}"
    if step.max is not None and number > step.max:
        return f"{number} is above the maximum {step.max}"
    return None


def _parse_integer(step: Step, text: str, zone: str) -> int:
    # Art. 33(4) and EDPB 9/2022 para 52: approximate numbers are fine ("~1200", "1 200").
    raw = re.sub(r"[\s_]", "", text).lstrip("~")
    try:
        number = int(raw)
    except ValueError:
        raise InputError(f"{step.id}: give a whole number (an estimate is fine), not {text!r}") from None
    problem = _range_problem(step, number)
    if problem:
        raise InputError(f"{step.id}: {problem}")
    return number


def _check_integer(step: Step, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"expected a whole number, got {value!r}"
    return _range_problem(step, value)


def _parse_datetime(step: Step, text: str, zone: str) -> str:
    from . import clock

    return clock.iso(clock.parse_when(text, default_zone=zone))


def _check_datetime(step: Step, value: Any) -> str | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return f"expected an ISO 8601 time with offset, got {value!r}"
    if not isinstance(value, datetime):
        return f"expected an ISO 8601 time with offset, got {value!r}"
    if value.tzinfo is None:
        return f"the time {value.isoformat()} has no offset (e.g. +01:00)"
    return None


def _parse_text(step: Step, text: str, zone: str) -> str:
    return text.strip()


def _check_text(step: Step, value: Any) -> str | None:
    """Text, or the same text per language ({en: ..., fr: ...}) for notices in several languages."""
    if isinstance(value, dict) and value:
        bad = [k for k, v in value.items()
               if not (isinstance(k, str) and len(k) == 2 and isinstance(v, str) and v.strip())]
        return f"per-language text needs two-letter language codes and text, not {bad!r}" if bad else None
    return None if isinstance(value, str) and value.strip() else f"expected text, got {value!r}"


def _parse_task(step: Step, text: str, zone: str) -> bool:
    """A task's 'answer' is whether it is done."""
    return _parse_yes_no(step, text, zone)


def _parse_jurisdictions(step: Step, text: str, zone: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in (p.strip() for p in re.split(r"[,;]", text)):
        if not part:
            continue
        code, sep, count = part.partition("=")
        if not sep:
            code, sep, count = part.partition(":")
        code = code.strip().upper()
        if not sep or not JURISDICTION.match(code):
            raise InputError(
                f"{step.id}: write CODE=PEOPLE pairs with ISO 3166 codes, e.g. 'BE=1200, US-CA=800' (not {part!r})"
            )
        try:
            people = int(re.sub(r"[\s_]", "", count).lstrip("~"))
        except ValueError:
            raise InputError(f"{step.id}: {count.strip()!r} for {code} is not a whole number") from None
        if people < 0:
            raise InputError(f"{step.id}: negative count for {code}")
        if code in out:
            raise InputError(f"{step.id}: {code} given twice")
        out[code] = people
    if not out:
        raise InputError(f"{step.id}: give CODE=PEOPLE pairs, e.g. 'BE=1200, US-CA=800'")
    return out


def _check_jurisdictions(step: Step, value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"expected a mapping such as {{BE: 1200, US-CA: 800}}, got {value!r}"
    for code, people in value.items():
        if not isinstance(code, str) or not JURISDICTION.match(code):
            return f"{code!r} is not an ISO 3166 code such as BE or US-CA"
        if isinstance(people, bool) or not isinstance(people, int) or people < 0:
            return f"{code}: expected a number of people, got {people!r}"
    return None


STEP_TYPES: dict[str, StepType] = {
    "yes_no": StepType(_parse_yes_no, _check_bool),
    "choice": StepType(_parse_choice, _check_choice, takes_choices=True),
    "multi_choice": StepType(_parse_multi, _check_multi, takes_choices=True, collection=True),
    "integer": StepType(_parse_integer, _check_integer, takes_range=True),
    "datetime": StepType(_parse_datetime, _check_datetime),
    "text": StepType(_parse_text, _check_text),
    "task": StepType(_parse_task, _check_bool, asked=False),
    "jurisdictions": StepType(_parse_jurisdictions, _check_jurisdictions, collection=True),
}


# --- conditions: evaluation ------------------------------------------------------------


def _answered(answers: dict, step_id: str) -> bool:
    return answers.get(step_id) is not None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(answer: Any, value: Any) -> bool:
    if isinstance(answer, list | tuple) and isinstance(value, tuple):
        return set(answer) == set(value)  # multi_choice: order does not matter
    if _number(answer) and _number(value):
        return answer == value  # 3 == 3.0
    return type(answer) is type(value) and answer == value  # True is not 1, "1" is not 1


def holds(cond: Condition | None, answers: dict) -> bool:
    """Interpret a condition on answers. An unanswered step makes a leaf false."""
    if cond is None:
        return True
    if isinstance(cond, AllOf):
        return all(holds(c, answers) for c in cond.items)
    if isinstance(cond, AnyOf):
        return any(holds(c, answers) for c in cond.items)
    if isinstance(cond, NotOf):
        return not holds(cond.item, answers)
    if cond.op == "answered":
        return _answered(answers, cond.step) is cond.value
    if not _answered(answers, cond.step):
        return False
    answer = answers[cond.step]
    if cond.op == "equals":
        return _equal(answer, cond.value)
    if cond.op == "in":
        if isinstance(answer, list | tuple):
            return any(_equal(a, v) for a in answer for v in cond.value)
        return any(_equal(answer, v) for v in cond.value)
    if cond.op == "contains":
        return isinstance(answer, list | tuple | dict) and cond.value in answer
    if not _number(answer):
        return False
    return {
        "gt": answer > cond.value,
        "gte": answer >= cond.value,
        "lt": answer < cond.value,
        "lte": answer <= cond.value,
    }[cond.op]


def _leaves(cond: Condition | None) -> Iterator[Leaf]:
    if cond is None:
        return
    if isinstance(cond, Leaf):
        yield cond
    elif isinstance(cond, NotOf):
        yield from _leaves(cond.item)
    else:
        for item in cond.items:
            yield from _leaves(item)


# --- conditions: compiling YAML and expression strings --------------------------------


class _Ctx:
    """Where problems go while one file is validated."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))


def _line(node: Any, key: str | int | None = None, fallback: int | None = None) -> int | None:
    if key is not None and hasattr(node, "line_of"):
        return node.line_of(key)
    return getattr(node, "line", None) or fallback


def _freeze(value: Any) -> Any:
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def _compile(raw: Any, line: int | None, ctx: _Ctx) -> Condition | None:
    """YAML condition (mapping or expression string) -> Condition; problems go to ctx."""
    if isinstance(raw, str):
        return _compile_expression(raw, line, ctx)
    if not isinstance(raw, dict) or not raw:
        ctx.add(
            line,
            f"a condition is a mapping (all, any, not, or step with an operator) or an expression string, not {raw!r}",
        )
        return None
    line = _line(raw, fallback=line)
    combinators = [k for k in ("all", "any", "not") if k in raw]
    if combinators:
        key = combinators[0]
        for extra in [k for k in raw if k != key]:
            ctx.add(_line(raw, extra), f"{extra!r} cannot sit next to {key!r}; nest it in an 'all' instead")
        body = raw[key]
        if key == "not":
            item = _compile(body, _line(raw, key), ctx)
            return NotOf(item) if item is not None else None
        if not isinstance(body, list) or not body:
            ctx.add(_line(raw, key), f"{key!r} takes a non-empty list of conditions")
            return None
        items = [_compile(c, _line(body, i, _line(raw, key)), ctx) for i, c in enumerate(body)]
        if any(i is None for i in items):
            return None
        return (AllOf if key == "all" else AnyOf)(tuple(items))
    if "step" not in raw:
        ctx.add(
            line,
            f"unknown condition {', '.join(map(repr, raw))} (use all, any, not, "
            "or step with one of " + ", ".join(OPS) + ")",
        )
        return None
    ok = True
    for key in raw:
        if key != "step" and key not in OPS:
            ctx.add(_line(raw, key), f"unknown condition key {key!r} (one of {', '.join(OPS)})")
            ok = False
    ops = [k for k in raw if k in OPS]
    if len(ops) != 1:
        if ok:
            ctx.add(line, f"a step condition needs exactly one of {', '.join(OPS)}")
        return None
    op, value = ops[0], raw[ops[0]]
    step_id = raw["step"]
    if not isinstance(step_id, str):
        ctx.add(_line(raw, "step"), f"'step' names a step id, not {step_id!r}")
        return None
    shape = _operand_problem(op, value)
    if shape:
        ctx.add(_line(raw, op), shape)
        return None
    if not ok:
        return None
    return Leaf(step_id, op, _freeze(value), line=_line(raw, "step"))


def _operand_problem(op: str, value: Any) -> str | None:
    scalar = str | int | float | bool
    if op == "answered" and not isinstance(value, bool):
        return "'answered' takes true or false"
    if op == "in" and (not isinstance(value, list | tuple) or not value):
        return "'in' takes a non-empty list of values"
    if op in ("gt", "gte", "lt", "lte") and not _number(value):
        return f"{op!r} takes a number, not {value!r}"
    if op == "contains" and not isinstance(value, scalar):
        return f"'contains' takes one value, not {value!r}"
    if op == "equals" and not isinstance(value, scalar | list):
        return f"'equals' takes a value or a list, not {value!r}"
    return None


# Node types an expression may contain; anything else is refused before it is looked at.
_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
)
_REFUSED = {
    ast.Call: "function calls are not allowed",
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.NamedExpr: "assignment is not allowed",
    ast.BinOp: "arithmetic is not allowed",
    ast.IfExp: "if-expressions are not allowed",
    ast.Starred: "starred expressions are not allowed",
}
_COMPARE = {ast.Eq: "equals", ast.Lt: "lt", ast.LtE: "lte", ast.Gt: "gt", ast.GtE: "gte"}
_MIRROR = {"lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte", "equals": "equals"}
_YAML_WORDS = {"true": True, "false": False, "null": None}


class _Refused(Exception):
    pass


def _compile_expression(text: str, line: int | None, ctx: _Ctx) -> Condition | None:
    """Parse `"'integrity' in breach_types and malicious == true"` with `ast`, whitelisted.

    The tree is only inspected and translated into Leaf/AllOf/AnyOf/NotOf: nothing is
    compiled or evaluated, so `__import__('os').system(...)` is just a refused Call.
    """
    if len(text) > MAX_EXPRESSION:
        ctx.add(line, f"condition longer than {MAX_EXPRESSION} characters; use the structured form (all/any/not)")
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        msg = getattr(exc, "msg", None) or type(exc).__name__
        ctx.add(line, f"condition {text!r} is not a valid expression: {msg}")
        return None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            reason = _REFUSED.get(type(node), f"{type(node).__name__} is not allowed")
            ctx.add(line, f"condition {text!r}: {reason} (only step ids, constants, comparisons, in, and/or/not)")
            return None
    try:
        return _translate(tree.body)
    except _Refused as exc:
        ctx.add(line, f"condition {text!r}: {exc}")
        return None


def _constant(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
        return node.value
    if isinstance(node, ast.Name) and node.id in _YAML_WORDS:
        return _YAML_WORDS[node.id]
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and _number(node.operand.value)
    ):
        return -node.operand.value
    if isinstance(node, ast.List | ast.Tuple):
        return tuple(_constant(e) for e in node.elts)
    raise _Refused("expected a constant (a quoted string, number, true/false or a list)")


def _step_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name) and node.id not in _YAML_WORDS:
        return node.id
    return None


def _translate(node: ast.AST) -> Condition:
    if isinstance(node, ast.BoolOp):
        items = tuple(_translate(v) for v in node.values)
        return AllOf(items) if isinstance(node.op, ast.And) else AnyOf(items)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return NotOf(_translate(node.operand))
    if _step_name(node):
        return Leaf(node.id, "equals", True)  # bare `malicious` means malicious == true
    if isinstance(node, ast.Compare):
        parts: list[Condition] = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            parts.append(_compare(left, op, right))
            left = right
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))
    raise _Refused("a condition must compare a step id with a constant")


def _compare(left: ast.AST, op: ast.cmpop, right: ast.AST) -> Condition:
    name_left, name_right = _step_name(left), _step_name(right)
    if isinstance(op, ast.In | ast.NotIn):
        if name_left and not name_right:
            values = _constant(right)
            if not isinstance(values, tuple):
                raise _Refused(f"'{name_left} in ...' needs a list of values")
            leaf = Leaf(name_left, "in", values)
        elif name_right and not name_left:
            leaf = Leaf(name_right, "contains", _constant(left))
        else:
            raise _Refused("'in' compares one step id with constants")
        return NotOf(leaf) if isinstance(op, ast.NotIn) else leaf
    if isinstance(op, ast.NotEq):
        return NotOf(_compare(left, ast.Eq(), right))
    kind = _COMPARE[type(op)]
    if name_left and not name_right:
        name, value = name_left, _constant(right)
    elif name_right and not name_left:
        name, value, kind = name_right, _constant(left), _MIRROR[kind]
    else:
        raise _Refused("a comparison needs one step id and one constant")
    if kind != "equals" and not _number(value):
        raise _Refused(f"{name}: only numbers can be compared with <, <=, >, >=")
    return Leaf(name, kind, value)


# --- loading and validation ------------------------------------------------------------


def _read(path: Path) -> tuple[Any, list[Problem]]:
    """Parse YAML keeping line numbers; report duplicate keys but keep validating.

    yamlio.load_yaml stops at duplicate keys; to list every problem at once we
    re-read with the same loader, which keeps the first of duplicated keys.
    """
    from . import yamlio

    try:
        return yamlio.load_yaml(path), []
    except ValidationError as exc:
        duplicates = [p for p in exc.problems if p.message.startswith("duplicate key")]
        if not duplicates or len(duplicates) != len(exc.problems):
            raise
    loader = yamlio._Loader(path.read_text(encoding="utf-8"))
    loader.path, loader.problems = str(path), []
    try:
        return loader.get_single_data(), duplicates
    finally:
        loader.dispose()


def _text(node: dict, key: str, ctx: _Ctx, *, required: bool) -> str:
    value = node.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            ctx.add(_line(node), f"missing {key!r}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        ctx.add(_line(node, key), f"{key!r} must be text, not {value!r}")
        return ""
    return str(value).strip()


def _choices(node: dict, kind: StepType | None, ctx: _Ctx) -> tuple[Choice, ...]:
    raw = node.get("choices")
    if raw is None:
        if kind is not None and kind.takes_choices:
            ctx.add(_line(node), f"step {node.get('id')!r}: a {node.get('type')} step needs 'choices'")
        return ()
    line = _line(node, "choices")
    if kind is not None and not kind.takes_choices:
        ctx.add(line, f"'choices' only applies to choice and multi_choice steps, not {node.get('type')}")
        return ()
    if not isinstance(raw, list) or not raw:
        ctx.add(line, "'choices' must be a non-empty list")
        return ()
    out: list[Choice] = []
    seen: dict[str, int | None] = {}
    for i, item in enumerate(raw):
        item_line = _line(raw, i, line)
        if isinstance(item, dict):
            for key in item:
                if key not in CHOICE_KEYS:
                    ctx.add(_line(item, key), f"unknown choice key {key!r} (value, label)")
            value, label = item.get("value"), item.get("label", item.get("value"))
        else:
            value, label = item, item
        if not isinstance(value, str) or not value.strip():
            hint = " (quote it: YAML reads yes/no/on/off as booleans)" if isinstance(value, bool) else ""
            ctx.add(item_line, f"a choice value must be a string, not {value!r}{hint}")
            continue
        if value in seen:
            ctx.add(item_line, f"duplicate choice {value!r} (first at line {seen[value]})")
            continue
        seen[value] = item_line
        out.append(Choice(value, str(label)))
    return tuple(out)


def _step(node: Any, index: int, steps_line: int | None, ctx: _Ctx) -> Step | None:
    """Validate one step mapping; return a Step when later checks can rely on it.

    Cosmetic problems (an unknown key, missing help) are reported but the step is
    still returned, so conditions that use it are checked too; a step whose id,
    type, choices, range or condition is wrong is not, to avoid knock-on reports.
    """
    line = _line(node, fallback=steps_line)
    if not isinstance(node, dict):
        ctx.add(line, f"step {index + 1} must be a mapping, not {node!r}")
        return None
    for key in node:
        if key not in STEP_KEYS:
            ctx.add(_line(node, key), f"unknown step key {key!r} (one of {', '.join(STEP_KEYS)})")
    step_id = node.get("id")
    if not isinstance(step_id, str) or not STEP_ID.match(step_id):
        ctx.add(
            _line(node, "id") if "id" in node else line, f"step id must be snake_case (a-z, 0-9, _), not {step_id!r}"
        )
        step_id = None
    type_name = node.get("type")
    kind = STEP_TYPES.get(type_name) if isinstance(type_name, str) else None
    if "type" not in node:
        ctx.add(line, f"step {step_id!r}: missing 'type' (one of {', '.join(STEP_TYPES)})")
    elif kind is None:
        ctx.add(_line(node, "type"), f"unknown step type {type_name!r} (one of {', '.join(STEP_TYPES)})")
    asked = kind is None or kind.asked
    question = _text(node, "question", ctx, required=asked)
    help_text = _text(node, "help", ctx, required=asked)
    task = _text(node, "task", ctx, required=kind is not None and not kind.asked)
    if task and asked and kind is not None:
        ctx.add(_line(node, "task"), "'task' only applies to task steps")
    source = _text(node, "source", ctx, required=False) or None
    optional = node.get("optional", False)
    if not isinstance(optional, bool):
        ctx.add(_line(node, "optional"), "'optional' must be true or false")
        optional = False
    before = len(ctx.problems)  # from here on, problems make the step unusable
    choices = _choices(node, kind, ctx)
    bounds: dict[str, int | None] = {}
    for key in ("min", "max"):
        value = node.get(key)
        if value is not None and (kind is not None and not kind.takes_range):
            ctx.add(_line(node, key), f"{key!r} only applies to integer steps")
        elif value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            ctx.add(_line(node, key), f"{key!r} must be a whole number, not {value!r}")
            value = None
        bounds[key] = value
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        ctx.add(_line(node, "min"), f"min {bounds['min']} is above max {bounds['max']}")
    when = _compile(node["when"], _line(node, "when"), ctx) if "when" in node else None
    if len(ctx.problems) != before or step_id is None or kind is None:
        return None
    step = Step(
        id=step_id,
        type=type_name,
        question=question,
        help=help_text,
        choices=choices,
        default=_freeze(node.get("default")),
        when=when,
        task=task or None,
        source=source,
        optional=optional,
        min=bounds["min"],
        max=bounds["max"],
        line=line or 0,
    )
    if "default" in node and node["default"] is not None:
        problem = kind.check(step, node["default"])
        if problem:
            ctx.add(_line(node, "default"), f"step {step_id!r}: default {problem}")
            return None
    return step


def _check_references(
    step: Step,
    node: dict,
    *,
    known: dict[str, Step],
    later: dict[str, int],
    broken: set[str],
    ctx: _Ctx,
) -> bool:
    """Conditions may only use earlier, answerable steps, with operators that fit them.

    `known` holds the earlier valid steps; a condition on an earlier `broken` step
    (already reported) is skipped rather than reported twice.
    """
    ok = True
    for leaf in _leaves(step.when):
        line = leaf.line or _line(node, "when")
        if leaf.step in broken:
            ok = False
            continue
        if leaf.step == step.id:
            ctx.add(line, f"step {step.id!r}: condition refers to the step itself")
            ok = False
        elif leaf.step in known:
            ref = known[leaf.step]
            kind = STEP_TYPES[ref.type]
            if not kind.asked and leaf.op != "answered":
                ctx.add(line, f"condition on {leaf.step!r}: task steps have no answer")
                ok = False
            elif leaf.op == "contains" and not kind.collection:
                ctx.add(line, f"'contains' needs a list answer; {leaf.step!r} is {ref.type} (use equals or in)")
                ok = False
            elif leaf.op in ("gt", "gte", "lt", "lte") and ref.type != "integer":
                ctx.add(line, f"{leaf.op!r} needs an integer step; {leaf.step!r} is {ref.type}")
                ok = False
        elif leaf.step in later:
            ctx.add(
                line,
                f"condition refers to step {leaf.step!r}, which comes later "
                f"(line {later[leaf.step]}); conditions may only use earlier answers",
            )
            ok = False
        else:
            ctx.add(line, f"condition refers to unknown step {leaf.step!r}")
            ok = False
    return ok


# --- reachability: can a condition ever be true? -------------------------------------


def _leaf_can_hold(leaf: Leaf, ref: Step, reachable: bool, why: list[str]) -> bool:
    if leaf.op == "answered":
        if leaf.value and not reachable:
            why.append(f"{leaf.step!r} is itself unreachable")
            return False
        return True
    if not reachable:
        why.append(f"{leaf.step!r} is itself unreachable, so it is never answered")
        return False
    values = leaf.value if leaf.op == "in" else (leaf.value,)
    if leaf.op in ("gt", "gte", "lt", "lte"):
        lo, hi, n = ref.min, ref.max, leaf.value
        ok = {
            "gt": hi is None or hi > n,
            "gte": hi is None or hi >= n,
            "lt": lo is None or lo < n,
            "lte": lo is None or lo <= n,
        }[leaf.op]
        if not ok:
            why.append(f"{leaf} is impossible for {leaf.step!r} (range {lo}..{hi})")
        return ok
    if any(_value_possible(leaf.op, v, ref) for v in values):
        return True
    if ref.choices:
        why.append(f"{leaf} needs a value that is not a choice of {leaf.step!r} ({', '.join(ref.choice_values)})")
    else:
        why.append(f"{leaf} can never match a {ref.type} answer")
    return False


def _value_possible(op: str, value: Any, ref: Step) -> bool:
    kind = ref.type
    if op == "contains":
        return value in ref.choice_values if kind == "multi_choice" else isinstance(value, str)
    if kind == "choice":
        return value in ref.choice_values
    if kind == "multi_choice":
        if op == "in":
            return value in ref.choice_values
        return isinstance(value, tuple) and all(v in ref.choice_values for v in value)
    if kind == "yes_no":
        return isinstance(value, bool)
    if kind == "integer":
        return _check_integer(ref, value) is None
    if kind in ("text", "datetime"):
        return isinstance(value, str)
    return False  # jurisdictions: a dict never equals a constant


def _can(cond: Condition, steps: dict[str, Step], reachable: dict[str, bool], why: list[str]) -> tuple[bool, bool]:
    """Return (can be true, can be false), treating leaves as independent.

    Conservative: a condition reported impossible really is; a few impossible ones
    (contradictions across different operators) go unnoticed.
    """
    if isinstance(cond, Leaf):
        return _leaf_can_hold(cond, steps[cond.step], reachable[cond.step], why), True
    if isinstance(cond, NotOf):
        can_true, can_false = _can(cond.item, steps, reachable, why)
        return can_false, can_true
    results = [_can(c, steps, reachable, why) for c in cond.items]
    if isinstance(cond, AnyOf):
        return any(t for t, _ in results), all(f for _, f in results)
    can_true = all(t for t, _ in results)
    wanted: dict[str, Any] = {}
    for item in cond.items:
        if isinstance(item, Leaf) and item.op == "equals":
            if item.step in wanted and not _equal(wanted[item.step], item.value):
                why.append(f"{item.step!r} cannot equal both {wanted[item.step]!r} and {item.value!r}")
                can_true = False
            wanted.setdefault(item.step, item.value)
    return can_true, any(f for _, f in results)


def _build(path: Path) -> tuple[Playbook | None, list[Problem]]:
    ctx = _Ctx(str(path))
    try:
        data, ctx.problems = _read(path)
    except ValidationError as exc:
        return None, exc.problems
    if not isinstance(data, dict):
        ctx.add(_line(data) or 1, "a playbook is a mapping with name, title and steps")
        return None, ctx.problems
    for key in data:
        if key not in TOP_KEYS:
            ctx.add(_line(data, key), f"unknown top-level key {key!r} (one of {', '.join(TOP_KEYS)})")
    name = _text(data, "name", ctx, required=True)
    if name and not re.match(r"^[a-z][a-z0-9_-]*$", name):
        ctx.add(_line(data, "name"), f"name must be lower-case letters, digits, - or _: {name!r}")
    title = _text(data, "title", ctx, required=True)
    description = _text(data, "description", ctx, required=False)
    version = _text(data, "version", ctx, required=False)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        ctx.add(_line(data, "steps") if "steps" in data else _line(data), "'steps' must be a non-empty list")
        raw_steps = []

    # Ids first, so a condition can tell "comes later" from "unknown".
    first_line: dict[str, int] = {}
    for node in raw_steps:
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            first_line.setdefault(node["id"], _line(node, "id") or 0)

    steps: list[Step] = []
    known: dict[str, Step] = {}
    seen: set[str] = set()
    reachable: dict[str, bool] = {}
    broken: set[str] = set()
    for index, node in enumerate(raw_steps):
        step = _step(node, index, _line(raw_steps, index), ctx)
        step_id = node.get("id") if isinstance(node, dict) else None
        if isinstance(step_id, str):
            if step_id in seen:
                ctx.add(_line(node, "id"), f"duplicate step id {step_id!r} (first at line {first_line[step_id]})")
                continue
            seen.add(step_id)
        if step is None:
            if isinstance(step_id, str):
                broken.add(step_id)
            continue
        later = {k: v for k, v in first_line.items() if k not in seen}
        if not _check_references(step, node, known=known, later=later, broken=broken, ctx=ctx):
            broken.add(step.id)
            continue
        why: list[str] = []
        can_true = step.when is None or _can(step.when, known, reachable, why)[0]
        reachable[step.id] = can_true
        if not can_true:
            ctx.add(
                _line(node, "when"),
                f"step {step.id!r} is unreachable: its condition {step.when} can never hold ({'; '.join(why)})",
            )
        known[step.id] = step
        steps.append(step)
    if ctx.problems:
        return None, sorted(ctx.problems, key=lambda p: p.line or 0)
    playbook = Playbook(
        name=name,
        title=title,
        description=description,
        version=version,
        path=path,
        steps=tuple(steps),
    )
    return playbook, []


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem in a playbook file, each with file:line; empty when valid."""
    return _build(Path(path))[1]


def load_playbook(path: str | Path) -> Playbook:
    """Load and validate a playbook; raise ValidationError listing every problem."""
    playbook, problems = _build(Path(path))
    if problems or playbook is None:
        raise ValidationError(problems)
    return playbook


def list_playbooks() -> list[Playbook]:
    """The shipped playbooks, by name."""
    return [load_playbook(p) for p in sorted(PLAYBOOK_DIR.glob("*.yaml"))]


def find_playbook(name_or_path: str) -> Path:
    """A shipped playbook by name ('gdpr'), or a path to a .yaml file."""
    path = Path(name_or_path).expanduser()
    looks_like_path = path.suffix in (".yaml", ".yml") or len(path.parts) > 1
    if not looks_like_path:
        shipped = PLAYBOOK_DIR / f"{name_or_path}.yaml"
        if shipped.is_file():
            return shipped
    if path.is_file():
        return path
    names = ", ".join(p.stem for p in sorted(PLAYBOOK_DIR.glob("*.yaml"))) or "none"
    if looks_like_path:
        raise NotFoundError(f"no playbook file {str(path)!r}")
    raise NotFoundError(f"no playbook named {name_or_path!r} (shipped: {names}); give a name or a path to a .yaml file")


# --- answering ---------------------------------------------------------------------------


def is_relevant(step: Step, answers: dict) -> bool:
    """Whether the step's condition holds on the answers given so far."""
    return holds(step.when, answers)


def relevant_answers(playbook: Playbook, answers: dict) -> dict:
    """Answers of relevant steps only, decided in order, so a stale answer (an
    integrity answer after integrity was removed from breach_types) drops out.
    Pass this to risk.assess."""
    kept: dict = {}
    for step in playbook.steps:
        if step.id in answers and is_relevant(step, kept):
            kept[step.id] = answers[step.id]
    return kept


def next_step(playbook: Playbook, answers: dict) -> Step | None:
    """The first relevant question with no entry in answers (a skipped optional
    question is stored as None and counts as seen); None when done."""
    kept = relevant_answers(playbook, answers)
    for step in playbook.steps:
        if step.asked and step.id not in answers and is_relevant(step, kept):
            return step
    return None


def missing_answers(playbook: Playbook, answers: dict) -> list[Step]:
    """Relevant, required questions still without an answer."""
    kept = relevant_answers(playbook, answers)
    return [
        step
        for step in playbook.steps
        if step.asked and not step.optional and kept.get(step.id) is None and is_relevant(step, kept)
    ]


def parse_answer(step: Step, text: str, *, default_zone: str = "Europe/Brussels") -> Any:
    """Turn terminal input into the stored value; empty input takes the default.

    Raises InputError saying what a valid answer looks like.
    """
    kind = STEP_TYPES[step.type]
    if not (text or "").strip():
        if step.default is not None:
            default = step.default
            return list(default) if isinstance(default, tuple) else default
        if step.optional:
            return None
        raise InputError(f"{step.id}: an answer is required")
    return kind.parse(step, text, default_zone)


def unknown_answers(playbook: Playbook, answers: dict) -> list[str]:
    """Answer keys that are not steps of the playbook: a typo must not silently drop a fact."""
    import difflib

    ids = [s.id for s in playbook.steps]
    problems = []
    for key in answers:
        if key not in ids:
            near = difflib.get_close_matches(str(key), ids, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(f"{key}: not a question of playbook {playbook.name!r}{hint}")
    return problems


def check_answers(playbook: Playbook, answers: dict) -> list[str]:
    """Problems with an answers file: unknown step ids and values of the wrong type."""
    if not isinstance(answers, dict):
        return [f"answers must be a mapping of step id to value, not {type(answers).__name__}"]
    steps = {s.id: s for s in playbook.steps}
    problems: list[str] = []
    for key, value in answers.items():
        step = steps.get(key)
        if step is None:
            problems.append(f"{key}: not a step of playbook {playbook.name!r}")
            continue
        if value is None:
            continue  # skipped; missing_answers reports it if it was required
        problem = STEP_TYPES[step.type].check(step, value)
        if problem:
            problems.append(f"{key}: {problem}")
    return problems


def tasks_for(playbook: Playbook, answers: dict) -> list[dict]:
    """The actions this breach calls for: task steps whose condition holds."""
    kept = relevant_answers(playbook, answers)
    return [
        {"step": step.id, "text": step.task, "source": step.source}
        for step in playbook.steps
        if not step.asked and is_relevant(step, kept)
    ]


# --- feedback after an answer ------------------------------------------------------------

_DPC_STEPS = {"data_categories", "special_categories", "dpc_score", "dpc_reason", "vulnerable_subjects"}
_CB_STEPS = {"confidentiality", "integrity", "availability", "malicious", "breach_types", "malware",
             "exfiltration_ruled_out"}


def describe_effect(step: Step, value: Any, answers: dict) -> str | None:
    """One line shown after an answer: what it did to the score or to the duties."""
    from . import risk

    merged = {**answers, step.id: value}
    if step.id == "risk_override" and value is not None:
        try:  # the computed risk, before the override (a lower one fails until its reason is given)
            computed = risk.assess({k: v for k, v in answers.items() if not k.startswith("risk_override")}).risk
        except InputError:
            return None
        if risk.RISKS.index(value) < risk.RISKS.index(computed):
            return f"Computed risk: {computed}; lowering it to {value} needs a reason (next question)"
        return f"Computed risk: {computed}; your decision: {value}"
    try:
        result = risk.assess(merged)
    except InputError:
        return None  # an incomplete pair (dpc_score before dpc_reason) or a bad value
    if step.id == "role" and value == "processor":
        return "Processor: notify the controller without undue delay (Art. 33(2)); the controller assesses the risk"
    if step.id in _DPC_STEPS:
        categories = list(merged.get("data_categories") or [])
        if merged.get("special_categories") and "sensitive" not in categories:
            categories.append("sensitive")
        why = ", ".join(categories) or "not answered"
        if merged.get("dpc_score") is not None and merged.get("dpc_reason"):
            why = f"override: {merged['dpc_reason']}"
        return f"ENISA DPC so far: {result.dpc} ({why})"
    if step.id == "ease_of_identification":
        return f"ENISA EI: {result.ei:g}; severity so far {result.severity:g} ({result.level})"
    if step.id in _CB_STEPS:
        parts = ", ".join(f"{k} {v:g}" for k, v in result.cb_elements.items() if v)
        return f"ENISA CB so far: {result.cb:g}" + (f" ({parts})" if parts else "")
    if step.id == "unintelligible" and value:
        if result.exemption == "art34_3_a":
            return "Art. 34(3)(a) exemption now applies: no letters to data subjects"
        return "Data unintelligible (ENISA flag); other losses still count"
    if step.id == "mitigated_high_risk" and value and result.exemption == "art34_3_b":
        return "Art. 34(3)(b) exemption now applies: the high risk is no longer likely"
    if step.id == "disproportionate_effort" and value and result.exemption == "art34_3_c":
        return "Art. 34(3)(c) applies: a public communication replaces individual letters"
    if step.id == "subjects_count" and "more_than_100_people" in result.flags:
        return "ENISA flag: more than 100 people affected"
    return None
