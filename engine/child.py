"""What the engine's child processes share: the environment they start with, and the line of
their error output that explains a failure."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["child_env", "last_line"]

REPO_ROOT = str(Path(__file__).resolve().parents[1])


def child_env() -> dict[str, str]:
    """This environment, with the repository on PYTHONPATH so `python -m engine...` works."""
    path = os.pathsep.join(p for p in (REPO_ROOT, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def last_line(text: str, default: str = "no reason given") -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else default
