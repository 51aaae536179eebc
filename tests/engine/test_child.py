"""engine.child: how a child process is started, from a checkout and from a frozen bundle."""

from __future__ import annotations

import sys

import pytest

from engine import child


def test_from_a_checkout_a_child_is_python_dash_m() -> None:
    assert child.child_command("engine.x", "a", "b") == [sys.executable, "-m", "engine.x", "a", "b"]
    assert child.REPO_ROOT in child.child_env()["PYTHONPATH"]


def test_in_a_frozen_bundle_a_child_is_the_app_with_the_hidden_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A PyInstaller bundle has no Python to run `-m` with: sys.executable is the app itself.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    assert child.child_command("engine.x", "a") == [
        sys.executable,
        child.CHILD_OPTION,
        "engine.x",
        "a",
    ]
    assert "PYTHONPATH" not in child.child_env()
