"""Who acts from Slack: the profile maps a Slack user id to a person and a role (pure).

`slack: {users: {U0123ABCD: {name: "Lea Legal", role: legal}}}` in organization.yaml. A `viewer`
reads (status, help, the review list); a `responder` also acknowledges reminders and records
notices; `legal` also approves notices (with the four-eyes rule when the profile asks for it).
Nobody else acts: an unknown user is told the profile key to add.
"""

from __future__ import annotations

from dataclasses import dataclass

from breach.core.profile import SLACK_ROLES, Profile

#: Who may do what from Slack.
RIGHTS = {
    "status": SLACK_ROLES, "help": SLACK_ROLES, "open_review": SLACK_ROLES,
    "acknowledge": ("responder", "legal"), "record_notice": ("responder", "legal"), "approve": ("legal",),
}
WHAT = {"acknowledge": "acknowledge a reminder", "record_notice": "record a notice", "approve": "approve a notice",
        "status": "read the status", "help": "use breach", "open_review": "open the review"}


@dataclass(frozen=True)
class SlackUser:
    user_id: str
    name: str
    role: str

    def to_dict(self) -> dict[str, str]:
        """What every event done from Slack records: the person, their role and their Slack user id."""
        return {"user": self.user_id, "person": self.name, "role": self.role}


def find_user(org: Profile, user_id: str) -> SlackUser | None:
    person = org.slack.users.get(user_id)
    return SlackUser(user_id, person.name, person.role) if person else None


def unknown_refusal(user_id: str) -> str:
    """The ephemeral answer to a Slack user the profile does not map."""
    return (f"You are not mapped to a person in breach's profile, so nothing was done. Ask the incident team to "
            f"add your Slack user id under the `slack.users` key of organization.yaml: "
            f'`slack: {{users: {{{user_id}: {{name: "Your Name", role: responder}}}}}}` '
            f"(roles: {', '.join(SLACK_ROLES)}).")


def refusal(org: Profile, user_id: str, action: str) -> tuple[SlackUser | None, str | None]:
    """(the user, None) when they may do `action`; (user or None, the refusal) when not."""
    user = find_user(org, user_id)
    if user is None:
        return None, unknown_refusal(user_id)
    allowed = RIGHTS[action]
    if user.role not in allowed:
        return user, (f"{user.name} ({user.role}) may not {WHAT[action]} from Slack: that takes the role "
                      f"{' or '.join(allowed)} in slack.users of organization.yaml. Nothing was done.")
    return user, None
