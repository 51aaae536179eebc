"""The frozen Linux bundle and the .deb, built from the tree by the code `make package` runs
(installers.linux.package), then used the way a person would: from outside the source tree,
with a clean environment and a fresh data folder.

The bundle is built once per session (several minutes on two cores); every test here shares it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.exporting import FORMAT, VERSION
from installers.linux import package
from tests.app.chat.document_files import write_docx, write_pdf

STARTER = package.ROOT / "resources" / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
QUESTION = "What is the capital of France?"
CHAT_TITLE = "Kept across upgrades"
# The default sampling of a 135M model sometimes drifts off the answer; greedy never does.
GREEDY = ("--temperature", "0", "--seed", "1")
# The bundle build, plus the first test's own run, within one per-test limit.
BUILD_TIMEOUT_S = 2400

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(BUILD_TIMEOUT_S),
    pytest.mark.skipif(sys.platform != "linux", reason="the Linux bundle and .deb only"),
    pytest.mark.skipif(not STARTER.is_file(), reason="no starter model: run `make setup`"),
]


@dataclass(frozen=True)
class Packaged:
    bundle: Path
    tarball: Path
    deb: Path | None
    version: str
    work: Path


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    dist = tmp_path_factory.mktemp("dist")
    work = tmp_path_factory.mktemp("build")
    version = package.project_version()
    bundle = package.build_bundle(dist, work)
    tarball = package.make_tarball(bundle, dist, version)
    deb = package.make_deb(bundle, dist, version, work) if shutil.which("dpkg-deb") else None
    return Packaged(bundle, tarball, deb, version, work)


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """Only what a fresh login would have: no PYTHONPATH, no virtual environment, no Qt or
    OpenVINO variables of the developer's shell."""
    home = tmp_path / "home"
    data = tmp_path / "data"
    home.mkdir()
    data.mkdir()
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "MINICPM_CHAT_HOME": str(data),
        "LANG": "C.UTF-8",
    }


