"""The app's version: `[project] version` of pyproject.toml, the one place it is written."""

from __future__ import annotations

import tomllib
from pathlib import Path

UNKNOWN_VERSION = "unknown"

# app/core/version.py -> the repository root. The frozen bundle keeps the same layout (the
# package step copies pyproject.toml to the bundle's root), so one rule serves both.
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def app_version(pyproject: Path = PYPROJECT) -> str:
    """The version, or "unknown" when the file is missing or has none: an About box or
    `--version` should still answer rather than fail."""
    try:
        with pyproject.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return UNKNOWN_VERSION
    project = data.get("project")
    version = project.get("version") if isinstance(project, dict) else None
    return version.strip() if isinstance(version, str) and version.strip() else UNKNOWN_VERSION
