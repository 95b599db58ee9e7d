"""The organization profile's file: read here, validated by breach.core.organization."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from breach.adapters.resources import shipped
from breach.adapters.yamlfiles import load_yaml
from breach.core.organization import checked_org
from breach.core.profile import Profile


def sample_profile() -> Path:
    """The sample organization (Sparkcentral), shipped with the package."""
    return shipped("organization.yaml")


def load_org(path: Path) -> dict[str, Any]:
    """Load and validate a profile's document (the mapping as written); every problem is reported with file
    and line."""
    return checked_org(load_yaml(path), str(path))


def load_profile(path: Path) -> Profile:
    """Load and validate a profile, typed (breach.core.profile.Profile)."""
    return Profile.of(load_org(path))
