"""Guided assessment commands: assess, tasks, task, and the playbook group."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .app import ByOption, HomeOption, JsonOption, command, config, emit_json, fail, now, report_problems, session

if TYPE_CHECKING:
    from breach.core.risk import RiskJson
    from breach.services.assessment import AssessmentPrinted, AssessmentResult

cli = typer.Typer()

playbook_app = typer.Typer(help="List, show and validate playbooks (YAML).", no_args_is_help=True)
cli.add_typer(playbook_app, name="playbook")


def _fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _style(text: str, **kwargs: Any) -> str:
    """Colour on a terminal only (the question, the running result)."""
    return typer.style(text, **kwargs) if sys.stdout.isatty() else text


#: Typed at any prompt of the session: the previous question (from a translation, the previous language).
BACK = frozenset({"<", "back"})
#: Typed at an optional question that has an answer: no answer any more.
CLEAR = "-"
_END = object()  # input ended


class _Back:
    """The responder went back; `partial`: the text typed so far in this question, kept as its default."""

    def __init__(self, partial: Any = None) -> None:
        self.partial = partial


_BACK = _Back()


def _ask(question: Any) -> str | None:
    """Print one question ("3/27"), its numbered choices, and read one line; None on end of input."""
    step, default = question.step, question.default
    typer.echo("")
    typer.echo(_style(str(question), bold=True))
    if step.choices:
        for n, choice in enumerate(step.choices, start=1):
            label = f" - {choice.label}" if choice.label and choice.label != choice.value else ""
            typer.echo(f"    {n}) {choice.value}{label}")
        typer.echo("    (a number, or the first letters of a choice" + (", several separated by commas)"
                                                                       if step.type == "multi_choice" else ")"))
    hint = f" [{_fmt_value(default)}]" if default not in (None, "", []) else ""
    try:
        return input(f"    answer (? for help){hint}: ")
    except EOFError:
        return None


def _help(step: Any) -> None:
    import shutil
    import textwrap

    width = min(shutil.get_terminal_size((100, 24)).columns, 100) - 4
    text = step.help or "No help for this question."
    for paragraph in text.split("\n"):
        typer.echo(textwrap.fill(paragraph, width=width, initial_indent="    ", subsequent_indent="    "))
    if step.source:
        typer.echo(textwrap.fill(f"Source: {step.source}", width=width, initial_indent="    ",
                                 subsequent_indent="    "))


def _ask_all(s: Any, incident: Any, iv: Any) -> bool:
    """Ask until no question is due (breach.core.interview decides which); saves each answer at once.

    False if input ended. `<` or `back` at any prompt returns to the previous question.
    """
    from breach.services.assessment import save_answer

    try:
        import readline  # noqa: F401 - line editing and history for input() on a terminal
    except ImportError:  # pragma: no cover - not on every platform
        pass
    while (question := iv.question) is not None:
        value = _ask_languages(question) if question.languages else _ask_value(question, zone=iv.zone)
        if value is _END:
            typer.echo("\nInput ended: the answers given so far are saved; run the command again to resume.")
            return False
        if isinstance(value, _Back):
            if iv.back(value.partial) is None:
                typer.echo("    This is the first question.")
            continue
        effect = iv.answer(value)
        save_answer(s, incident, playbook=iv.playbook.name, step=question.id, value=iv.answers[question.id],
                    now=now())
        if effect:
            typer.echo(_style(f"    -> {effect}", fg="cyan"))
    return True


def _ask_value(question: Any, *, zone: str) -> Any:
    """One answer: Enter keeps the default as it is (no round trip through text)."""
    from breach.core.playbook import parse_answer
    from breach.errors import InputError

    step, default = question.step, question.default
    while True:
        raw = _ask(question)
        if raw is None:
            return _END
        raw = raw.strip()
        if raw == "?":
            _help(step)
            continue
        if raw.lower() in BACK:
            return _BACK
        if raw == "" and default is not None and default != "":
            return default
        if (raw == "" or raw == CLEAR) and step.optional:
            return None
        try:
            return parse_answer(step, raw, default_zone=zone, now=now())
        except InputError as exc:
            typer.echo(f"    {exc}")


def _ask_languages(question: Any) -> Any:
    """Free text one language at a time: each language's current text is its default.

    Enter keeps a language's text as it is, `-` removes it, `<` goes back one prompt. A
    document in language L prints only L's text; a language left empty is listed as
    missing in its drafts (never filled with the English).
    """
    step, current = question.step, question.default
    texts = {"en": current} if isinstance(current, str) else dict(current or {})
    order = list(question.languages)  # English first
    new = dict(texts)
    i = 0
    while i < len(order):
        lang = order[i]
        if i == 0:
            raw = _ask(replace(question, default=new.get("en")))
        else:
            typer.echo(f"    EN: {new.get('en', '(none)')}")
            if lang in new:
                typer.echo(f"    {lang.upper()}: {new[lang]}")
                prompt = f"    the same in {lang} (Enter keeps it, - removes it): "
            else:
                prompt = f"    the same in {lang} (Enter to leave it missing): "
            try:
                raw = input(prompt)
            except EOFError:
                raw = None
        if raw is None:
            return _END
        raw = raw.strip()
        if raw == "?":
            _help(step)
            continue
        if raw.lower() in BACK:
            if i == 0:
                return _Back(new if new != texts else None)
            i -= 1
            continue
        if raw == CLEAR and i > 0:
            new.pop(lang, None)
        elif raw == CLEAR or (raw == "" and not new):
            if not step.optional:
                typer.echo(f"    {step.id}: an answer is required")
                continue
            return None
        elif raw:
            if i == 0 and new.get("en") not in (None, raw) and len(new) > 1:
                typer.echo("    The English changed: check each language below (Enter keeps its text as it was).")
            new[lang] = raw
        i += 1
    if new == texts:
        return current  # nothing edited: the answer as it was, byte for byte
    if not new:
        return None
    return new["en"] if set(new) == {"en"} else new


def _summary(result: RiskJson) -> str:
    lines = [
        f"ENISA severity SE = {result['severity']} ({result['level']}): DPC {result['dpc']} x EI {result['ei']}"
        f" + CB {result['cb']}",
        f"GDPR risk: {result['risk']}",
        f"  notify the supervisory authority (Art. 33): {'yes' if result['notify_sa'] else 'no'}",
        f"  tell the people affected (Art. 34): {'yes' if result['notify_subjects'] else 'no'}",
    ]
    if result.get("public_communication"):
        lines.append("  public communication instead (Art. 34(3)(c)): yes")
    if result.get("exemption"):
        lines.append(f"  exemption: {result['exemption']}")
    lines.append("Rationale:")
    lines += [f"  - {r}" for r in result.get("rationale", [])]
    return "\n".join(lines)


@command(cli)
def assess(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    playbook: Annotated[str, typer.Option("--playbook", help="Playbook name or file.")] = "gdpr",
    answers_file: Annotated[Path | None, typer.Option(
        "--answers", help="YAML/JSON answers file: runs without prompts (on a terminal, asks only "
        "what is missing). It replaces the last answers (the ones it drops are listed) unless --merge.")] = None,
    merge: Annotated[bool, typer.Option(
        "--merge", help="With --answers: change only the answers the file gives (per language for free "
        "text; null removes one) and keep the rest of the last assessment.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Record without asking for confirmation.")] = False,
    for_customers: Annotated[bool, typer.Option(
        "--for-customers", help="With --answers: assess the customers' data, held as their processor (GDPR "
        "Art. 33(2)), beside the incident's own assessment; the customer notices say what it found.")] = False,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Assess the risk to the people affected, one question at a time (resumable).

    Each answer is saved as it is given; run the command again to resume. The result
    (ENISA severity, GDPR risk, who must be told, and why) is a timeline event; a
    reassessment keeps the earlier ones and the latest counts. A reassessment starts
    from the last answers: Enter keeps each one as it is (free text language by
    language), `<` or `back` returns to the previous question.

    Example: breach assess BR-2026-0001 --answers answers.yaml --merge --json
    """
    if merge and answers_file is None:
        fail("--merge goes with --answers FILE (the guided session always starts from the last answers)")
    if for_customers:
        _assess_customers(incident_id, playbook=playbook, answers_file=answers_file, merge=merge, home=home, by=by,
                          json_=json_)
        return
    tty = sys.stdin.isatty()
    try:
        result = _assess(incident_id, playbook=playbook, answers_file=answers_file, merge=merge, yes=yes, home=home,
                         by=by, tty=tty)
    except KeyboardInterrupt:
        typer.echo(f"\nInterrupted: every answer given so far is saved. Resume with: breach assess {incident_id}",
                   err=True)
        raise typer.Exit(130) from None
    dropped = result.get("dropped_answers") or []
    if dropped:
        how = "" if merge or answers_file is None else f"{answers_file} replaces the last answers: "
        keep = " (--merge keeps the answers a file does not give)" if how else ""
        typer.echo(f"{how}no longer answered: {', '.join(dropped)}{keep}", err=True)
    if json_:
        emit_json(result)
    else:
        typer.echo(f"\nAssessment of {result['incident']} recorded.")
        if answers_file is not None:
            typer.echo(_summary(result))
        typer.echo(next_hint(result))


