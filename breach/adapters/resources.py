"""Where the shipped playbooks, templates, regimes and sample organization live.

In an installed wheel they travel inside the package, in `breach/resources/`
(setup.py copies them there from the repository's top-level folders, which stay
their source). In a source checkout (an editable install) the top-level folders are
read directly. Finding them is I/O, so it lives here and the core is handed what it
needs. A data folder may hold its own `templates/` and `playbooks/`, which
win file by file over the shipped ones (`search_path`).
"""

from __future__ import annotations

from pathlib import Path

#: Inside the installed package. `importlib.resources.files("breach")` names this same folder
#: for a package installed on disk (wheels are); it is not imported here because it costs
#: ~6 ms (zipfile, tempfile) on every command, and `breach status` must start fast.
PACKAGED = Path(__file__).resolve().parents[1] / "resources"  # breach/resources
#: A source checkout: the folder that holds pyproject.toml.
CHECKOUT = Path(__file__).resolve().parents[2]

#: Shipped resource -> its source in the repository (copied into PACKAGED by setup.py).
SOURCES = {
    "playbooks": "playbooks",
    "templates": "templates",
    "organization.yaml": "incidents/organization.yaml",
    "verify_chain.py": "docs/verify_chain.py",
}


def shipped(name: str) -> Path:
    """A shipped resource: the packaged copy if this is an installed wheel, else the checkout's source."""
    packaged = PACKAGED / name
    if packaged.exists() or name not in SOURCES:
        return packaged
    return CHECKOUT / SOURCES[name]


def search_path(kind: str, home: Path | None) -> list[Path]:
    """Folders to look in for `templates` or `playbooks`: the data folder's own first."""
    own = [Path(home) / kind] if home is not None and (Path(home) / kind).is_dir() else []
    return [*own, shipped(kind)]


def describe(path: Path, home: Path | None) -> str:
    """Where a resource came from, for `playbook list` and `draft --json`: 'data folder' or 'shipped'."""
    if home is not None:
        try:
            path.resolve().relative_to(Path(home).resolve())
            return "data folder"
        except ValueError:
            pass
    return "shipped"


def rules_fingerprint() -> list[str]:
    """Each shipped regime file and the authority directory as `name:length:crc32` (change detection
    for the projections' cache, not integrity; no YAML parsed, no OpenSSL loaded on a read)."""
    import zlib

    parts = []
    for path in [*sorted(shipped("regimes").glob("*.yaml")), shipped("authorities.yaml")]:
        data = path.read_bytes()
        parts.append(f"{path.name}:{len(data)}:{zlib.crc32(data):08x}")
    return parts
