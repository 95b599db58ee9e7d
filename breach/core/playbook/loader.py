"""Validating a playbook's text: every problem at once, each with its line (breach.adapters.playbooks reads files)."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from breach.core.playbook.conditions import Ctx, compile_condition, equal, freeze, leaves, line_at
from breach.core.playbook.model import (
    CHOICE_KEYS,
    STEP_ID,
    STEP_KEYS,
    TOP_KEYS,
    AnyOf,
    Choice,
    Condition,
    Leaf,
    NotOf,
    Playbook,
    Step,
)
from breach.core.playbook.steps import STEP_TYPES, StepType, check_integer
from breach.errors import Problem, ValidationError

# --- loading and validation ------------------------------------------------------------


def _read(text: str, source: str) -> tuple[Any, list[Problem]]:
    """Parse YAML keeping line numbers; report duplicate keys but keep validating.

    yamlio.loads_yaml stops at duplicate keys; to list every problem at once we
    re-read with the same loader, which keeps the first of duplicated keys.
    """
    from breach.core import yamlio

    try:
        return yamlio.loads_yaml(text, path=source), []
    except ValidationError as exc:
        duplicates = [p for p in exc.problems if p.message.startswith("duplicate key")]
        if not duplicates or len(duplicates) != len(exc.problems):
            raise
    loader = yamlio.LineLoader(text)
    loader.path, loader.problems = source, []
    try:
        return loader.get_single_data(), duplicates
    finally:
        loader.dispose()


def _text(node: dict[str, Any], key: str, ctx: Ctx, *, required: bool) -> str:
    value = node.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            ctx.add(line_at(node), f"missing {key!r}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        ctx.add(line_at(node, key), f"{key!r} must be text, not {value!r}")
        return ""
    return str(value).strip()


def _choices(node: dict[str, Any], kind: StepType | None, ctx: Ctx) -> tuple[Choice, ...]:
    raw = node.get("choices")
    if raw is None:
        if kind is not None and kind.takes_choices:
            ctx.add(line_at(node), f"step {node.get('id')!r}: a {node.get('type')} step needs 'choices'")
        return ()
    line = line_at(node, "choices")
    if kind is not None and not kind.takes_choices:
        ctx.add(line, f"'choices' only applies to choice and multi_choice steps, not {node.get('type')}")
        return ()
    if not isinstance(raw, list) or not raw:
        ctx.add(line, "'choices' must be a non-empty list")
        return ()
    out: list[Choice] = []
    seen: dict[str, int | None] = {}
    for i, item in enumerate(raw):
        item_line = line_at(raw, i, line)
        if isinstance(item, dict):
            for key in item:
                if key not in CHOICE_KEYS:
                    ctx.add(line_at(item, key), f"unknown choice key {key!r} (value, label)")
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


def _step(node: Any, index: int, steps_line: int | None, ctx: Ctx) -> Step | None:
    """Validate one step mapping; return a Step when later checks can rely on it.

    Cosmetic problems (an unknown key, missing help) are reported but the step is
    still returned, so conditions that use it are checked too; a step whose id,
    type, choices, range or condition is wrong is not, to avoid knock-on reports.
    """
    line = line_at(node, fallback=steps_line)
    if not isinstance(node, dict):
        ctx.add(line, f"step {index + 1} must be a mapping, not {node!r}")
        return None
    for key in node:
        if key not in STEP_KEYS:
            ctx.add(line_at(node, key), f"unknown step key {key!r} (one of {', '.join(STEP_KEYS)})")
    step_id = _step_id(node, line, ctx)
    type_name = node.get("type")
    kind = _step_type(node, line, step_id, ctx)
    asked = kind is None or kind.asked
    question = _text(node, "question", ctx, required=asked)
    help_text = _text(node, "help", ctx, required=asked)
    task = _text(node, "task", ctx, required=kind is not None and not kind.asked)
    if task and asked and kind is not None:
        ctx.add(line_at(node, "task"), "'task' only applies to task steps")
    source = _text(node, "source", ctx, required=False) or None
    optional = node.get("optional", False)
    if not isinstance(optional, bool):
        ctx.add(line_at(node, "optional"), "'optional' must be true or false")
        optional = False
    before = len(ctx.problems)  # from here on, problems make the step unusable
    choices = _choices(node, kind, ctx)
    bounds = _bounds(node, kind, ctx)
    when = compile_condition(node["when"], line_at(node, "when"), ctx) if "when" in node else None
    if len(ctx.problems) != before or step_id is None or kind is None:
        return None
    step = Step(
        id=step_id,
        type=str(type_name),  # a known type, so text
        question=question,
        help=help_text,
        choices=choices,
        default=freeze(node.get("default")),
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
            ctx.add(line_at(node, "default"), f"step {step_id!r}: default {problem}")
            return None
    return step


def _step_id(node: dict[str, Any], line: int | None, ctx: Ctx) -> str | None:
    """The step's id if it is snake_case; else report it and return None."""
    step_id = node.get("id")
    if isinstance(step_id, str) and STEP_ID.match(step_id):
        return step_id
    ctx.add(line_at(node, "id") if "id" in node else line, f"step id must be snake_case (a-z, 0-9, _), not {step_id!r}")
    return None


