"""The Slack messages: Block Kit built around texts rendered from templates/slack/*.j2.

Pure (like breach.core.drafting, which it shares the jinja2 sandbox with): sanitized data in,
a message out; nothing is sent or stored. The texts live in templates/slack/ (status.j2,
reminder.j2, witness.j2), each piece a named block; a data folder's own templates/slack/ wins
file by file (pass `template_dirs`, see breach.adapters.resources.search_path).

Names, e-mail addresses and free text about data subjects never go to Slack: the builders
take counts only, and `scrub` removes any e-mail address from every outgoing string as a
last line of defence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from breach.adapters.resources import shipped
from breach.core.states import IncidentStatus
from breach.errors import InputError

# Deliberately broad: over-matching something that merely looks like an address is fine.
# The `@` and the `.` include their look-alikes (full-width ＠ and ．, small ﹫ and ﹒, ideographic 。, the tag @),
# which Slack clients show as an address.
_AT = "@\uFF20\uFE6B\U000E0040"
_DOT = ".\uFF0E\uFE52\uFF61\u3002"
_EMAIL = re.compile(rf"[\w{_DOT}!#$%&'*+/=?^`~-]+[{_AT}][\w-]+(?:[{_DOT}][\w-]+)+", re.UNICODE)
EMAIL_PLACEHOLDER = "[e-mail removed]"
#: Slack's limits: a header's plain text, a section field, a section's text and the fallback.
HEADER_CHARS, FIELD_CHARS, TEXT_CHARS = 150, 2000, 3000


def scrub(text: str) -> str:
    """Remove e-mail addresses from a text: the last line of defence before Slack."""
    return _EMAIL.sub(EMAIL_PLACEHOLDER, text)


def scrub_all(value: Any) -> Any:
    """Scrub every string inside a Block Kit structure."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {k: scrub_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_all(v) for v in value]
    return value


def mrkdwn(text: object) -> str:
    """Escape Slack mrkdwn control characters, so '<!channel>' or a link cannot be injected."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number(value: int | None) -> str:
    return "unknown" if value is None else f"{int(value):,}"


def slack_date(iso_text: object) -> str:
    """Slack renders `<!date^...>` in each reader's own zone; the ISO text is the fallback."""
    text = str(iso_text)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return mrkdwn(text)
    if value.tzinfo is None:
        return mrkdwn(text)
    epoch = int(value.timestamp())
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{mrkdwn(text)}>"


# --- the templates -------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _environment(template_dirs: tuple[Path, ...]):
    from breach.adapters.templates import make_environment

    env = make_environment("txt", template_dirs)
    env.filters.update(mrkdwn=mrkdwn, slack_date=slack_date, number=number)
    return env


class _Texts:
    """The blocks of one templates/slack/<name>.j2, rendered on demand with the same variables."""

    def __init__(self, name: str, variables: dict[str, Any], template_dirs: tuple[Path, ...] | None):
        from jinja2 import TemplateError

        self.name = f"slack/{name}.j2"
        self.variables = variables
        try:
            self.template = _environment(tuple(template_dirs or (shipped("templates"),))).get_template(self.name)
        except TemplateError as exc:
            raise InputError(f"template {self.name} cannot be loaded: {exc.__class__.__name__}: {exc}") from None

    def __call__(self, block: str) -> str:
        from jinja2 import TemplateError

        try:
            render = self.template.blocks[block]
            return "".join(render(self.template.new_context(self.variables)))
        except KeyError:
            raise InputError(f"template {self.template.filename} has no block {block!r}") from None
        except TemplateError as exc:
            raise InputError(f"template {self.template.filename} cannot be rendered: "
                             f"{exc.__class__.__name__}: {exc}") from None


# --- the messages --------------------------------------------------------------------------


