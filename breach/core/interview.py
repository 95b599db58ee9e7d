"""The guided assessment as a pure state machine: which question is due, its place, back, the result.

`breach assess ID` renders it on a terminal (breach/cli/assess.py); the Python API runs the
same interview (`breach.Interview`, `breach.start_interview`; docs/api.md). Nothing here
reads a file, the environment or the clock: the playbook, `now`, the incident's facts and
the last answers are passed in, and the answers come back as a dict ready for
`breach.assess` (the assessment service).

What the interview decides:

- the order: the playbook's questions in file order, each only while its `when` condition
  holds on the answers given so far (a later answer can make an earlier one moot);
- the counter: "3/27", the question's place among those that apply now, a question not
  answered yet counting with its default, so that answering in order it goes up by one;
- back: the previous question again, its answer offered as the default;
- what is known already: the awareness note given on `breach open`, a processor role
  (`IncidentFacts.known`), not asked again;
- the legal rule about the reasons for a delay: GDPR Art. 33(1), second sentence, "where
  the notification to the supervisory authority is not made within 72 hours, it shall be
  accompanied by reasons for the delay": `reasons_for_delay` is asked only once the 72
  hours from awareness have passed (`delay_reasons_due`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from breach.core.playbook import (
    carried_over,
    describe_effect,
    is_relevant,
    missing_answers,
    next_step,
    parse_answer,
    place,
    previous_step,
    relevant_answers,
)
from breach.core.playbook.model import Playbook, Step
from breach.core.playbook.steps import STEP_TYPES
from breach.errors import InputError

#: GDPR Art. 33(1): the notice to the supervisory authority is due "not later than 72 hours" after awareness.
ART33_PERIOD = timedelta(hours=72)
#: The question GDPR Art. 33(1), second sentence, makes due once the 72 hours have passed.
DELAY_REASONS = "reasons_for_delay"


@dataclass(frozen=True)
class IncidentFacts:
    """What the incident's record already says, as far as the interview is concerned.

    `sa_notice_owed`: whether the clocks owe a notice to a supervisory authority under
    GDPR Art. 33(1) at all (False, e.g., when the last assessment found the risk unlikely,
    or no GDPR authority is concerned); the interview then never asks for a delay's reasons.
    """

    aware_at: datetime | None = None
    role: str = "controller"
    awareness_note: str | None = None
    sa_notice_owed: bool = True

    @property
    def known(self) -> dict[str, Any]:
        """Facts `breach open` (or `breach edit`) recorded: not asked again.

        The awareness note stays the incident's (an edit of it still reaches the notices); a
        processor role is taken as the answer to `role` (controller is only open's default).
        """
        known: dict[str, Any] = {}
        if self.awareness_note:
            known["awareness_note"] = self.awareness_note
        if self.role != "controller":
            known["role"] = self.role
        return known


def sa_deadline(facts: IncidentFacts) -> datetime | None:
    """GDPR Art. 33(1): awareness plus 72 hours; None when no notice to an authority is owed."""
    if facts.aware_at is None or not facts.sa_notice_owed:
        return None
    return facts.aware_at + ART33_PERIOD


def delay_reasons_due(facts: IncidentFacts, answers: Mapping[str, Any], now: datetime) -> bool:
    """GDPR Art. 33(1), second sentence: a notice made after the 72 hours gives the reasons for the delay.

    Due once `now` is past awareness + 72 hours, for a controller only: a processor notifies
    the controller instead (Art. 33(2)) and owes the authority no reasons.
    """
    due = sa_deadline(facts)
    role = answers.get("role") or facts.role
    return due is not None and role != "processor" and now > due


@dataclass(frozen=True)
class Question:
    """One question as it is put: its place ("3/27"), what an empty answer keeps, and in which languages.

    `languages`: free text a notice prints, asked one language at a time (English first);
    empty for every other question. `default`: what Enter keeps on a terminal.
    """

    step: Step
    number: int
    total: int
    default: Any = None
    languages: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.step.id

    @property
    def text(self) -> str:
        return self.step.question

    @property
    def type(self) -> str:
        return self.step.type

    @property
    def choices(self) -> tuple[str, ...]:
        return self.step.choice_values

    @property
    def optional(self) -> bool:
        return self.step.optional

    @property
    def help(self) -> str:
        return self.step.help

    @property
    def source(self) -> str | None:
        return self.step.source

    def __str__(self) -> str:
        return f"[{self.number}/{self.total}] ({self.step.id}) {self.step.question}"


class Interview:
    """The questions of one assessment, one at a time: `question`, `answer(value)`, `back()`, `result`.

    `previous`: the last assessment's answers (a reassessment starts from them); `answers`:
    answers given since (a session resumed); `defaults`: what an empty answer keeps per
    question (a step id mapped to None: no default at all), else the playbook's default.
    `languages`: the languages free text is written in (English first); `multilingual`:
    the questions whose text a notice prints, asked per language when there are several.
    `only`: ask these questions only (those an answers file left open); known facts are then
    asked too. `zone`: the zone of a time typed without an offset. `incident_id`: a label only.
    """

    def __init__(self, playbook: Playbook, *, now: datetime, incident_id: str | None = None,
                 facts: IncidentFacts | None = None,
                 previous: Mapping[str, Any] | None = None, answers: Mapping[str, Any] | None = None,
                 defaults: Mapping[str, Any] | None = None, languages: Iterable[str] = ("en",),
                 multilingual: Collection[str] = (), only: Iterable[str] | None = None,
                 zone: str = "Europe/Brussels") -> None:
        self.playbook = playbook
        self.now = now
        self.incident_id = incident_id
        self.facts = facts or IncidentFacts()
        self.previous = dict(previous or {})
        self.answers: dict[str, Any] = dict(answers or {})
        self.defaults: dict[str, Any] = dict(defaults or {})
        self.languages = tuple(dict.fromkeys(["en", *languages]))
        self.multilingual = frozenset(multilingual)
        self.only = list(only) if only is not None else None
        self.zone = zone
        self.prefilled: dict[str, Any] = {}
        self._skip: set[str] = set() if self.only is not None else set(self.facts.known)
        self._reopened: set[str] = set()
        if self.only is None:
            self._prefill_known_role()

    def _prefill_known_role(self) -> None:
        """A processor role given on `breach open` is the answer to `role` (recorded once, not asked)."""
        role = self.facts.known.get("role")
        if role is not None and "role" not in self.answers:
            self.answers["role"] = role
            self.prefilled["role"] = role

    # --- what is asked -------------------------------------------------------------------

    @property
    def known(self) -> dict[str, Any]:
        """The facts the incident already records, not asked (see IncidentFacts.known)."""
        return self.facts.known

    @property
    def skipped(self) -> frozenset[str]:
        """Questions not asked now: known facts, and the reasons for a delay while none is due."""
        skip = set(self._skip)
        if (DELAY_REASONS not in self.answers and DELAY_REASONS not in self._reopened
                and not delay_reasons_due(self.facts, self.answers, self.now)):
            skip.add(DELAY_REASONS)
        return frozenset(skip)

    def _due_step(self) -> Step | None:
        skip = self.skipped
        if self.only is None:
            return next_step(self.playbook, self.answers, skip)
        return next((st for st in self.playbook.steps if st.id in self.only and st.id not in self.answers
                     and st.id not in skip and is_relevant(st, self.answers)), None)

    def _default(self, step: Step) -> Any:
        return self.defaults[step.id] if step.id in self.defaults else step.default

    def _languages(self, step: Step, default: Any) -> tuple[str, ...]:
        """Free text a notice prints is asked per language when there are several (or it already has several)."""
        if step.type != "text":
            return ()
        if isinstance(default, dict) or (step.id in self.multilingual and len(self.languages) > 1):
            return tuple(dict.fromkeys([*self.languages, *(default if isinstance(default, dict) else {})]))
        return ()

    @property
    def question(self) -> Question | None:
        """The question due now; None when every question that applies has an answer."""
        step = self._due_step()
        if step is None:
            return None
        number, total = place(self.playbook, self.answers, step, defaults=self.defaults, skip=self.skipped)
        default = self._default(step)
        return Question(step, number, total, default, self._languages(step, default))

    @property
    def done(self) -> bool:
        return self._due_step() is None

    # --- answering -------------------------------------------------------------------------

    def answer(self, value: Any) -> str | None:
        """Answer the question due now; returns what the answer did to the score or duties (or None).

        A value of the question's type is taken as it is (checked as an answers file is); other
        text is read as a terminal reads it ("12,400", "y", a choice's number or first letters, a
        time without offset in the organization's zone). Free text may be a dict of languages
        ({"en": ..., "fr": ...}); None leaves an optional question unanswered.
        Raises InputError, saying what fits, and the question stays due.
        """
        step = self._due_step()
        if step is None:
            raise InputError("the interview is complete: no question is due")
        value = self._checked(step, value)
        self.answers[step.id] = value
        self._reopened.discard(step.id)
        return describe_effect(step, value, self.answers)

    def _checked(self, step: Step, value: Any) -> Any:
        if isinstance(value, tuple):
            value = list(value)  # a playbook default (frozen) stored as the list it stands for
        if isinstance(value, datetime):
            value = value.isoformat(timespec="seconds")
        if value is None:
            if step.optional:
                return None
            raise InputError(f"{step.id}: an answer is required")
        problem = STEP_TYPES[step.type].check(step, value)
        if problem is None:
            return value  # a value that fits is kept as it is (a last answer stays byte for byte)
        if isinstance(value, str):
            return parse_answer(step, value, default_zone=self.zone)  # read as a terminal reads it
        raise InputError(f"{step.id}: {problem}")

    def back(self, typed: Any = None) -> Question | None:
        """Return to the question answered before the one due now; its answer becomes its default.

        `typed`: what was typed at the current question so far, offered as its default when
        coming back to it. Returns the question now due, or None at the first question.
        """
        step = self._due_step()
        if step is not None and typed:
            self.defaults[step.id] = typed
        before = step.id if step is not None else None
        previous = previous_step(self.playbook, self.answers, before, skip=self.skipped, only=self.only)
        if previous is None:
            return None
        self.defaults[previous.id] = self.answers.pop(previous.id)  # an empty answer keeps it
        return self.question

    def last_answered(self) -> Step | None:
        """The question answered last (in playbook order): where `back` goes from the end."""
        return previous_step(self.playbook, self.answers, None, skip=self.skipped)

    def reopen(self, step_id: str) -> Question | None:
        """Ask `step_id` again (a known fact too); its current answer becomes the default."""
        self.playbook.step(step_id)  # NotFoundError for a step the playbook does not have
        old = self.answers.pop(step_id) if step_id in self.answers else self.result.get(step_id)
        self.defaults[step_id] = old
        self._skip.discard(step_id)
        self._reopened.add(step_id)
        return self.question

    # --- the result --------------------------------------------------------------------------

    @property
    def result(self) -> dict[str, Any]:
        """The answers to record: the last assessment's, the ones given on top, only those that apply.

        Record them with the assessment service: `breach.assess(session, incident_id, interview.result, now=...)`.
        """
        return relevant_answers(self.playbook, carried_over(self.previous, self.answers))

    @property
    def missing(self) -> list[str]:
        """Required questions that apply and still have no answer."""
        return [st.id for st in missing_answers(self.playbook, self.result)]
