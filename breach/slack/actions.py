"""What the team does from Slack (`breach slack listen`): the slash command, the buttons, the modal.

Each handler takes Slack's payload and returns an `Outcome` (what to answer, which modal to open,
what to say in the thread); breach.slack.listen carries it out. The work goes through the same
services as the CLI, with the same refusals and messages: `breach status`'s rows, `breach notified`
(record_notification), `breach review approve` (review_act, bound to the sha256 shown, four eyes).

Who acts: breach.slack.identity (the profile's `slack.users`). Every event done from Slack is
written by the mapped person and is followed, in the same transaction, by an `action` event that
records the person, their role, their Slack user id and the action's key; that key is how an
action Slack delivers twice (a dropped connection, a late ack) is recorded once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from breach.core.states import DraftState, EventKind, Phase, ReviewDecision
from breach.errors import BreachError
from breach.slack import messages
from breach.slack.identity import SlackUser, refusal

if TYPE_CHECKING:
    from breach.core.duty_rows import StatusRow

#: The modal's callback id and its inputs.
NOTICE_VIEW = "breach_notice"
FIELDS = ("at", "reference", "phase", "reasons")
PHASES = tuple(Phase)  # GDPR Art. 33(4), as `breach notified --phase`

#: (rows of breach.services.status.status_rows, zone, one incident?) -> the lines `breach status` prints.
StatusText = Callable[["list[StatusRow]", str, bool], list[str]]
#: What `breach status` says when nothing is due.
NOTHING_DUE = "Nothing due: no open incident has an obligation."


@dataclass
class Outcome:
    """What the listener does after handling one envelope."""

    ephemeral: str | None = None  # to the person who acted only
    blocks: list[dict] | None = None  # with the ephemeral answer
    modal: dict | None = None  # a view to open with the payload's trigger_id
    thread: str | None = None  # said in the thread of the message acted on
    recorded: list[str] = field(default_factory=list)  # the action keys recorded


class Actions:
    """The handlers, over one data folder. `status_text` renders the status as the CLI does."""

    def __init__(self, home: Path | None, *, status_text: StatusText, review_url: str | None = None):
        self.home = home
        self.status_text = status_text
        self.review_url = review_url

    # --- sessions ------------------------------------------------------------------------

    def _session(self, author: str | None = None, *, write: bool = True):
        from breach.api import open_session

        return open_session(self.home, write=write, author=author)

    def _who(self, user_id: str, action: str) -> tuple[SlackUser | None, str | None]:
        with self._session(write=False) as s:
            return refusal(s.org, user_id, action)

    # --- the slash command ---------------------------------------------------------------

    def slash(self, payload: dict[str, Any]) -> Outcome:
        """`/breach status [ID]` and `/breach help`."""
        words = (payload.get("text") or "").split()
        verb = words[0].lower() if words else "help"
        if verb not in ("status", "help"):
            return Outcome(ephemeral=f"Unknown command `/breach {verb}`.\n" + messages.action_text("help"))
        user, refused = self._who(str(payload.get("user_id") or ""), verb)
        if refused:
            return Outcome(ephemeral=refused)
        if verb == "help":
            return Outcome(ephemeral=messages.action_text("help"))
        from breach.services.status import status_rows

        incident = words[1] if len(words) > 1 else None
        try:
            with self._session(write=False) as s:
                rows = status_rows(s, incident, now=s.now())
                zone = s.zone
        except BreachError as exc:
            return Outcome(ephemeral=f"Error: {exc}")
        if not rows:
            return Outcome(ephemeral=NOTHING_DUE)
        lines = self.status_text(rows, zone, incident is not None)
        return Outcome(ephemeral="```\n" + messages.scrub("\n".join(lines)) + "\n```")

    # --- the buttons -----------------------------------------------------------------------

    def button(self, payload: dict[str, Any]) -> Outcome:
        action = (payload.get("actions") or [{}])[0]
        action_id = action.get("action_id")
        try:
            value = json.loads(action.get("value") or "{}")
        except ValueError:
            value = {}
        user_id = str((payload.get("user") or {}).get("id") or "")
        handler = {messages.ACKNOWLEDGE: self._acknowledge, messages.RECORD_NOTICE: self._notice_modal,
                   messages.OPEN_REVIEW: self._review_list, messages.APPROVE: self._approve}.get(action_id)
        if handler is None or not isinstance(value, dict) or not value.get("incident"):
            return Outcome(ephemeral="This button is not one of breach's; nothing was done.")
        right = {messages.ACKNOWLEDGE: "acknowledge", messages.RECORD_NOTICE: "record_notice",
                 messages.OPEN_REVIEW: "open_review", messages.APPROVE: "approve"}[action_id]
        user, refused = self._who(user_id, right)
        if refused or user is None:
            return Outcome(ephemeral=refused)
        return handler(user, value, payload)

    def _acknowledge(self, user: SlackUser, value: dict, payload: dict) -> Outcome:
        iid, obligation, label = value["incident"], value.get("obligation"), value.get("label") or "deadline"
        message_ts = (payload.get("message") or {}).get("ts") or (payload.get("container") or {}).get("message_ts")
        key = f"ack:{iid}:{obligation}:{label}:{user.user_id}:{message_ts}"
        try:
            with self._session(user.name) as s, s.store.transaction():
                if _recorded(s, iid, key):
                    return Outcome(ephemeral=f"You acknowledged this {label} reminder already.")
                text = f"Acknowledged the {label} reminder for {obligation} (from Slack; the reminders go on)"
                _record(s, iid, user, key, action="acknowledge", text=text,
                        extra={"obligation": obligation, "label": label})
        except BreachError as exc:
            return Outcome(ephemeral=f"Error: {exc}")
        return Outcome(thread=messages.action_text("acknowledged", person=user.name, label=label,
                                                   obligation=obligation), recorded=[key])

    def _notice_modal(self, user: SlackUser, value: dict, payload: dict) -> Outcome:
        message = payload.get("message") or {}
        meta = {"incident": value["incident"], "obligation": value.get("obligation"),
                "channel": (payload.get("channel") or {}).get("id"),
                "thread_ts": message.get("thread_ts") or message.get("ts")}
        return Outcome(modal=notice_view(meta))

    def _review_list(self, user: SlackUser, value: dict, payload: dict) -> Outcome:
        from breach.services.notices import review_rows

        iid = value["incident"]
        try:
            with self._session(write=False) as s:
                rows = [r for r in review_rows(s, iid)
                        if r["state"] in (DraftState.DRAFT, DraftState.CHANGES_REQUESTED)]
        except BreachError as exc:
            return Outcome(ephemeral=f"Error: {exc}")
        head = f"Open review: <{self.review_url}|the review page>" if self.review_url else \
            "Open review: no review page is served (`breach serve`); the drafts waiting for approval:"
        blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": head}}]
        for r in rows:
            text = f"*{r['kind']}* ({r['lang']}) v{r['version']} · sha256 `{r['sha256']}`"
            approve = {"type": "button", "action_id": messages.APPROVE, "text": {"type": "plain_text",
                                                                                   "text": "Approve"},
                       "value": json.dumps({"incident": iid, "kind": r["kind"], "lang": r["lang"],
                                            "version": r["version"], "sha256": r["sha256"]})}
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}, "accessory": approve})
        if not rows:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "No draft waits for approval."}})
        return Outcome(ephemeral=head, blocks=blocks)

    def _approve(self, user: SlackUser, value: dict, payload: dict) -> Outcome:
        from breach.services.notices import review_act

        iid, sha = value["incident"], str(value.get("sha256") or "")
        kind, lang, version = str(value.get("kind")), str(value.get("lang")), int(value.get("version") or 0)
        key = f"approve:{iid}:{kind}:{lang}:{version}:{sha}:{user.user_id}"
        try:
            with self._session(user.name) as s, s.store.transaction():
                if _recorded(s, iid, key):
                    return Outcome(ephemeral=f"You approved {kind} ({lang}) v{version} already.")
                review_act(s, iid, kind, lang=lang, version=version, by=user.name, decision=ReviewDecision.APPROVED,
                           comment=None, now=s.now(), expect_sha256=sha, via=f"Slack {user.user_id}")
                _record(s, iid, user, key, action="approve", text=f"Approved {kind} ({lang}) v{version} from Slack",
                        extra={"kind": kind, "lang": lang, "version": version, "sha256": sha})
        except BreachError as exc:
            return Outcome(ephemeral=f"Error: {exc}")
        return Outcome(thread=messages.action_text("approved", person=user.name, kind=kind, lang=lang,
                                                   version=version, sha256=sha), recorded=[key])

    # --- the modal -----------------------------------------------------------------------------

    def submission(self, payload: dict[str, Any]) -> Outcome:
        """"Record notice made": `breach notified ID OBLIGATION --at --reference --phase` from the modal."""
        from breach.services.notifications import record_notification

        view = payload.get("view") or {}
        if view.get("callback_id") != NOTICE_VIEW:
            return Outcome()
        meta = json.loads(view.get("private_metadata") or "{}")
        user, refused = self._who(str((payload.get("user") or {}).get("id") or ""), "record_notice")
        if refused or user is None:
            return Outcome(ephemeral=refused)
        got = modal_values(view)
        iid, obligation = meta["incident"], meta["obligation"]
        key = f"notice:{view.get('id')}"
        try:
            with self._session(user.name) as s, s.store.transaction():
                if _recorded(s, iid, key):
                    return Outcome()
                record_notification(s, iid, obligation, at=got["at"], now=s.now(), reference=got["reference"],
                                    reasons_for_delay=got["reasons"], phase=got["phase"])
                _record(s, iid, user, key, action="record_notice",
                        text=f"Recorded the {obligation} notice from Slack",
                        extra={"obligation": obligation, "reference": got["reference"]})
        except BreachError as exc:
            return Outcome(ephemeral=f"Error: {exc}")
        return Outcome(thread=messages.action_text("recorded", person=user.name, obligation=obligation,
                                                   reference=got["reference"] or "none"), recorded=[key])


def notice_view(meta: dict[str, Any]) -> dict:
    """The "Record notice made" modal: time, the authority's reference, the phase (and reasons if late)."""
    def text_input(block: str, label: str, hint: str, optional: bool) -> dict:
        return {"type": "input", "block_id": block, "optional": optional,
                "label": {"type": "plain_text", "text": label}, "hint": {"type": "plain_text", "text": hint},
                "element": {"type": "plain_text_input", "action_id": block}}

    phase = {"type": "input", "block_id": "phase", "optional": True, "label": {"type": "plain_text", "text": "Phase"},
             "element": {"type": "static_select", "action_id": "phase", "options": [
                 {"text": {"type": "plain_text", "text": p}, "value": p} for p in PHASES]},
             "hint": {"type": "plain_text", "text": "GDPR Art. 33(4): information may be given in phases"}}
    return {
        "type": "modal", "callback_id": NOTICE_VIEW, "private_metadata": json.dumps(meta),
        "title": {"type": "plain_text", "text": "Record notice made"},
        "submit": {"type": "plain_text", "text": "Record"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{messages.mrkdwn(meta['incident'])}*: "
                                         f"{messages.mrkdwn(meta['obligation'])} (GDPR Art. 33(1))"}},
            text_input("at", "When was it made?", "e.g. 2026-11-29 10:00; empty means now", True),
            text_input("reference", "The authority's reference", "as the acknowledgement gives it", True),
            phase,
            text_input("reasons", "Reasons for the delay", "only after the deadline (GDPR Art. 33(1))", True),
        ],
    }


def modal_values(view: dict[str, Any]) -> dict[str, str | None]:
    """The modal's answers: {"at", "reference", "phase", "reasons"}, None when left empty."""
    values = (view.get("state") or {}).get("values") or {}
    out: dict[str, str | None] = {}
    for name in FIELDS:
        element = (values.get(name) or {}).get(name) or {}
        value = element.get("value")
        if value is None and element.get("selected_option"):
            value = element["selected_option"].get("value")
        out[name] = value.strip() if isinstance(value, str) and value.strip() else None
    return out


def _recorded(session: Any, incident_id: str, key: str) -> bool:
    """Whether an action with this key was recorded already (Slack delivers some envelopes twice)."""
    return any(e.kind == EventKind.ACTION and (e.data.get("slack") or {}).get("key") == key
               for e in session.store.events(incident_id))


def _record(session: Any, incident_id: str, user: SlackUser, key: str, *, action: str, text: str,
            extra: dict[str, Any]) -> None:
    """The `action` event: who (person, role, Slack user id), what, and the action's key."""
    session.store.append_event(incident_id, kind=EventKind.ACTION, at=session.now(), author=user.name,
                               data={"text": text, "slack": {**user.to_dict(), "action": action, "key": key,
                                                             **extra}})
