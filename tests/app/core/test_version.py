"""app_version(): pyproject.toml's version, or "unknown" when it cannot be read."""

from __future__ import annotations

import tomllib
from pathlib import Path

from app.core.version import PYPROJECT, UNKNOWN_VERSION, app_version

REPO = Path(__file__).resolve().parents[3]


def test_the_version_is_the_one_in_pyproject() -> None:
    assert PYPROJECT == REPO / "pyproject.toml"
    with PYPROJECT.open("rb") as f:
        expected = tomllib.load(f)["project"]["version"]
    assert app_version() == expected != UNKNOWN_VERSION


def test_a_missing_file_reads_as_unknown(tmp_path: Path) -> None:
    assert app_version(tmp_path / "pyproject.toml") == UNKNOWN_VERSION


def test_a_broken_file_or_a_missing_version_reads_as_unknown(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    for text in ("[project\nversion = ", '[project]\nname = "x"\n', 'project = "x"\n', ""):
        path.write_text(text, encoding="utf-8")
        assert app_version(path) == UNKNOWN_VERSION, text
    path.write_bytes(b"\xff\xfe not utf-8")
    assert app_version(path) == UNKNOWN_VERSION


def test_the_version_is_read_without_spaces(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nversion = " 2.3.4 "\n', encoding="utf-8")
    assert app_version(path) == "2.3.4"
