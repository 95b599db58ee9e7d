"""One exception hierarchy; only breach/cli turns these into `Error: ...` and exit 1."""

from __future__ import annotations

from typing import NamedTuple


class BreachError(Exception):
    """Base of every error a responder can act on."""


class InputError(BreachError):
    """Bad input from the responder: a garbled time, an unknown option value."""


class NotFoundError(BreachError):
    """An incident, draft, obligation or file that does not exist."""


class StoreError(BreachError):
    """The data folder or its database cannot be used (corrupt, read-only, missing)."""


class ChainError(BreachError):
    """The append-only timeline has been tampered with."""


class ApprovalError(BreachError):
    """A notice is not approved, or its text changed after approval."""


class DeadlineError(BreachError):
    """A notification recorded after its deadline without reasons for the delay."""


class Problem(NamedTuple):
    """One validation problem, located in a file."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ValidationError(BreachError):
    """A YAML file (profile, playbook, regime) is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
