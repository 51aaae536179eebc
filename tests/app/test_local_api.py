"""Done when: with the local API turned on, a program asks the real window's starter model
through the `openai` package while the window runs, gets "Paris" streamed back, the status bar
says the API is answering meanwhile, and turning the API off in the settings closes the port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import keyring
import pytest
from pytestqt.qtbot import QtBot

from app.application import build_main_window, build_services, start_local_api
from app.core.settings import Settings
from tests.app.core.test_secrets import MemoryKeyring

STARTER = Path(__file__).resolve().parents[2] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
ANSWERING = "API answering…"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def _memory_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())  # no key: the API on 127.0.0.1 serves anyone here
    yield
    keyring.set_keyring(previous)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_a_program_asks_the_window_s_model_through_the_local_api(qtbot: QtBot) -> None:
    openai = pytest.importorskip("openai")
    port = free_port()
    services = build_services(settings=Settings(api_enabled=True, api_port=port))
    try:
        window = build_main_window(services)
        qtbot.addWidget(window)
        window.show()
        start_local_api(services)
        url = f"http://127.0.0.1:{port}/v1"
        assert window.status_api.isVisibleTo(window)
        assert window.status_api.text() == f"API: {url}"
        with qtbot.waitSignal(services.client.model_loaded, timeout=120_000):
            services.client.load(services.settings.current.load_request(STARTER))

        client = openai.OpenAI(base_url=url, api_key="not-needed", max_retries=0, timeout=300)
        chunks: list[str] = []
        errors: list[BaseException] = []

        def ask() -> None:
            try:
                stream = client.chat.completions.create(
                    model="SmolLM2-135M-Instruct.Q4_1",
                    messages=[
                        {"role": "system", "content": "You are a helpful AI assistant."},
                        {"role": "user", "content": "What is the capital of France?"},
                    ],
                    temperature=0,
                    max_tokens=64,
                    stream=True,
                )
                for chunk in stream:
                    if chunk.choices and chunk.choices[0].delta.content:
                        chunks.append(chunk.choices[0].delta.content)
            except BaseException as exc:  # the test thread reports it
                errors.append(exc)

        seen: set[str] = set()

        def done() -> bool:
            seen.add(window.status_api.text())
            return not thread.is_alive()

        thread = threading.Thread(target=ask, name="openai-client")
        thread.start()
        qtbot.waitUntil(done, timeout=300_000)  # the Qt event loop runs meanwhile
        assert errors == []
        assert "Paris" in "".join(chunks)
        assert ANSWERING in seen
        qtbot.waitUntil(lambda: window.status_api.text() == f"API: {url}")

        # Settings → Local API → off (the window's OK): the port closes.
        window.settings_edited.emit(replace(services.settings.current, api_enabled=False))
        assert not port_open(port)
        assert not window.status_api.isVisibleTo(window)
    finally:
        services.shutdown()