def _assess_customers(incident_id: str, *, playbook: str, answers_file: Path | None, merge: bool,
                      home: Path | None, by: str | None, json_: bool) -> None:
    """`--for-customers`: the processor's assessment of its customers' data, from an answers file."""
    from breach.services.assessment import finish, load_answers_file

    if answers_file is None or merge:
        fail("--for-customers takes the customers' answers from a file: --answers FILE (without --merge)")
        return
    with session(home, by=by) as s:
        from breach.adapters.playbooks import find_playbook, load_playbook

        book = load_playbook(find_playbook(playbook, s.resource_home()))
        answers = load_answers_file(answers_file, playbook=book)
        result = finish(s, incident_id, playbook_name=book.name, answers=answers, now=now(), for_customers=True)
    if json_:
        emit_json({**result, "for_customers": True})
        return
    typer.echo(f"\nAssessment of the customers' data for {result['incident']} recorded (as their processor, "
               "GDPR Art. 33(2)); the incident's own assessment and clocks are unchanged.")
    typer.echo(_summary(result))
    typer.echo(f"Next: breach draft {result['incident']} controller-notice --lang LANG (the notice to the customers)")


def _assess(incident_id: str, *, playbook: str, answers_file: Path | None, merge: bool, yes: bool,
            home: Path | None, by: str | None, tty: bool) -> AssessmentPrinted:
    from breach.api import start_interview
    from breach.core.playbook import lost_answers
    from breach.services.assessment import finish

    with session(home, by=by) as s:
        if answers_file is not None:
            book, previous, final = _from_file(s, incident_id, playbook, answers_file, merge=merge, tty=tty)
        else:
            iv = start_interview(s, incident_id, now=now(), playbook=playbook)
            if not tty:
                fail("breach assess asks questions on a terminal; without one, give --answers FILE")
            book, previous, final = iv.playbook, iv.previous, _guided(s, iv, yes=yes)
            incident_id = iv.incident_id or incident_id
        result = finish(s, incident_id, playbook_name=book.name, answers=final, now=now())
    return {**result, "dropped_answers": lost_answers(book, previous, final) if previous else [],
            "merged": merge}