def _step_type(node: dict[str, Any], line: int | None, step_id: str | None, ctx: Ctx) -> StepType | None:
    """The step's type (from STEP_TYPES), or None when missing or unknown (reported)."""
    type_name = node.get("type")
    kind = STEP_TYPES.get(type_name) if isinstance(type_name, str) else None
    if "type" not in node:
        ctx.add(line, f"step {step_id!r}: missing 'type' (one of {', '.join(STEP_TYPES)})")
    elif kind is None:
        ctx.add(line_at(node, "type"), f"unknown step type {type_name!r} (one of {', '.join(STEP_TYPES)})")
    return kind


def _bounds(node: dict[str, Any], kind: StepType | None, ctx: Ctx) -> dict[str, int | None]:
    """An integer step's min and max, checked: whole numbers, min not above max."""
    bounds: dict[str, int | None] = {}
    for key in ("min", "max"):
        value = node.get(key)
        if value is not None and (kind is not None and not kind.takes_range):
            ctx.add(line_at(node, key), f"{key!r} only applies to integer steps")
        elif value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            ctx.add(line_at(node, key), f"{key!r} must be a whole number, not {value!r}")
            value = None
        bounds[key] = value
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        ctx.add(line_at(node, "min"), f"min {bounds['min']} is above max {bounds['max']}")
    return bounds


def _check_references(
    step: Step,
    node: dict[str, Any],
    *,
    known: dict[str, Step],
    later: dict[str, int],
    broken: set[str],
    ctx: Ctx,
) -> bool:
    """Conditions may only use earlier, answerable steps, with operators that fit them.

    `known` holds the earlier valid steps; a condition on an earlier `broken` step
    (already reported) is skipped rather than reported twice.
    """
    ok = True
    for leaf in leaves(step.when):
        line = leaf.line or line_at(node, "when")
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
        return check_integer(ref, value) is None
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
            if item.step in wanted and not equal(wanted[item.step], item.value):
                why.append(f"{item.step!r} cannot equal both {wanted[item.step]!r} and {item.value!r}")
                can_true = False
            wanted.setdefault(item.step, item.value)
    return can_true, any(f for _, f in results)


def build_playbook(text: str, path: PurePath) -> tuple[Playbook | None, list[Problem]]:
    """The playbook in `text` (the file at `path`), or None and every problem, each with its line."""
    ctx = Ctx(str(path))
    try:
        data, ctx.problems = _read(text, str(path))
    except ValidationError as exc:
        return None, exc.problems
    if not isinstance(data, dict):
        ctx.add(line_at(data) or 1, "a playbook is a mapping with name, title and steps")
        return None, ctx.problems
    for key in data:
        if key not in TOP_KEYS:
            ctx.add(line_at(data, key), f"unknown top-level key {key!r} (one of {', '.join(TOP_KEYS)})")
    name = _text(data, "name", ctx, required=True)
    if name and not re.match(r"^[a-z][a-z0-9_-]*$", name):
        ctx.add(line_at(data, "name"), f"name must be lower-case letters, digits, - or _: {name!r}")
    title = _text(data, "title", ctx, required=True)
    description = _text(data, "description", ctx, required=False)
    version = _text(data, "version", ctx, required=False)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        ctx.add(line_at(data, "steps") if "steps" in data else line_at(data), "'steps' must be a non-empty list")
        raw_steps = []
    steps = _steps(raw_steps, ctx)
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


def _steps(raw_steps: list[Any], ctx: Ctx) -> list[Step]:
    """The steps in order, each checked alone, then against the steps before it (ids, references,
    reachability); a step with a problem is left out so the next ones are not reported for it."""
    # Ids first, so a condition can tell "comes later" from "unknown".
    first_line: dict[str, int] = {}
    for node in raw_steps:
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            first_line.setdefault(node["id"], line_at(node, "id") or 0)

    steps: list[Step] = []
    known: dict[str, Step] = {}
    seen: set[str] = set()
    reachable: dict[str, bool] = {}
    broken: set[str] = set()
    for index, node in enumerate(raw_steps):
        step = _step(node, index, line_at(raw_steps, index), ctx)
        step_id = node.get("id") if isinstance(node, dict) else None
        if isinstance(step_id, str):
            if step_id in seen:
                ctx.add(line_at(node, "id"), f"duplicate step id {step_id!r} (first at line {first_line[step_id]})")
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
                line_at(node, "when"),
                f"step {step.id!r} is unreachable: its condition {step.when} can never hold ({'; '.join(why)})",
            )
        known[step.id] = step
        steps.append(step)
    return steps
