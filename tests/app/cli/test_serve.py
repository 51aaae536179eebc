"""`python main.py serve`, run as a person runs it: the starter model behind the API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from tests.conftest import FRANCE, REPO

SYSTEM = "You are a helpful AI assistant."
STARTER = "SmolLM2-135M-Instruct.Q4_1"  # the model's id: its file name, as the window says


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "MINICPM_CHAT_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("MINICPM_CHAT_API_KEY", None)
    return subprocess.Popen(
        [sys.executable, "main.py", "serve", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.mark.slow
def test_serve_answers_paris_and_stops_on_ctrl_c(_private_home: Path, starter_path: Path) -> None:
    port = free_port()
    process = serve(_private_home, "--port", str(port))
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the model is loaded and it listens
        assert line == f"Listening on http://127.0.0.1:{port}/v1 (model {STARTER})\n"
        api = openai.OpenAI(
            base_url=f"http://127.0.0.1:{port}/v1", api_key="none", max_retries=0, timeout=120
        )
        assert [m.id for m in api.models.list().data] == [STARTER]
        stream = api.chat.completions.create(
            model=STARTER,
            messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": FRANCE}],
            temperature=0,
            max_tokens=32,
            stream=True,
        )
        answer = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert "Paris" in answer
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert out.strip() == "Stopped."
    assert "Traceback" not in err
    assert "warning" not in err  # 127.0.0.1 needs no key


@pytest.mark.slow
def test_serve_stops_on_sigterm_too(_private_home: Path, starter_path: Path) -> None:
    process = serve(_private_home, "--port", str(free_port()))
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Listening on ")
        process.terminate()
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Stopped." in out


@pytest.mark.slow
def test_a_busy_port_is_one_line_and_exit_2(_private_home: Path, busy_port: int) -> None:
    process = serve(_private_home, "--port", str(busy_port))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert out == ""
    assert err.strip().splitlines() == [
        f"error: Port {busy_port} on 127.0.0.1 is already in use. Choose another with --port."
    ]


@pytest.mark.slow
def test_an_open_host_without_a_key_is_warned_about(_private_home: Path, busy_port: int) -> None:
    process = serve(_private_home, "--host", "0.0.0.0", "--port", str(busy_port))
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert err.startswith("warning: 0.0.0.0 can be reached from other machines")
    with_key = serve(_private_home, "--host", "0.0.0.0", "--port", str(busy_port), "--api-key", "k")
    _out, err = with_key.communicate(timeout=60)
    assert with_key.returncode == 2
    assert "warning" not in err
