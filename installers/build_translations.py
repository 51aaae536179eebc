"""Compile the Qt Linguist translations (resources/translations/*.ts) into .qm files.

The .qm files are build outputs (git ignores them); `make setup` runs this. The sources are
refreshed from the code with `pyside6-lupdate` (see the docstring of `update_sources`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

TRANSLATIONS = Path(__file__).resolve().parents[1] / "resources" / "translations"


def _tool(name: str) -> str:
    beside = Path(sys.executable).with_name(name)  # the venv's PySide6 console script
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install PySide6 (it ships the Linguist tools)")
    return found


def stale(directory: Path = TRANSLATIONS) -> list[Path]:
    """The .ts files whose .qm is missing or older than the source."""
    out = []
    for ts in sorted(directory.glob("*.ts")):
        qm = ts.with_suffix(".qm")
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            out.append(ts)
    return out


def build(directory: Path = TRANSLATIONS, force: bool = False) -> list[Path]:
    """Compile each out-of-date .ts next to itself; returns the .qm files written."""
    todo = sorted(directory.glob("*.ts")) if force else stale(directory)
    written = []
    for ts in todo:
        qm = ts.with_suffix(".qm")
        subprocess.run([_tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
        written.append(qm)
    return written


def update_sources(directory: Path = TRANSLATIONS) -> None:
    """Re-extract the strings from app/ into each .ts, keeping the translations made so far."""
    root = directory.parents[1]
    sources = sorted(str(p) for p in (root / "app").rglob("*.py"))
    for ts in sorted(directory.glob("*.ts")):
        subprocess.run(
            [_tool("pyside6-lupdate"), *sources, "-no-obsolete", "-ts", str(ts)], check=True
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--update", action="store_true", help="run lupdate on app/ first")
    parser.add_argument("--force", action="store_true", help="compile even if up to date")
    args = parser.parse_args(argv)
    if args.update:
        update_sources()
    for qm in build(force=args.force):
        print(f"wrote {qm}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
