#!/usr/bin/env bash
# Pack dist/MiniCPM Chat.app into dist/minicpm-chat-<version>-macos-<arch>.dmg: a window with the
# app and a link to /Applications, so a person drags one onto the other.
#
# hdiutil is macOS's own tool: this cannot run on Linux. build.sh calls it after PyInstaller.
#   bash installers/macos/build_dmg.sh        (PY=path/to/python to read the version with)
set -euo pipefail

# Work from the repository root, two folders above this script.
cd "$(dirname "$0")/../.."

APP="dist/MiniCPM Chat.app"
[ -d "$APP" ] || { echo "$APP is missing: run installers/macos/build.sh first" >&2; exit 1; }

# The version from pyproject.toml, the one place it is written (tomllib needs Python 3.11+,
# hence the venv's Python rather than the system's).
PY="${PY:-.venv/bin/python}"
VERSION=$("$PY" -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
DMG="dist/minicpm-chat-$VERSION-macos-$(uname -m).dmg"

# The image's contents: the app and a symlink to /Applications, in a folder deleted at exit.
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
# ditto keeps the bundle's symlinks, permissions and extended attributes (its code signatures).
ditto "$APP" "$STAGE/MiniCPM Chat.app"
ln -s /Applications "$STAGE/Applications"

# UDZO: compressed and read-only. hdiutil on CI runners sometimes fails with "Resource busy"
# for no reason of ours, so it gets three tries.
rm -f "$DMG"
for try in 1 2 3; do
    if hdiutil create -volname "MiniCPM Chat" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"; then
        echo "Built $DMG"
        exit 0
    fi
    echo "hdiutil failed (try $try of 3)" >&2
    sleep 10
done
exit 1
