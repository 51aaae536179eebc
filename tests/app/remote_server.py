"""`python -m llama_cpp.server` on the starter model, for the GUI's remote-server tests: started
on a free port, waited for by polling /v1/models (no fixed sleeps), stopped at teardown."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

REPO = Path(__file__).resolve().parents[2]
STARTER = REPO / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ID = "SmolLM2-135M-Instruct"
START_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class LocalServer:
    base_url: str  # ends in /v1
    model: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_models(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n{_tail(log)}")
        try:
            with urlopen(f"{base_url}/models", timeout=2) as reply:
                json.load(reply)
            return
        except (URLError, OSError, ValueError):
            time.sleep(0.1)  # a polling interval, not a guess at the start time
    pytest.fail(f"llama_cpp.server did not answer in {START_TIMEOUT_S:.0f} s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="module")
def llama_cpp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    if not STARTER.is_file():
        pytest.skip("the starter model is not installed (make run installs it)")
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(STARTER), "--model_alias", MODEL_ID,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_for_models(base_url, process, log)
        yield LocalServer(base_url, MODEL_ID)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
