"""The playbook's data: steps, choices and conditions as frozen records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from breach.errors import NotFoundError

#: Step types that are actions for the responder, not questions (see steps.STEP_TYPES).
ACTION_TYPES = frozenset({"task"})

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
        return self.type not in ACTION_TYPES


@dataclass(frozen=True)
class Playbook:
    name: str
    title: str
    description: str
    version: str
    path: PurePath
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise NotFoundError(f"playbook {self.name!r} has no step {step_id!r}")


