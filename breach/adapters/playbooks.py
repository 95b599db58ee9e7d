"""Playbook files: the data folder's own `playbooks/*.yaml` first, then the shipped ones.

Read here; validated by breach.core.playbook (`build_playbook`), which sees only text.
"""

from __future__ import annotations

from pathlib import Path

from breach.adapters.resources import search_path, shipped
from breach.adapters.yamlfiles import read_text
from breach.core.playbook.loader import build_playbook
from breach.core.playbook.model import Playbook
from breach.errors import NotFoundError, Problem, ValidationError

PLAYBOOK_DIR = shipped("playbooks")


def _build(path: Path) -> tuple[Playbook | None, list[Problem]]:
    try:
        text = read_text(path)
    except ValidationError as exc:
        return None, exc.problems
    return build_playbook(text, path)


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem in a playbook file, each with file:line; empty when valid."""
    return _build(Path(path))[1]


def load_playbook(path: str | Path) -> Playbook:
    """Load and validate a playbook; raise ValidationError listing every problem."""
    playbook, problems = _build(Path(path))
    if problems or playbook is None:
        raise ValidationError(problems)
    return playbook


def list_playbooks(home: Path | None = None) -> list[Playbook]:
    """The playbooks by name: the data folder's own `playbooks/*.yaml` win over the shipped ones."""
    return [load_playbook(p) for p in _playbook_files(home).values()]


def _playbook_files(home: Path | None) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in reversed(search_path("playbooks", home)):
        for path in sorted(folder.glob("*.yaml")):
            found[path.stem] = path
    return dict(sorted(found.items()))


def find_playbook(name_or_path: str, home: Path | None = None) -> Path:
    """A playbook by name ('gdpr': the data folder's own first, then the shipped one), or a path."""
    path = Path(name_or_path).expanduser()
    looks_like_path = path.suffix in (".yaml", ".yml") or len(path.parts) > 1
    files = _playbook_files(home)
    if not looks_like_path and name_or_path in files:
        return files[name_or_path]
    if path.is_file():
        return path
    shipped_names = ", ".join(p.stem for p in sorted(shipped("playbooks").glob("*.yaml"))) or "none"
    own = [name for name, p in files.items() if p.parent != shipped("playbooks")]
    if looks_like_path:
        raise NotFoundError(f"no playbook file {str(path)!r}")
    raise NotFoundError(f"no playbook named {name_or_path!r} (shipped: {shipped_names}"
                        + (f"; the data folder's own: {', '.join(own)}" if own else "")
                        + "); give a name or a path to a .yaml file")


