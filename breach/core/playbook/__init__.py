"""Playbooks: YAML questionnaires that drive a breach assessment, validated with file:line.

Questions and their legal sources are data that counsel can review; behaviour lives
here: step types resolve through the plain dict `STEP_TYPES`, and `when` conditions
are parsed into a tiny structure that is interpreted, never evaluated as Python
(STYLE.md rule 4). Validation collects every problem at once, each with its line.
The format is documented in playbooks/README.md. Pure: breach.adapters.playbooks finds
and reads the files (`find_playbook`, `load_playbook`, `list_playbooks`, `validate_file`).
"""



from breach.core.playbook.answers import (
    carried_over,
    check_answers,
    describe_effect,
    is_relevant,
    lost_answers,
    merged_answers,
    missing_answers,
    next_step,
    parse_answer,
    place,
    previous_step,
    relevant_answers,
    tasks_for,
    unknown_answers,
)
from breach.core.playbook.conditions import holds
from breach.core.playbook.loader import build_playbook
from breach.core.playbook.model import AllOf, AnyOf, Choice, Condition, Leaf, NotOf, Playbook, Step
from breach.core.playbook.steps import STEP_TYPES, StepType

__all__ = [
    "STEP_TYPES", "AllOf", "AnyOf", "Choice", "Condition", "Leaf", "NotOf", "Playbook", "Step",
    "StepType", "build_playbook", "carried_over", "check_answers", "describe_effect", "holds", "is_relevant",
    "lost_answers", "merged_answers", "missing_answers", "next_step",
    "parse_answer", "place", "previous_step", "relevant_answers", "tasks_for", "unknown_answers",
]