def _from_file(s: Any, incident_id: str, playbook: str, answers_file: Path, *, merge: bool,
               tty: bool) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """(playbook, last answers, answers to record) from an answers file; on a terminal, asks what it leaves open."""
    from breach.api import interview_facts
    from breach.core.interview import Interview
    from breach.core.playbook import carried_over, merged_answers, missing_answers
    from breach.services.assessment import (
        FREE_TEXT_STEPS,
        load_answers_file,
        previous_answers,
        progress,
        save_answer,
        session_defaults,
        text_languages,
    )

    incident, pb, state, answers, _ = progress(s, incident_id, playbook)
    previous = previous_answers(state)
    given = load_answers_file(answers_file, playbook=pb)
    if merge:  # the last answers, those given since, then the file's
        answers = merged_answers(pb, carried_over(previous, answers), given)
    else:  # the file replaces the last answers (those given since still count)
        answers.update(given)
    missing = [st.id for st in missing_answers(pb, answers)]
    if missing and not tty:
        fail(f"{len(missing)} answers missing from {answers_file}: {', '.join(missing)}")
    if missing:
        for key, value in given.items():
            save_answer(s, incident, playbook=pb.name, step=key, value=value, now=now())
        typer.echo(f"{answers_file} leaves {len(missing)} questions open; answering those only.")
        iv = Interview(pb, now=now(), incident_id=incident.id, facts=interview_facts(s, incident.id, now=now()),
                       answers=answers, defaults=session_defaults(incident, state, pb), languages=text_languages(s),
                       multilingual=FREE_TEXT_STEPS, only=missing, zone=s.org_zone)
        if not _ask_all(s, incident, iv):
            raise typer.Exit(1)
        answers = iv.answers
    return pb, previous, answers


