#!/usr/bin/env bash
# Build MiniCPM Chat for macOS: dist/MiniCPM Chat.app (PyInstaller; also dist/minicpm-chat/) and
# dist/minicpm-chat-<version>-macos-<arch>.dmg (build_dmg.sh).
#
# Needs: Python 3.11 as python3 (python.org or actions/setup-python), the Xcode command line
# tools and CMake (to compile llama-cpp-python). It cannot run on the Linux machines the project
# is developed on: CI runs it (.github/workflows/package.yml).
#
#   bash installers/macos/build.sh
set -euo pipefail

# Work from the repository root, two folders above this script.
cd "$(dirname "$0")/../.."

# 1. The virtual environment, created once.
VENV=.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PY="$VENV/bin/python"

# 2. The pinned dependencies, hash-checked: the two locks plus the macOS-only packages they lack.
#    llama.cpp is compiled portably (GGML_NATIVE=OFF: not tuned to this Mac's CPU only) with
#    Metal, its shaders embedded in the library so the bundle needs no separate .metal file.
#    --no-cache-dir: pip's wheel cache ignores CMAKE_ARGS and could hand back another build.
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_METAL=ON -DGGML_METAL_EMBED_LIBRARY=ON -DLLAVA_BUILD=OFF"
"$PY" -m pip install --disable-pip-version-check --no-cache-dir --require-hashes \
    -r requirements.lock -r requirements-dev.lock -r installers/macos/requirements-macos.txt

# 3. What the bundle carries besides code: the starter model (checked against its SHA-256) and
#    the compiled translations (.qm). The icons are committed (installers/make_icons.py).
"$PY" -m installers.fetch_starter --dest resources/models/SmolLM2-135M-Instruct.Q4_1.gguf
"$PY" -m installers.build_translations

# 4. The bundle: the spec makes dist/minicpm-chat/ and, on macOS, dist/MiniCPM Chat.app.
"$PY" -m PyInstaller --noconfirm installers/pyinstaller/minicpm_chat.spec

# 5. The disk image people download.
PY="$PY" bash installers/macos/build_dmg.sh
