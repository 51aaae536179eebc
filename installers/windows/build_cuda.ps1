# Build the CUDA flavour for Windows: the same app, with llama.cpp compiled for NVIDIA GPUs.
# Output: dist\minicpm-chat-cuda\ and dist\minicpm-chat-cuda-<version>-windows-x64-setup.exe.
#
# Needs what build.ps1 needs plus the CUDA Toolkit (12.x; nvcc on PATH, CUDA_PATH set, and its
# Visual Studio integration installed so CMake finds the CUDA compiler).
#
# Where the CUDA libraries come from on the person's PC: llama.cpp's ggml-cuda.dll needs
# cudart64_12.dll, cublas64_12.dll and cublasLt64_12.dll from the toolkit, and nvcuda.dll from the
# NVIDIA driver (in System32 once the driver is installed; never bundled). PyInstaller follows
# ggml-cuda.dll's imports and copies the toolkit DLLs into the bundle when it finds them on PATH
# (the toolkit's installer puts %CUDA_PATH%\bin there), so the person needs only a recent NVIDIA
# driver, not the toolkit. Without them in the bundle, llama_cpp still finds them through
# %CUDA_PATH%\bin on PCs that have the toolkit; elsewhere loading fails with a DLL error. The
# check at the end warns when the build did not take them. See docs/release.md.
#
#   powershell -ExecutionPolicy Bypass -File installers\windows\build_cuda.ps1 [-Architectures "75;86;89"]

param(
    # GPU generations compiled in: 75 Turing (RTX 20), 80 A100, 86 Ampere (RTX 30),
    # 89 Ada (RTX 40), 90 Hopper. Each one adds to the size and the compile time.
    [string]$Architectures = "75;80;86;89;90"
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

# CUDA on, the CPU side still portable (GGML_NATIVE=OFF), no multimodal helper (unused).
$cmake = "-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=$Architectures -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"

# The same steps as the CPU build, in its own venv (.venv-cuda) and under its own bundle name.
& (Join-Path $PSScriptRoot "build.ps1") -CMakeArgs $cmake -BundleName "minicpm-chat-cuda" -Venv ".venv-cuda"

# The bundle is only self-contained if cuBLAS and the CUDA runtime came along (see the top).
$bundle = Join-Path $PSScriptRoot "..\..\dist\minicpm-chat-cuda"
$found = Get-ChildItem -Recurse $bundle -Include "cudart64_*.dll", "cublas64_*.dll"
if (@($found).Count -lt 2) {
    Write-Warning "cudart64_*.dll / cublas64_*.dll are not in dist\minicpm-chat-cuda: people will need the CUDA Toolkit"
}
