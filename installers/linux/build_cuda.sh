#!/usr/bin/env bash
# Build the CUDA flavour for Linux: the same app with llama.cpp compiled for NVIDIA GPUs.
# Output: dist/minicpm-chat-cuda/ and dist/minicpm-chat-cuda-<version>-linux-x86_64.tar.gz.
#
# Needs what `make package` needs (Python 3.11, a C/C++ compiler, CMake) plus the CUDA Toolkit
# 12.x in $CUDA_HOME (default /usr/local/cuda). CUDA_ARCHITECTURES picks the GPU generations:
# 75 Turing (RTX 20), 80 A100, 86 Ampere (RTX 30), 89 Ada (RTX 40), 90 Hopper; each one adds to
# the size and the compile time.
#
# Where the CUDA libraries come from on the person's PC: libggml-cuda.so needs libcudart.so.12,
# libcublas.so.12 and libcublasLt.so.12 from the toolkit, and libcuda.so.1 from the NVIDIA
# driver. PyInstaller follows the library's dependencies with ldd and copies the toolkit's into
# the bundle (so the person needs only the driver); it never copies libcuda.so, which must be
# the installed driver's own.
#
#   bash installers/linux/build_cuda.sh
set -euo pipefail

ARCHITECTURES="${CUDA_ARCHITECTURES:-75;80;86;89;90}"
CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"

# Work from the repository root, two folders above this script.
cd "$(dirname "$0")/../.."

# nvcc for CMake, and the toolkit's libraries where ldd (and so PyInstaller) looks for them.
export CUDACXX="$CUDA_HOME/bin/nvcc"
export LD_LIBRARY_PATH="$CUDA_HOME/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# 1. Its own virtual environment: llama-cpp-python differs from the CPU build's in .venv.
VENV=.venv-cuda
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PY="$VENV/bin/python"

# 2. The pinned dependencies, llama.cpp with CUDA on and the CPU side still portable
#    (GGML_NATIVE=OFF). --no-cache-dir: pip's wheel cache ignores CMAKE_ARGS and would hand
#    back the CPU build of llama-cpp-python.
export CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=$ARCHITECTURES -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
"$PY" -m pip install --disable-pip-version-check --no-cache-dir --require-hashes \
    -r requirements.lock -r requirements-dev.lock

# 3. The starter model and the compiled translations, as for the CPU bundle.
"$PY" -m installers.fetch_starter --dest resources/models/SmolLM2-135M-Instruct.Q4_1.gguf
"$PY" -m installers.build_translations

# 4. The same spec, built under build/minicpm-chat-cuda/ so it never shares PyInstaller's work
#    folder with the CPU build, then moved to dist/minicpm-chat-cuda/.
WORK=build/minicpm-chat-cuda
"$PY" -m PyInstaller --noconfirm --distpath "$WORK/dist" --workpath "$WORK/work" \
    installers/pyinstaller/minicpm_chat.spec
rm -rf dist/minicpm-chat-cuda
mkdir -p dist
mv "$WORK/dist/minicpm-chat" dist/minicpm-chat-cuda

# The bundle is only self-contained if the CUDA runtime and cuBLAS came along (see the top).
if [ -z "$(find dist/minicpm-chat-cuda -name 'libcublas.so*' -print -quit)" ]; then
    echo "warning: libcublas is not in dist/minicpm-chat-cuda: people will need the CUDA Toolkit" >&2
fi

# 5. The portable tarball, laid out like the CPU one (installers/linux/package.py): one folder
#    named with the version, minicpm-chat-cuda-<version>/minicpm-chat inside.
VERSION=$("$PY" -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
tar -C dist --transform "s,^minicpm-chat-cuda,minicpm-chat-cuda-$VERSION," \
    -czf "dist/minicpm-chat-cuda-$VERSION-linux-x86_64.tar.gz" minicpm-chat-cuda
echo "Built dist/minicpm-chat-cuda/ and dist/minicpm-chat-cuda-$VERSION-linux-x86_64.tar.gz"
