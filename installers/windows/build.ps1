# Build MiniCPM Chat for Windows: the PyInstaller folder dist\minicpm-chat\ and the installer
# dist\minicpm-chat-<version>-windows-x64-setup.exe (Inno Setup, installers\windows\minicpm-chat.iss).
#
# Needs: 64-bit Python 3.11 as `python`, the Visual Studio 2022 C++ build tools and CMake (to
# compile llama-cpp-python), and Inno Setup 6 (`choco install innosetup`). The GitHub runner
# windows-latest has all but Inno Setup. It cannot run on the Linux machines the project is
# developed on: CI runs it (.github/workflows/package.yml).
#
#   powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1
#
# build_cuda.ps1 calls this with other CMake options, another bundle name and another venv.

param(
    # llama.cpp built portably: never for this machine's CPU only (GGML_NATIVE=OFF), AVX2 and
    # FMA as the baseline every x86-64 PC of the last ten years has; the same as the Makefile.
    [string]$CMakeArgs = "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAVA_BUILD=OFF",
    # The folder under dist\ and the start of the installer's file name.
    [string]$BundleName = "minicpm-chat",
    # The virtual environment to build in (its own per flavour: llama-cpp-python differs).
    [string]$Venv = ".venv"
)

# Stop at the first error; native programs are checked one by one (Invoke-Checked).
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

# PowerShell does not stop when a native program fails: run it and check its exit code.
function Invoke-Checked([string]$Program, [string[]]$Arguments) {
    & $Program @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Program $Arguments failed (exit code $LASTEXITCODE)" }
}

# Work from the repository root, two folders above this script.
Set-Location (Resolve-Path (Join-Path $PSScriptRoot "..\.."))

# 1. The virtual environment, created once.
if (-not (Test-Path "$Venv\Scripts\python.exe")) { Invoke-Checked "python" @("-m", "venv", $Venv) }
$py = (Resolve-Path "$Venv\Scripts\python.exe").Path
# The venv's Scripts folder first on PATH: build_translations finds pyside6-lrelease.exe there.
$env:PATH = (Split-Path $py) + ";" + $env:PATH

# 2. The pinned dependencies, hash-checked: the two locks plus the Windows-only packages they
#    lack. llama-cpp-python compiles from source with CMAKE_ARGS. --no-cache-dir: pip's wheel
#    cache does not know CMAKE_ARGS and would hand back a llama.cpp built with other options.
$env:CMAKE_ARGS = $CMakeArgs
Invoke-Checked $py @("-m", "pip", "install", "--disable-pip-version-check", "--no-cache-dir",
    "--require-hashes", "-r", "requirements.lock", "-r", "requirements-dev.lock",
    "-r", "installers\windows\requirements-windows.txt")

# 3. What the bundle carries besides code: the starter model (checked against its SHA-256) and
#    the compiled translations (.qm). The icons are committed (installers\make_icons.py).
Invoke-Checked $py @("-m", "installers.fetch_starter", "--dest", "resources\models\SmolLM2-135M-Instruct.Q4_1.gguf")
Invoke-Checked $py @("-m", "installers.build_translations")

# 4. The one-folder bundle, built under build\<name>\ and then moved to dist\<name>\, so the CPU
#    and CUDA flavours never share PyInstaller's work folder or overwrite each other.
$work = "build\$BundleName"
Invoke-Checked $py @("-m", "PyInstaller", "--noconfirm", "--distpath", "$work\dist",
    "--workpath", "$work\work", "installers\pyinstaller\minicpm_chat.spec")
if (Test-Path "dist\$BundleName") { Remove-Item -Recurse -Force "dist\$BundleName" }
New-Item -ItemType Directory -Force "dist" | Out-Null
Move-Item "$work\dist\minicpm-chat" "dist\$BundleName"

# 5. The installer. The version comes from pyproject.toml, the one place it is written.
$version = & $py -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
if ($LASTEXITCODE -ne 0) { throw "could not read the version from pyproject.toml" }
# ISCC.exe where Inno Setup (or choco) installs it, else wherever PATH has it.
$iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"
if (-not (Test-Path $iscc)) { $iscc = (Get-Command "ISCC.exe").Source }
Invoke-Checked $iscc @("/DAppVersion=$version", "/DBundleName=$BundleName", "installers\windows\minicpm-chat.iss")

Write-Host "Built dist\$BundleName\ and dist\$BundleName-$version-windows-x64-setup.exe"
