"""The templates on disk: the data folder's own `templates/` first, then the shipped ones.

breach.core.drafting renders from what it is handed; this adapter finds and reads the
files: it builds the sandboxed jinja2 environments over the search path (jinja2 is
imported only when a document is rendered) and loads the message catalogues
(templates/i18n/<lang>.yaml). The functions below keep the signatures callers know:
`render(kind, lang, fmt, context, template_dirs=...)`, `draft_marker(lang)`, ...
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from breach.adapters.resources import search_path, shipped
from breach.core import drafting
from breach.core.drafting import Field, Rendered
from breach.errors import InputError


def template_dirs(home: Path | None) -> tuple[Path, ...]:
    """The folders templates are looked for in: the data folder's own `templates/` (if any), then the shipped."""
    return tuple(search_path("templates", home))


def _dirs(dirs: tuple[Path, ...] | None) -> tuple[Path, ...]:
    return tuple(dirs) if dirs else (shipped("templates"),)


def make_environment(fmt: str, template_dirs: tuple[Path, ...] | None = None) -> Any:
    """The sandboxed jinja2 environment for `fmt` over the folders (default: the shipped templates)."""
    from jinja2 import FileSystemLoader

    return drafting.make_environment(fmt, FileSystemLoader([str(d) for d in _dirs(template_dirs)]))


@lru_cache(maxsize=16)
def _environment(fmt: str, dirs: tuple[Path, ...]) -> Any:
    return make_environment(fmt, dirs)


@lru_cache(maxsize=32)
def _catalogue(lang: str, dirs: tuple[Path, ...]) -> dict[str, Any]:
    from breach.adapters.yamlfiles import load_yaml
    from breach.core.yamlio import plain

    for folder in dirs:
        path = folder / "i18n" / f"{lang}.yaml"
        if path.is_file():
            return plain(load_yaml(path))
    raise InputError(f"no message catalogue for {lang!r} (templates/i18n/{lang}.yaml)")


@dataclass(frozen=True)
class FolderTemplates:
    """A `drafting.TemplateSet` over folders searched in order (the data folder's own first)."""

    dirs: tuple[Path, ...]

    def environment(self, fmt: str) -> Any:
        return _environment(fmt, self.dirs)

    def catalogue(self, lang: str) -> dict[str, Any]:
        return _catalogue(lang, self.dirs)

    def origin(self, filename: str | None, name: str) -> tuple[str, str]:
        used = Path(filename or name)
        own = self.dirs[0] != shipped("templates") and used.is_relative_to(self.dirs[0])
        return (str(used), "data folder") if own else (f"templates/{name}", "shipped")

    def where(self, name: str) -> str:
        return str(next((d / name for d in self.dirs if (d / name).is_file()), name))


def templates(dirs: tuple[Path, ...] | None = None) -> FolderTemplates:
    """The templates of these folders (default: the shipped ones only)."""
    return FolderTemplates(_dirs(dirs))


def catalogue(lang: str, dirs: tuple[Path, ...] | None = None) -> dict[str, Any]:
    """The message catalogue of `lang`: the first folder that has it wins."""
    drafting.check_lang(lang)
    return _catalogue(lang, _dirs(dirs))


def render(kind: str, lang: str, fmt: str, context: dict[str, Any],
           template_dirs: tuple[Path, ...] | None = None) -> Rendered:
    """Render one document (breach.core.drafting.render) from the folders (default: the shipped templates)."""
    return drafting.render(kind, lang, fmt, context, templates=templates(template_dirs))


def draft_marker(lang: str) -> str:
    """The localized DRAFT marker that opens every document, e.g. "ENTWURF – ..."."""
    return drafting.draft_marker(catalogue(lang))


def placeholders_in(text: str, lang: str) -> list[str]:
    """The MISSING placeholders still in a text, as `label — source` (breach.core.drafting.placeholders_in)."""
    return drafting.placeholders_in(text, catalogue(lang))


def required_fields(kind: str) -> list[Field]:
    """The content `kind` needs, with English labels and legal sources (templates/i18n/en.yaml)."""
    return drafting.required_fields(kind, catalogue("en")["fields"])


def missing_fields(kind: str, context: dict[str, Any], lang: str | None = None) -> list[Field]:
    """The required fields not given in `context` (breach.core.drafting.missing_fields)."""
    return drafting.missing_fields(kind, context, lang, labels=catalogue("en")["fields"])