def run(
    command: list[str], env: dict[str, str], cwd: Path, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def describe(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\nstdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"


def test_bundle_has_the_executable_and_the_tree_layout(packaged: Packaged) -> None:
    internal = packaged.bundle / "_internal"
    assert os.access(packaged.bundle / "minicpm-chat", os.X_OK)
    assert (internal / "pyproject.toml").is_file()
    assert (internal / "resources" / "catalog.json").is_file()
    assert (internal / "resources" / "models" / STARTER.name).is_file()
    assert list((internal / "resources" / "translations").glob("*.qm"))
    assert list((internal / "llama_cpp" / "lib").glob("libllama.so*"))
    assert list((internal / "openvino" / "libs").glob("libopenvino_intel_cpu_plugin.so"))
    assert (internal / "openvino_tokenizers" / "lib" / "libopenvino_tokenizers.so").is_file()


def test_no_library_in_the_bundle_points_back_into_the_tree(packaged: Packaged) -> None:
    """ldd of every shared library: what each resolves to lies in the bundle or the system,
    never in the checkout or its .venv (which a person's computer does not have)."""
    leaks = []
    libraries = [p for p in packaged.bundle.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    for library in libraries:
        done = subprocess.run(["ldd", str(library)], capture_output=True, text=True, env={})
        for line in done.stdout.splitlines():
            if str(package.ROOT) in line or sys.prefix in line:
                leaks.append(f"{library.name}: {line.strip()}")
    assert libraries
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("backend", ["llama", "openvino"])
def test_frozen_chat_answers_from_outside_the_tree(
    packaged: Packaged, clean_env: dict[str, str], tmp_path: Path, backend: str
) -> None:
    # openvino: the GGUF -> IR export runs in a child, started as the frozen executable itself.
    done = run(
        [str(packaged.bundle / "minicpm-chat"), "chat", "--backend", backend, *GREEDY, QUESTION],
        clean_env,
        tmp_path,
    )
    assert done.returncode == 0, describe(done)
    assert "Paris" in done.stdout, describe(done)


def test_frozen_chat_reads_attached_documents(
    packaged: Packaged, clean_env: dict[str, str], tmp_path: Path
) -> None:
    """PDF and Word files are converted in a child started as the frozen executable itself
    (app/core/attachments/converting.py); their libraries must be in the bundle."""
    pdf = write_pdf(tmp_path / "launch.pdf", ["The launch code is BLUE-42."])
    docx = write_docx(tmp_path / "minutes.docx", ["The next meeting is on Tuesday in room 7."])
    question = "What is the launch code?"
    attach = ["--attach", str(pdf), "--attach", str(docx)]
    command = [str(packaged.bundle / "minicpm-chat"), "chat", "--backend", "llama"]
    done = run([*command, *GREEDY, *attach, question], clean_env, tmp_path)
    assert done.returncode == 0, describe(done)
    assert "BLUE-42" in done.stdout, describe(done)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    done = run([*command, "--attach", str(broken), question], clean_env, tmp_path)
    assert done.returncode != 0, describe(done)
    assert "broken.pdf" in done.stdout + done.stderr, describe(done)


def test_frozen_models_list(packaged: Packaged, clean_env: dict[str, str], tmp_path: Path) -> None:
    done = run([str(packaged.bundle / "minicpm-chat"), "models", "list"], clean_env, tmp_path)
    assert done.returncode == 0, describe(done)
    assert "SmolLM2" in done.stdout, describe(done)


def test_frozen_gui_shows_its_window_and_exits_cleanly(
    packaged: Packaged, clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**clean_env, **gui_env()}
    done = run([str(packaged.bundle / "minicpm-chat")], env, tmp_path, timeout=300)
    assert done.returncode == 0, describe(done)
    assert "the window was visible: True" in done.stderr, describe(done)
    assert "Traceback" not in done.stderr, describe(done)


def test_tarball_holds_the_bundle_under_its_version(packaged: Packaged) -> None:
    import tarfile

    folder = f"minicpm-chat-{packaged.version}"
    with tarfile.open(packaged.tarball) as archive:
        names = set(archive.getnames())
    assert f"{folder}/minicpm-chat" in names
    assert f"{folder}/README.txt" in names
    assert f"{folder}/_internal/resources/models/{STARTER.name}" in names


def gui_env() -> dict[str, str]:
    # app.application.QUIT_AFTER_ENV; long enough for the first paint, the quit is by timer.
    return {"QT_QPA_PLATFORM": "offscreen", "MINICPM_CHAT_QUIT_AFTER_MS": "4000"}


# --- the .deb: install, use, upgrade, remove, purge (root and dpkg only) ---------------------


def _installed_version() -> str | None:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status} ${Version}", "minicpm-chat"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or "install ok installed" not in done.stdout:
        return None
    return done.stdout.split()[-1]


def _dpkg(*args: str) -> None:
    done = subprocess.run(["dpkg", *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, describe(done)


@pytest.fixture
def dpkg_root(packaged: Packaged) -> Iterator[Path]:
    if packaged.deb is None or shutil.which("dpkg") is None:
        pytest.skip("dpkg / dpkg-deb not available: the .deb is not built or installed")
    if os.geteuid() != 0:
        pytest.skip("installing a .deb needs root")
    if _installed_version() is not None:
        pytest.skip("minicpm-chat is already installed on this machine; not touching it")
    try:
        yield packaged.deb
    finally:
        subprocess.run(["dpkg", "--purge", "minicpm-chat"], capture_output=True)


def _history_export(path: Path) -> Path:
    export = {
        "format": FORMAT,
        "version": VERSION,
        "conversations": [
            {
                "title": CHAT_TITLE,
                "messages": [
                    {"id": 1, "parent_id": None, "role": "user", "content": "Hello"},
                    {"id": 2, "parent_id": 1, "role": "assistant", "content": "Hi there"},
                ],
            }
        ],
    }
    path.write_text(json.dumps(export), encoding="utf-8")
    return path


def test_deb_installs_upgrades_and_removes_without_touching_the_data_folder(
    packaged: Packaged, dpkg_root: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # No MINICPM_CHAT_HOME: the data folder is the real default under this HOME.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    data = home / ".local" / "share" / "MiniCPM Chat"
    app = "/usr/bin/minicpm-chat"

    _dpkg("-i", str(dpkg_root))
    assert _installed_version() == packaged.version
    listed = run([app, "models", "list"], env, tmp_path)
    assert listed.returncode == 0 and "SmolLM2" in listed.stdout, describe(listed)
    started = run(_desktop_command(), {**env, **gui_env()}, tmp_path, timeout=300)
    assert started.returncode == 0, describe(started)
    assert "the window was visible: True" in started.stderr, describe(started)
    imported = run(
        [app, "history", "import", str(_history_export(tmp_path / "chat.json"))], env, tmp_path
    )
    assert imported.returncode == 0, describe(imported)
    assert CHAT_TITLE in _chats(app, env, tmp_path)

    # The upgrade: the same bundle packaged under a higher version, installed over the first.
    newer = f"{packaged.version}+upgradetest"
    newer_deb = package.make_deb(packaged.bundle, tmp_path, newer, packaged.work)
    _dpkg("-i", str(newer_deb))
    assert _installed_version() == newer
    assert CHAT_TITLE in _chats(app, env, tmp_path)

    _dpkg("-r", "minicpm-chat")
    assert not Path(app).exists()
    assert CHAT_TITLE in _chats_in(data)
    _dpkg("-i", str(newer_deb))
    _dpkg("--purge", "minicpm-chat")
    assert not Path("/opt/minicpm-chat").exists()
    assert CHAT_TITLE in _chats_in(data)


def _desktop_command() -> list[str]:
    """The installed menu entry's Exec line, as the desktop would run it."""
    entry = Path("/usr/share/applications/minicpm-chat.desktop").read_text(encoding="utf-8")
    exec_line = re.search(r"^Exec=(.*)$", entry, re.MULTILINE)
    assert exec_line is not None
    command = [part for part in shlex.split(exec_line.group(1)) if not part.startswith("%")]
    resolved = shutil.which(command[0], path="/usr/bin:/bin")
    assert resolved is not None, f"{command[0]} is not on the PATH"
    return [resolved, *command[1:]]


def _chats(app: str, env: dict[str, str], cwd: Path) -> str:
    done = run([app, "history", "list"], env, cwd)
    assert done.returncode == 0, describe(done)
    return done.stdout


def _chats_in(data: Path) -> str:
    """The titles in the data folder's database (app.core.paths: chat.sqlite3), read without
    the removed app."""
    import sqlite3

    database = data / "chat.sqlite3"
    assert database.is_file(), f"no database under {data}: {list(data.rglob('*'))}"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        titles = [row[0] for row in connection.execute("SELECT title FROM conversations")]
    return "\n".join(titles)
