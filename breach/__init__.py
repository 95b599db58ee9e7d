"""breach: the first hours and days after a personal data breach."""

from pathlib import Path

__version__ = "0.1.0"

#: The repository root: shipped playbooks, templates and the sample organization live here.
ROOT = Path(__file__).resolve().parent.parent
