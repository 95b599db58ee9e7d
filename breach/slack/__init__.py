"""Slack, in one package: what is posted when, the texts, the outbox, and the one adapter to slack_sdk.

- `policy`    pure: reminder offsets, quiet hours, the OVERDUE window, retry back-off, and the
              sanitized facts a status message may show (`now` and the zone are passed in).
- `messages`  the Block Kit messages, their texts rendered from templates/slack/*.j2 (sandboxed jinja2;
              a data folder's own templates/slack/ wins file by file, like every other template).
- `config`    the settings, from the environment only (tokens never reach the database).
- `outbox`    the outbox's typed keys (`OutboxKey`, byte-identical to the keys older databases hold)
              and the slack_state keys.
- `notifier`  what a state change queues, inside the change's transaction; `remind` for cron.
- `flush`     sending the outbox after commit: in order, idempotent, nothing lost on an outage.
- `client`    the only module that imports slack_sdk (inside functions: commands start fast).

The CLI (breach/cli/slack.py) only calls this package. Layers (tests/test_layout.py): policy,
messages and outbox sit with the core, config and client with the adapters, notifier and flush
with the services.
"""
