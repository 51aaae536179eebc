"""What the engine's child processes share: the command that starts one, the environment it
starts with, and the line of its error output that explains a failure."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["CHILD_OPTION", "child_command", "child_env", "last_line"]

REPO_ROOT = str(Path(__file__).resolve().parents[1])
# main.py's hidden entry: in a frozen bundle `minicpm-chat --engine-child MODULE ARGS...` runs
# MODULE as `python -m MODULE ARGS...` would.
CHILD_OPTION = "--engine-child"


def is_frozen() -> bool:
    """True inside a PyInstaller bundle, where sys.executable is the app, not a Python."""
    return bool(getattr(sys, "frozen", False))


def child_command(module: str, *args: str) -> list[str]:
    """The command that runs `module`'s `__main__` block with `args` in a new process."""
    if is_frozen():
        return [sys.executable, CHILD_OPTION, module, *args]
    return [sys.executable, "-m", module, *args]


def child_env() -> dict[str, str]:
    """This environment, with the repository on PYTHONPATH so `python -m engine...` works (a
    frozen bundle carries its modules inside and needs nothing added)."""
    if is_frozen():
        return dict(os.environ)
    path = os.pathsep.join(p for p in (REPO_ROOT, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def last_line(text: str, default: str = "no reason given") -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else default
