"""Issue 21, "a straight path": `breach draft` reads everything first, the pure core makes the new version
from what was read, and an adapter writes it down; nothing climbs back from the core to a service.

Read with ast over the source (what `create_draft` calls, and in which order), and run once: the core's
`compose_draft` makes the version without writing anything, and `create_draft` stores exactly that text.
"""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

from conftest import REPO, Cli

from breach.adapters.templates import catalogue, templates
from breach.core.notice import DraftAsked, DraftSources, compose_draft, draft_result
from breach.services.incidents import incident_dict
from breach.services.notices import create_draft, draft_json
from breach.services.obligations import obligations_of
from breach.services.session import open_session

NOTICES = REPO / "breach" / "services" / "notices.py"
NOW = datetime.fromisoformat("2026-11-28T14:05:00+01:00")


def _function(path: Path, name: str) -> ast.FunctionDef:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)


def _imported_from(path: Path) -> dict[str, str]:
    """Each name imported at module level, with the module it comes from."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {alias.asname or alias.name: node.module or "" for node in tree.body
            if isinstance(node, ast.ImportFrom) for alias in node.names}


def _calls_in_order(fn: ast.FunctionDef) -> list[str]:
    """The names `fn` calls, in the order they are written (`session.store.draft_rows` as written)."""
    calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call)]
    calls.sort(key=lambda c: (c.lineno, c.col_offset))
    return [ast.unparse(c.func) for c in calls]


def _layer(call: str, imported: dict[str, str]) -> str:
    """Where a call in notices.py goes: a module of breach (by its import), this module, or the session."""
    head = call.split(".")[0]
    if head == "session":
        return "breach.services.session"
    if head in imported:
        return imported[head]
    return "breach.services.notices"  # a helper of this module, or a builtin (tuple, str, ...)


def test_create_draft_reads_first_then_the_core_makes_the_version_and_an_adapter_writes_it() -> None:
    imported = _imported_from(NOTICES)
    calls = _calls_in_order(_function(NOTICES, "create_draft"))
    assert "compose_draft" in calls and imported["compose_draft"] == "breach.core.notice"
    # After the core: the write and the answer (and the core's warnings handed to the person drafting).
    after = [c for c in calls[calls.index("compose_draft") + 1:] if c != "session.warn"]
    assert after == ["write_draft", "draft_result"]
    assert imported["write_draft"].startswith("breach.adapters.")  # the write: down to an adapter
    assert imported["draft_result"] == "breach.core.notice"  # the answer: made by the core from what it made
    # Before the core: each services module entered once (the session, incidents, obligations).
    before = [_layer(c, imported) for c in calls[:calls.index("compose_draft")]]
    services = [m for m in before if m.startswith("breach.services.") and m != "breach.services.notices"]
    assert sorted(set(services)) == ["breach.services.incidents", "breach.services.obligations",
                                     "breach.services.session"]
    assert services.count("breach.services.incidents") == 1 and services.count("breach.services.obligations") == 1


def test_the_core_that_makes_the_version_never_calls_back_up() -> None:
    """compose_draft's module and every breach module it imports (transitively) stay in the core."""
    seen: set[str] = set()
    todo = ["breach.core.notice"]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = REPO / (module.replace(".", "/") + ".py")
        if not path.is_file():
            path = REPO / module.replace(".", "/") / "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("breach."):
                todo.append(node.module)
            if isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name.startswith("breach.")]
    assert "breach.core.drafting" in seen and "breach.core.review" in seen  # the walk really went down
    climbs = sorted(m for m in seen if m.startswith(("breach.services", "breach.adapters", "breach.cli")))
    assert not climbs, f"the core imports a layer above it: {climbs}"


def test_the_core_makes_the_version_without_writing_and_create_draft_stores_that_text(cli: Cli,
                                                                                      assessed: str) -> None:
    with open_session(cli.home, author="test") as s:
        state = s.state(assessed)
        asked = DraftAsked(kind="sa-notification", lang="fr", fmt="md")
        sources = DraftSources(state=state, incident=incident_dict(state.incident),
                               found=obligations_of(s, state, now=NOW), stored=s.store.draft_rows(assessed),
                               us_laws={}, org=s.org, labels=catalogue("en")["fields"], templates=templates(),
                               shipped=templates(), home=str(s.home.absolute()))
        new = compose_draft(sources, asked, now=NOW)
        assert s.store.draft_rows(assessed) == [] and not (cli.home / assessed / "drafts").exists()
        assert new.unchanged is False and new.event["kind"] == "sa-notification" and new.html is None
        made = create_draft(s, assessed, "sa-notification", lang="fr", now=NOW)
        stored = s.store.draft_rows(assessed)
    assert [r["text"] for r in stored] == [new.rendered.text] and made["sha256"] == new.sha256
    assert made == draft_result(new, 1)  # the answer the core makes, once stored as v1
    assert Path(made["path"]).read_text(encoding="utf-8") == new.rendered.text
    shown = draft_json(made)  # `breach draft --json`
    assert list(shown) == ["kind", "lang", "version", "sha256", "path", "path_in_home", "missing", "template",
                           "template_origin", "phase", "unchanged", "country"]
    assert "incident" not in shown and "subject" not in shown and shown["version"] == 1
