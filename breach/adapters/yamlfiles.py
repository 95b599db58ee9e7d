"""Reading YAML files: the core parses text (breach.core.yamlio.loads_yaml); this adapter reads the bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from breach.core.yamlio import MAX_YAML_BYTES, decode_utf8, loads_yaml
from breach.errors import Problem, ValidationError


def load_yaml(path: str | Path) -> Any:
    """Read and parse a YAML file; errors carry the file path and line."""
    return loads_yaml(read_text(path), path=str(path))


def read_text(path: str | Path) -> str:
    """A YAML file's text (UTF-8, within the size limit); errors carry the file path."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_YAML_BYTES + 1)
    except FileNotFoundError:
        raise ValidationError([Problem(str(p), None, "file not found")]) from None
    except OSError as exc:
        raise ValidationError([Problem(str(p), None, f"cannot read: {exc.strerror}")]) from None
    if len(data) > MAX_YAML_BYTES:
        raise ValidationError([Problem(str(p), None, f"larger than the {MAX_YAML_BYTES:,}-byte limit for YAML files")])
    return decode_utf8(data, path=str(p))
