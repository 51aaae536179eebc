"""Build the Linux bundle, the portable tarball and the .deb into dist/: `make package`, or
`python -m installers.linux.package`.

1. PyInstaller runs installers/pyinstaller/minicpm_chat.spec (as a subprocess: installers
   import nothing from the app) into dist/minicpm-chat/.
2. dist/minicpm-chat-<version>-linux-x86_64.tar.gz: that folder, renamed with the version,
   plus a README line.
3. dist/minicpm-chat_<version>_amd64.deb (dpkg-deb): the bundle in /opt/minicpm-chat, a
   launcher /usr/bin/minicpm-chat, the menu entry and the icons. Its maintainer scripts only
   refresh the desktop's menu and icon caches: the person's data folder
   (~/.local/share/MiniCPM Chat) is never touched on install, upgrade, remove or purge.

tests/installers/test_package.py builds through these same functions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "installers" / "pyinstaller" / "minicpm_chat.spec"
LINUX = ROOT / "installers" / "linux"
SVG_ICON = ROOT / "resources" / "icons" / "minicpm-chat.svg"
PNG_ICON = ROOT / "installers" / "icons" / "minicpm-chat-256.png"
NAME = "minicpm-chat"
INSTALL_DIR = f"/opt/{NAME}"
MAINTAINER = "MiniCPM Chat developers <minicpm-chat@users.noreply.github.com>"
# What the bundled Qt's xcb platform plugin and OpenGL / fonts need from the system (the rest,
# Python and the libraries of the wheels, is inside the bundle). t64: Debian 13 / Ubuntu 24.04.
DEPENDS = (
    "libc6 (>= 2.31)",
    "libstdc++6",
    "libgomp1",
    "libglib2.0-0t64 | libglib2.0-0",
    "libdbus-1-3",
    "libfontconfig1",
    "libfreetype6",
    "libx11-6",
    "libx11-xcb1",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xkb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libegl1",
    "libgl1",
    "libopengl0",
)
DESCRIPTION = (
    "Private, offline desktop chat with local MiniCPM models\n"
    " MiniCPM Chat runs MiniCPM language models on this computer with llama.cpp or\n"
    " OpenVINO. Chats, settings and models live in ~/.local/share/MiniCPM Chat, which\n"
    " removing or upgrading this package never touches."
)
# Maintainer scripts: refresh the menu and icon caches where the tools exist; nothing else.
CACHE_REFRESH = """#!/bin/sh
# Refreshes the desktop menu and icon caches. Never touches a person's data folder
# (~/.local/share/MiniCPM Chat): chats, settings and models outlive upgrades and removal.
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q /usr/share/applications || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
fi
exit 0
"""
LAUNCHER = f"""#!/bin/sh
# MiniCPM Chat: no argument starts the window; otherwise a command (chat, models, history, ...).
exec {INSTALL_DIR}/{NAME} "$@"
"""


def project_version(root: Path = ROOT) -> str:
    with (root / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def build_bundle(dist: Path, work: Path) -> Path:
    """dist/minicpm-chat/, built from the tree by PyInstaller; `work` keeps its cache, so a
    second build with the same `work` is quicker."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level=WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(SPEC),
        ],
        check=True,
        cwd=ROOT,
    )
    return dist / NAME


def make_tarball(bundle: Path, dist: Path, version: str) -> Path:
    """The portable build: unpack anywhere and run minicpm-chat-<version>/minicpm-chat."""
    folder = f"{NAME}-{version}"
    tarball = dist / f"{folder}-linux-x86_64.tar.gz"
    readme = dist / f"README-{folder}.txt"
    readme.write_text(
        f"MiniCPM Chat {version}: run ./{NAME} to open the window, or ./{NAME} --help for the "
        "commands. Chats and models are kept in ~/.local/share/MiniCPM Chat.\n",
        encoding="utf-8",
    )
    with tarfile.open(tarball, "w:gz", compresslevel=6) as archive:
        archive.add(bundle, arcname=folder)
        archive.add(readme, arcname=f"{folder}/README.txt")
    readme.unlink()
    return tarball


def make_deb(bundle: Path, dist: Path, version: str, work: Path) -> Path:
    """dist/minicpm-chat_<version>_amd64.deb; `work` holds the staged package tree."""
    stage = work / f"deb-{version}"
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(bundle, stage / INSTALL_DIR.lstrip("/"), symlinks=True)
    _write(stage / "usr" / "bin" / NAME, LAUNCHER, executable=True)
    applications = stage / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    shutil.copy2(LINUX / f"{NAME}.desktop", applications / f"{NAME}.desktop")
    icons = stage / "usr" / "share" / "icons" / "hicolor"
    (icons / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(SVG_ICON, icons / "scalable" / "apps" / f"{NAME}.svg")
    (icons / "256x256" / "apps").mkdir(parents=True)
    shutil.copy2(PNG_ICON, icons / "256x256" / "apps" / f"{NAME}.png")
    debian = stage / "DEBIAN"
    debian.mkdir()
    _write(debian / "control", control(version, _installed_kib(stage)))
    for script in ("postinst", "postrm"):
        _write(debian / script, CACHE_REFRESH, executable=True)
    deb = dist / f"{NAME}_{version}_amd64.deb"
    # gzip: xz would save ~20% of the download but take minutes longer on two cores.
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", str(stage), str(deb)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(stage)
    return deb


def control(version: str, installed_kib: int) -> str:
    return (
        f"Package: {NAME}\n"
        f"Version: {version}\n"
        "Section: net\n"
        "Priority: optional\n"
        "Architecture: amd64\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(DEPENDS)}\n"
        "Homepage: https://github.com/OpenBMB/MiniCPM\n"
        f"Description: {DESCRIPTION}\n"
    )


def _installed_kib(tree: Path) -> int:
    total = sum(p.lstat().st_size for p in tree.rglob("*") if p.is_file() and not p.is_symlink())
    return total // 1024 + 1


def _write(path: Path, text: str, executable: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755 if executable else 0o644)


def package(dist: Path, work: Path, version: str | None = None) -> tuple[Path, Path, Path]:
    """(bundle, tarball, .deb). `version` overrides pyproject's for the packages only (the
    upgrade test builds a "newer" .deb from the same bundle)."""
    version = version or project_version()
    bundle = build_bundle(dist, work)
    return bundle, make_tarball(bundle, dist, version), make_deb(bundle, dist, version, work)


def _size(path: Path) -> str:
    if path.is_dir():
        total = sum(p.lstat().st_size for p in path.rglob("*") if p.is_file())
    else:
        total = path.stat().st_size
    return f"{total / 2**20:.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build")
    args = parser.parse_args(argv)
    started = time.monotonic()
    os.makedirs(args.dist, exist_ok=True)
    for path in package(args.dist, args.work):
        print(f"{path}  ({_size(path)})")
    print(f"packaged in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
