"""Answering: which steps are relevant, what is missing, the tasks, feedback after an answer."""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from breach.core.playbook.conditions import holds
from breach.core.playbook.model import Playbook, Step
from breach.core.playbook.steps import STEP_TYPES
from breach.errors import InputError

#: A playbook's answers: step id -> the answer (JSON: text, number, yes/no, a list or a mapping of them).
#: The keys are the playbook's step ids, defined by data (playbooks/*.yaml), so no TypedDict can name them.
Answers = dict[str, Any]

# --- answering ---------------------------------------------------------------------------


def is_relevant(step: Step, answers: dict[str, Any]) -> bool:
    """Whether the step's condition holds on the answers given so far."""
    return holds(step.when, answers)


def relevant_answers(playbook: Playbook, answers: dict[str, Any]) -> dict[str, Any]:
    """Answers of relevant steps only, decided in order, so a stale answer (an
    integrity answer after integrity was removed from breach_types) drops out.
    Pass this to risk.assess."""
    kept: dict[str, Any] = {}
    for step in playbook.steps:
        if step.id in answers and is_relevant(step, kept):
            kept[step.id] = answers[step.id]
    return kept


def next_step(
    playbook: Playbook, answers: dict[str, Any], skip: frozenset[str] | set[str] = frozenset()
) -> Step | None:
    """The first relevant question with no entry in answers (a skipped optional
    question is stored as None and counts as seen); None when done. `skip`: questions
    not to ask (a fact already known, e.g. the awareness note given on `open`)."""
    kept = relevant_answers(playbook, answers)
    for step in playbook.steps:
        if step.asked and step.id not in answers and step.id not in skip and is_relevant(step, kept):
            return step
    return None


def previous_step(playbook: Playbook, answers: dict[str, Any], before: str | None, *,
                  skip: frozenset[str] | set[str] = frozenset(), only: list[str] | None = None) -> Step | None:
    """The question answered just before `before` (None: the last one answered): where `back` goes."""
    ids = [s.id for s in playbook.steps]
    limit = ids.index(before) if before in ids else len(ids)
    kept = relevant_answers(playbook, answers)
    for step in reversed(playbook.steps[:limit]):
        if step.asked and step.id in kept and step.id not in skip and (only is None or step.id in only):
            return step
    return None


def place(playbook: Playbook, answers: dict[str, Any], step: Step, *, defaults: dict[str, Any] | None = None,
          skip: frozenset[str] | set[str] = frozenset()) -> tuple[int, int]:
    """(n, m): the step's place among the questions that apply now, and how many those are.

    A question not answered yet counts with its default (the previous assessment's answer,
    else the playbook's), so m does not jump when a later condition turns on; answering in
    order, n goes up by one per question and never backwards.
    """
    defaults = defaults or {}
    kept: dict[str, Any] = {}
    applicable: list[str] = []
    for st in playbook.steps:
        if not is_relevant(st, kept) and st.id != step.id:
            continue
        if st.id in answers:
            kept[st.id] = answers[st.id]
        elif st.id in defaults:
            kept[st.id] = defaults[st.id]
        elif st.default is not None:
            kept[st.id] = st.default
        if st.asked and st.id not in skip:
            applicable.append(st.id)
    return applicable.index(step.id) + 1, len(applicable)


def carried_over(previous: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
    """A re-assessment starts from the last answers: the session's answers on top of them.

    A question left unanswered in the session (None) that the last answers did not have
    either stays absent, so walking through with Enter changes nothing.
    """
    out = dict(previous)
    for key, value in session.items():
        if value is None and key not in previous:
            continue
        out[key] = value
    return out


def merged_answers(playbook: Playbook, previous: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """`--merge`: the given answers on top of the last ones. Free text given per language
    replaces only those languages; an answer given as null removes it."""
    texts = {s.id for s in playbook.steps if s.type == "text"}
    out = dict(previous)
    for key, value in given.items():
        if value is None:
            out.pop(key, None)
        elif key in texts and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def lost_answers(playbook: Playbook, previous: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What the last answers said that the new ones no longer say: `step`, or `step (lang)`
    for one language of a free text."""
    texts = {s.id for s in playbook.steps if s.type == "text"}
    before, after = relevant_answers(playbook, previous), relevant_answers(playbook, new)
    lost: list[str] = []
    for key, value in before.items():
        if value is None:
            continue
        now = after.get(key)
        if now is None:
            lost.append(key)
        elif key in texts and isinstance(value, dict):
            kept = set(now) if isinstance(now, dict) else {"en"}
            lost += [f"{key} ({lang})" for lang in value if lang not in kept]
    return lost


def missing_answers(playbook: Playbook, answers: dict[str, Any]) -> list[Step]:
    """Relevant, required questions still without an answer."""
    kept = relevant_answers(playbook, answers)
    return [
        step
        for step in playbook.steps
        if step.asked and not step.optional and kept.get(step.id) is None and is_relevant(step, kept)
    ]


def parse_answer(step: Step, text: str, *, default_zone: str = "Europe/Brussels", now: datetime | None = None) -> Any:
    """Turn terminal input into the stored value; empty input takes the default.

    `now` dates a time of day given alone ("10:00": today in `default_zone`).

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
    return kind.parse(step, text, default_zone, now)


def unknown_answers(playbook: Playbook, answers: dict[str, Any]) -> list[str]:
    """Answer keys that are not steps of the playbook: a typo must not silently drop a fact."""
    ids = [s.id for s in playbook.steps]
    problems = []
    for key in answers:
        if key not in ids:
            near = difflib.get_close_matches(str(key), ids, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(f"{key}: not a question of playbook {playbook.name!r}{hint}")
    return problems


def check_answers(playbook: Playbook, answers: dict[str, Any]) -> list[str]:
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


def tasks_for(playbook: Playbook, answers: dict[str, Any]) -> list[dict[str, Any]]:
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


def describe_effect(step: Step, value: Any, answers: dict[str, Any]) -> str | None:
    """One line shown after an answer: what it did to the score or to the duties."""
    from breach.core import risk

    merged = {**answers, step.id: value}
    from breach.core.mitigations import EVIDENCE

    if value is True and step.id in EVIDENCE and not merged.get(EVIDENCE[step.id]):
        merged[EVIDENCE[step.id]] = "(asked next)"  # the effect, once its evidence is given
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
