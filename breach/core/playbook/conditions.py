"""`when` conditions: YAML and expression strings compiled to a tiny structure, then interpreted."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any, TypeGuard

from breach.core.playbook.model import MAX_EXPRESSION, OPS, AllOf, AnyOf, Condition, Leaf, NotOf
from breach.errors import Problem

# --- conditions: evaluation ------------------------------------------------------------


def _answered(answers: dict[str, Any], step_id: str) -> bool:
    return answers.get(step_id) is not None


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def equal(answer: Any, value: Any) -> bool:
    if isinstance(answer, list | tuple) and isinstance(value, tuple):
        return set(answer) == set(value)  # multi_choice: order does not matter
    if _number(answer) and _number(value):
        return answer == value  # 3 == 3.0
    return type(answer) is type(value) and answer == value  # True is not 1, "1" is not 1


def holds(cond: Condition | None, answers: dict[str, Any]) -> bool:
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
        return equal(answer, cond.value)
    if cond.op == "in":
        if isinstance(answer, list | tuple):
            return any(equal(a, v) for a in answer for v in cond.value)
        return any(equal(answer, v) for v in cond.value)
    if cond.op == "contains":
        return isinstance(answer, list | tuple | dict) and cond.value in answer
    if not _number(answer):
        return False
    return bool({
        "gt": answer > cond.value,
        "gte": answer >= cond.value,
        "lt": answer < cond.value,
        "lte": answer <= cond.value,
    }[cond.op])


def leaves(cond: Condition | None) -> Iterator[Leaf]:
    if cond is None:
        return
    if isinstance(cond, Leaf):
        yield cond
    elif isinstance(cond, NotOf):
        yield from leaves(cond.item)
    else:
        for item in cond.items:
            yield from leaves(item)


# --- conditions: compiling YAML and expression strings --------------------------------


class Ctx:
    """Where problems go while one file is validated."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))


def line_at(node: Any, key: str | int | None = None, fallback: int | None = None) -> int | None:
    if key is not None and hasattr(node, "line_of"):
        line: int = node.line_of(key)
        return line
    return getattr(node, "line", None) or fallback


def freeze(value: Any) -> Any:
    return tuple(freeze(v) for v in value) if isinstance(value, list) else value


def compile_condition(raw: Any, line: int | None, ctx: Ctx) -> Condition | None:
    """YAML condition (mapping or expression string) -> Condition; problems go to ctx."""
    if isinstance(raw, str):
        return _compile_expression(raw, line, ctx)
    if not isinstance(raw, dict) or not raw:
        ctx.add(
            line,
            f"a condition is a mapping (all, any, not, or step with an operator) or an expression string, not {raw!r}",
        )
        return None
    line = line_at(raw, fallback=line)
    combinators = [k for k in ("all", "any", "not") if k in raw]
    if combinators:
        key = combinators[0]
        for extra in [k for k in raw if k != key]:
            ctx.add(line_at(raw, extra), f"{extra!r} cannot sit next to {key!r}; nest it in an 'all' instead")
        body = raw[key]
        if key == "not":
            item = compile_condition(body, line_at(raw, key), ctx)
            return NotOf(item) if item is not None else None
        if not isinstance(body, list) or not body:
            ctx.add(line_at(raw, key), f"{key!r} takes a non-empty list of conditions")
            return None
        compiled = [compile_condition(c, line_at(body, i, line_at(raw, key)), ctx) for i, c in enumerate(body)]
        items = [i for i in compiled if i is not None]
        if len(items) != len(compiled):
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
            ctx.add(line_at(raw, key), f"unknown condition key {key!r} (one of {', '.join(OPS)})")
            ok = False
    ops = [k for k in raw if k in OPS]
    if len(ops) != 1:
        if ok:
            ctx.add(line, f"a step condition needs exactly one of {', '.join(OPS)}")
        return None
    op, value = ops[0], raw[ops[0]]
    step_id = raw["step"]
    if not isinstance(step_id, str):
        ctx.add(line_at(raw, "step"), f"'step' names a step id, not {step_id!r}")
        return None
    shape = _operand_problem(op, value)
    if shape:
        ctx.add(line_at(raw, op), shape)
        return None
    if not ok:
        return None
    return Leaf(step_id, op, freeze(value), line=line_at(raw, "step"))


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


def _compile_expression(text: str, line: int | None, ctx: Ctx) -> Condition | None:
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
    if name := _step_name(node):
        return Leaf(name, "equals", True)  # bare `malicious` means malicious == true
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


