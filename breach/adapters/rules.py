"""The rule files: regimes (breach/resources/regimes/*.yaml) and the directory of supervisory authorities.

Read here, validated by the core (breach.core.regime_rules, breach.core.authorities), and
cached per file (path, size and mtime: an edited file is read again).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from breach.adapters.resources import shipped
from breach.adapters.yamlfiles import load_yaml
from breach.core.authorities import Directory, check_directory
from breach.core.regime_rules import Rule, check_regime_file, check_rule_set
from breach.core.us_state_laws import LawDataError, load_laws
from breach.errors import Problem, ValidationError

REGIME_DIR = shipped("regimes")
DIRECTORY = shipped("authorities.yaml")
US_LAWS = REGIME_DIR / "us-state-laws.yaml"


# --- regimes ---------------------------------------------------------------------------


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem in one regime file (a file must be valid on its own)."""
    return _check_file(Path(path))[0]


def validate_folder(folder: str | Path) -> list[Problem]:
    """Every problem in a folder of regime files, incl. ids duplicated across files."""
    return list(_check_folder(*_folder_fingerprint(folder))[0])


def load_rules(folder: Path | None = None) -> list[Rule]:
    """All rules of a folder (default: the shipped ones), validated; raise ValidationError.

    Cached per folder (and per file size and mtime, so an edited file is read again).
    """
    problems, rules = _check_folder(*_folder_fingerprint(folder or REGIME_DIR))
    if problems:
        raise ValidationError(list(problems))
    return list(rules)


#: Data tables that live beside the regime files but are not regime files (issue 24: the US state
#: laws, element by element, read by breach/core/us_state_laws.py).
NOT_REGIME_FILES = {"us-state-laws.yaml"}


def _folder_fingerprint(folder: str | Path) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    files = sorted(f for f in Path(folder).resolve().glob("*.yaml") if f.name not in NOT_REGIME_FILES)
    return str(Path(folder).resolve()), tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)


@lru_cache(maxsize=16)
def _check_folder(folder: str, files_seen: tuple) -> tuple[tuple[Problem, ...], tuple[Rule, ...]]:
    checked = [_check_file(Path(folder) / name) for name, _, _ in files_seen]
    problems, rules = check_rule_set(checked, folder)
    return tuple(problems), tuple(rules)


def _check_file(path: Path) -> tuple[list[Problem], list[Rule]]:
    try:
        data = load_yaml(path)
    except ValidationError as exc:
        return exc.problems, []
    return check_regime_file(data, str(path), path.stem)


# --- the authorities -------------------------------------------------------------------


def validate_directory(path: str | Path | None = None) -> list[Problem]:
    """Every problem in a directory file (unknown keys, missing languages or source, gaps)."""
    return list(_check_directory(*_file_fingerprint(path or DIRECTORY))[0])


def load_directory(path: str | Path | None = None) -> Directory:
    """The directory, validated; raises ValidationError listing every problem."""
    problems, directory = _check_directory(*_file_fingerprint(path or DIRECTORY))
    if problems:
        raise ValidationError(list(problems))
    return directory


def _file_fingerprint(path: str | Path) -> tuple[str, int, int]:
    p = Path(path).resolve()
    stat = p.stat()
    return str(p), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=4)
def _check_directory(path: str, _mtime: int, _size: int) -> tuple[tuple[Problem, ...], Directory]:
    try:
        data = load_yaml(Path(path))
    except ValidationError as exc:
        return tuple(exc.problems), Directory(())
    return check_directory(data, path)


# --- the US state laws, element by element ----------------------------------------------


def load_us_laws(path: str | Path | None = None) -> dict[str, dict]:
    """The US state laws by id (US-CA), validated by breach.core.us_state_laws; raises ValidationError."""
    return _load_us_laws(*_file_fingerprint(path or US_LAWS))


@lru_cache(maxsize=2)
def _load_us_laws(path: str, _mtime: int, _size: int) -> dict[str, dict]:
    try:
        return load_laws(load_yaml(Path(path)))
    except LawDataError as exc:
        raise ValidationError([Problem(path, None, problem) for problem in exc.problems]) from exc
