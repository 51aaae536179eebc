"""main.py's own options: --version answers without a command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import main
from app.core.version import app_version

REPO = Path(__file__).resolve().parents[1]


def test_version_prints_the_name_and_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"MiniCPM Chat {app_version()}\n"
    assert app_version() != "unknown"


def test_help_names_the_version_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main.main(["--help"])
    assert "--version" in capsys.readouterr().out


@pytest.mark.slow
def test_python_main_py_version_from_another_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout == f"MiniCPM Chat {app_version()}\n"


def test_engine_child_entry_runs_the_module_as_python_m_would(tmp_path: Path) -> None:
    """The frozen bundle's hidden `--engine-child MODULE ARGS` (engine.child.child_command):
    the module's __main__ block runs with ARGS; here the requantizer's usage error."""
    done = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--engine-child", "engine.convert.requantize"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "usage: python -m engine.convert.requantize" in done.stderr