def _guided(s: Any, iv: Any, *, yes: bool) -> dict[str, Any]:
    """The session on a terminal: the questions, the result, then record, change a step, or quit."""
    from breach.core import risk
    from breach.errors import InputError
    from breach.services.assessment import save_answer
    from breach.services.incidents import get_incident

    incident, pb = get_incident(s, iv.incident_id), iv.playbook
    for key, value in iv.prefilled.items():  # a processor role given on `breach open`
        save_answer(s, incident, playbook=pb.name, step=key, value=value, now=now())
    if iv.answers:
        typer.echo(f"Resuming the assessment of {incident.id}: {len(iv.answers)} answers already saved.")
    elif iv.previous:
        typer.echo(f"Reassessing {incident.id}: Enter keeps each answer of the last assessment as it is.")
    else:
        typer.echo(f"Assessing {incident.id} with the {pb.name} playbook ({pb.title}).")
    typer.echo("Type ? for help on a question, < to go back; Enter takes the [default].")
    if "awareness_note" in iv.known:
        typer.echo("The awareness note comes from the incident (breach edit --awareness-note changes it).")
    while True:
        if not _ask_all(s, incident, iv):
            raise typer.Exit(1)
        final = iv.result
        preview: RiskJson | None
        try:
            preview = shown = risk.assess(final).to_dict()
        except InputError as exc:
            # e.g. the risk lowered without a reason: say so, and let the responder change a step
            # instead of failing at every resume (the answers stay saved).
            preview = None
            typer.echo(_style(f"\nThis cannot be recorded yet: {exc}", fg="red"))
            if yes:
                fail(str(exc))
        else:
            typer.echo("\n" + _summary(shown))
            if yes:
                break
        question = ("\nRecord this assessment? [y = record, a step id = change it, < = back, q = quit]: " if preview
                    else "\nWhich step do you change? [a step id, < = back, q = quit]: ")
        try:
            reply = input(question)
        except EOFError:
            reply = "q"
        reply = reply.strip()
        if preview is not None and reply.lower() in {"y", "yes", ""}:
            break
        if reply.lower() in {"q", "quit", "n", "no"}:
            typer.echo("Not recorded. Your answers are saved; run the command again to finish.")
            raise typer.Exit(1)
        if reply.lower() in BACK:
            last = iv.last_answered()
            reply = last.id if last else reply
        if reply in {st.id for st in pb.steps}:
            iv.reopen(reply)  # Enter keeps its answer; a known fact can be changed too
            continue
        typer.echo(f"Unknown step {reply!r}.")
    if iv.missing:
        fail("the assessment is incomplete")
    s.author = _decider(s.author, yes=yes)
    return final


def _decider(default: str, *, yes: bool) -> str:
    """Who takes the decision: recorded on the assessment and shown in the register (`decided_by`)."""
    if yes:
        return default
    try:
        name = input(f"Who takes this decision? [{default}]: ").strip()
    except EOFError:
        name = ""
    return name or default


