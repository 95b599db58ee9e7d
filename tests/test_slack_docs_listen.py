"""docs/slack.md shows the app manifest and how to run the listener."""

from conftest import REPO


def test_docs_show_the_manifest_and_the_listener() -> None:
    text = (REPO / "docs" / "slack.md").read_text()
    for needed in ("socket_mode_enabled: true", "command: /breach", "interactivity:", "is_enabled: true",
                   "chat:write", "commands", "connections:write", "breach slack listen",
                   "ExecStart=/usr/local/bin/breach slack listen", "Restart=always", "slack:\n  users:"):
        assert needed in text, needed