def status_message(summary: Mapping[str, Any], *, template_dirs: tuple[Path, ...] | None = None) -> dict:
    """A status post for an incident: ids, state, risk, counts and the next deadline.

    `summary` holds sanitized data only (breach.slack.policy.status_summary); `title` is
    None unless the responder marked it public.
    """
    incident = summary.get("incident")
    if not incident:
        raise InputError("a status message needs an incident id")
    deadline = summary.get("next_deadline")
    texts = _Texts("status", {
        "incident": incident,
        "event": summary.get("event") or "Status",
        "state": summary.get("state") or IncidentStatus.OPEN,
        "risk": summary.get("risk"),
        "level": summary.get("level"),
        "subjects_count": summary.get("subjects_count"),
        "records_count": summary.get("records_count"),
        "categories": summary.get("categories"),
        "title": summary.get("title"),
        "customers": summary.get("customers"),
        "deadline": {"obligation": deadline.get("obligation"), "recipient": deadline.get("recipient"),
                     "due_at": str(deadline.get("due_at") or ""), "remaining": deadline.get("remaining")}
        if deadline else None,
    }, template_dirs)
    fields = [texts(name) for name in ("state", "risk", "level", "subjects", "records", "categories")]
    header = {"type": "plain_text", "text": cut(texts("header"), HEADER_CHARS)}
    blocks: list[dict] = [{"type": "header", "text": header}]
    if summary.get("title"):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": cut(texts("title"), TEXT_CHARS)}})
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": cut(f, FIELD_CHARS)} for f in fields]})
    if deadline:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": cut(texts("deadline"), TEXT_CHARS)}})
    if summary.get("customers") and "customers" in texts.template.blocks:  # a folder's older status.j2: none
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": cut(texts("customers"), TEXT_CHARS)}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": texts("footer")}]})
    return {"text": scrub(mrkdwn(cut(texts("fallback"), TEXT_CHARS))), "blocks": scrub_all(blocks)}


def reminder_message(*, incident: str, obligation: str, recipient: str, due_at_iso: str, label: str,
                     template_dirs: tuple[Path, ...] | None = None) -> dict:
    """A deadline reminder ("T-48 h" ... "T-1 h", "DEADLINE", "OVERDUE")."""
    texts = _Texts("reminder", {"incident": incident, "obligation": obligation, "recipient": recipient,
                                "due_at": due_at_iso, "label": label}, template_dirs)
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": cut(texts("body"), TEXT_CHARS)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": texts("footer")}]},
    ]
    return {"text": scrub(mrkdwn(cut(texts("fallback"), TEXT_CHARS))), "blocks": scrub_all(blocks)}


def witness_block(witness: Mapping[str, Any], *, template_dirs: tuple[Path, ...] | None = None) -> dict:
    """A context line showing the chain head the message witnesses: `breach verify --against-slack`."""
    texts = _Texts("witness", {"seq": int(witness["seq"]), "head": str(witness["head"])}, template_dirs)
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": texts("witness")}]}


# --- interactivity (breach slack listen) ----------------------------------------------------

#: The action ids of the buttons; the listener dispatches on them.
ACKNOWLEDGE, RECORD_NOTICE, OPEN_REVIEW, APPROVE = "breach_ack", "breach_notice", "breach_review", "breach_approve"


def action_text(block: str, *, template_dirs: tuple[Path, ...] | None = None, **variables: Any) -> str:
    """One text of templates/slack/actions.j2 (a button label, a confirmation, the help)."""
    return scrub(_Texts("actions", variables, template_dirs)(block))


def action_buttons(incident: str, obligation: str | None, *, label: str | None = None,
                   template_dirs: tuple[Path, ...] | None = None) -> dict:
    """The actions block under a reminder or a status update: Acknowledge, Record notice made, Open review."""
    import json

    value = json.dumps({"incident": incident, "obligation": obligation, "label": label}, separators=(",", ":"))

    def button(action_id: str, block: str) -> dict:
        return {"type": "button", "action_id": action_id, "value": value,
                "text": {"type": "plain_text", "text": action_text(block, template_dirs=template_dirs)}}

    buttons = [button(OPEN_REVIEW, "open_review")]
    if obligation:
        buttons = [button(ACKNOWLEDGE, "acknowledge"), button(RECORD_NOTICE, "record_notice"), *buttons]
    return {"type": "actions", "block_id": f"breach_actions:{incident}", "elements": buttons}