def next_hint(result: AssessmentResult) -> str:
    """The command that usually comes next after an assessment."""
    iid = result["incident"]
    if result.get("notify_sa"):
        return f"Next: breach status {iid}   then: breach draft {iid} sa-notification --lang fr"
    if result.get("notify_subjects"):
        return f"Next: breach draft {iid} subject-letter --lang en"
    return f"Next: breach status {iid}   (no notification: the register records why)"


@command(cli)
def tasks(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """List the incident's tasks from its playbook (preserve logs, reset passwords, ...).

    Example: breach tasks BR-2026-0001
    """
    from breach.services.assessment import tasks as list_tasks

    with session(home, write=False) as s:
        rows = list_tasks(s, incident_id)
    if json_:
        emit_json(rows)
        return
    if not rows:
        typer.echo("No tasks yet (they come from the assessment).")
    for t in rows:
        note = f"  ({t['note']})" if t.get("note") else ""
        typer.echo(f"{t['n']:>3} [{t['state']:<7}] {t['text']}{note}")


@command(cli)
def task(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    n: Annotated[int, typer.Argument(metavar="N", help="Task number (see breach tasks).")],
    action: Annotated[str, typer.Argument(metavar="done|skip", help="done or skip.")],
    note: Annotated[str | None, typer.Option("--note", help="What was done, or why it was skipped.")] = None,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Mark a task done or skipped (skipping needs a --note).

    Example: breach task BR-2026-0001 2 done --note "All sessions revoked"
    """
    from breach.errors import InputError
    from breach.services.assessment import update_task

    if action not in {"done", "skip"}:
        raise InputError(f"the action is done or skip, not {action!r}")
    with session(home, by=by) as s:
        result = update_task(s, incident_id, n, done=action == "done", note=note, now=now())
    if json_:
        emit_json(result)
    else:
        typer.echo(f"Task {n} {result['state']}.")


@command(playbook_app, name="list")
def playbook_list(home: HomeOption = None, json_: JsonOption = False) -> None:
    """List the playbooks: the data folder's own `playbooks/*.yaml` first, then the shipped ones.

    Example: breach playbook list --json
    """
    from breach.adapters.playbooks import list_playbooks
    from breach.adapters.resources import describe
    from breach.services.session import resolve_home

    folder = resolve_home(home, config())
    books = list_playbooks(folder)
    if json_:
        emit_json([{"name": b.name, "title": b.title, "steps": len(b.steps), "path": str(b.path),
                    "source": describe(Path(b.path), folder)} for b in books])
        return
    for b in books:
        origin = describe(Path(b.path), folder)
        typer.echo(f"{b.name:<12} {b.title} ({len(b.steps)} steps; {origin}: {b.path})")


@command(playbook_app, name="show")
def playbook_show(
    name: Annotated[str, typer.Argument(help="Playbook name (e.g. gdpr) or file.")],
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Show a playbook's questions, with their conditions and legal sources.

    Example: breach playbook show gdpr
    """
    from breach.adapters.playbooks import find_playbook, load_playbook
    from breach.services.session import resolve_home

    book = load_playbook(find_playbook(name, resolve_home(home, config())))
    steps = [{"id": st.id, "type": st.type, "question": st.question or st.task, "when": st.when,
              "source": st.source} for st in book.steps]
    if json_:
        emit_json({"name": book.name, "title": book.title, "steps": steps})
        return
    typer.echo(f"{book.name}: {book.title}")
    for st in steps:
        cond = f"  (when {st['when']})" if st["when"] else ""
        typer.echo(f"  {st['id']:<28} {st['type']:<13} {st['question']}{cond}")


@command(playbook_app, name="validate")
def playbook_validate(
    file: Annotated[Path, typer.Argument(help="Playbook YAML file.")],
    json_: JsonOption = False,
) -> None:
    """Check a playbook file; prints every problem with its line and exits 1 if any.

    Example: breach playbook validate playbooks/gdpr.yaml
    """
    from breach.adapters.playbooks import validate_file

    problems = validate_file(file)
    report_problems(problems, file, json_=json_)
