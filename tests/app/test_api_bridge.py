"""EngineChatService over a real EngineClient (scripted backend): requests from other threads,
events on the GUI thread, cancels from anywhere, the GUI's and the API's answers apart; and
LocalApi starting, restarting and stopping the server with the settings."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import QObject, QThread, Slot
from pytestqt.qtbot import QtBot

from app.api_bridge import EngineChatService, LocalApi
from app.core import secrets
from app.core.api.address import api_url
from app.core.settings import Settings
from app.engine_bridge.client import EngineClient
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.errors import Problem
from engine.reasoning import TextPiece
from engine.session import Engine
from engine.types import GenerationParams, GenerationResult, Message
from tests.app.core.test_secrets import MemoryKeyring

STARTER = Path(__file__).resolve().parents[2] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
QUESTION = (Message("user", "What is the capital of France?"),)
LONG_REPLY = " ".join(f"word{i}" for i in range(300))


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


class Events:
    """`GenerationEvents` that record what arrived and on which thread."""

    def __init__(self) -> None:
        self.pieces: list[TextPiece] = []
        self.results: list[GenerationResult] = []
        self.problems: list[Problem] = []
        self.threads: set[QThread] = set()
        self.ended = threading.Event()

    def piece(self, piece: TextPiece) -> None:
        self.threads.add(QThread.currentThread())
        self.pieces.append(piece)

    def finished(self, result: GenerationResult) -> None:
        self.threads.add(QThread.currentThread())
        self.results.append(result)
        self.ended.set()

    def failed(self, problem: Problem) -> None:
        self.threads.add(QThread.currentThread())
        self.problems.append(problem)
        self.ended.set()

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces if p.channel == "answer")


class GuiAnswer(QObject):
    """The GUI's own answer, as the chat asks for it (bound slots, never lambdas)."""

    def __init__(self, client: EngineClient) -> None:
        super().__init__()
        self.request_id: int | None = None
        self.text = ""
        self.result: GenerationResult | None = None
        client.text_generated.connect(self._on_client_text_generated)
        client.generation_finished.connect(self._on_client_generation_finished)

    @Slot(int, str, str)
    def _on_client_text_generated(self, request_id: int, _channel: str, text: str) -> None:
        if request_id == self.request_id:
            self.text += text

    @Slot(int, object)
    def _on_client_generation_finished(self, request_id: int, result: GenerationResult) -> None:
        if request_id == self.request_id:
            self.result = result


def in_thread(work: Callable[[], object]) -> object:
    """Runs `work` on a plain Python thread (as uvicorn's) and returns what it returned."""
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    thread.join(5)
    return out[0]


def start_in_thread(service: EngineChatService, events: Events) -> Callable[[], None]:
    cancel = in_thread(lambda: service.start(QUESTION, GenerationParams(), events))
    assert callable(cancel)
    return cancel  # type: ignore[no-any-return]


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend(["The capital of France is Paris."])


@pytest.fixture
def client(qtbot: QtBot, backend: ScriptedBackend) -> Iterator[EngineClient]:
    client = EngineClient(Engine(backend_factory=scripted_factory(backend)))
    with qtbot.waitSignal(client.model_loaded, timeout=5000):
        client.load(STARTER)
    yield client
    client.shutdown()


@pytest.fixture
def service(client: EngineClient) -> Iterator[EngineChatService]:
    service = EngineChatService(client)
    yield service
    service.stop_all()


# -- EngineChatService -------------------------------------------------------------------------


def test_a_start_from_another_thread_streams_on_the_gui_thread(
    qtbot: QtBot, service: EngineChatService
) -> None:
    events = Events()
    with qtbot.waitSignals(
        [service.api_generation_started, service.api_generation_finished], timeout=5000
    ):
        start_in_thread(service, events)
        qtbot.waitUntil(events.ended.is_set, timeout=5000)
    assert events.text == "The capital of France is Paris."
    assert [r.stats.finish_reason for r in events.results] == ["stop"]
    assert events.results[0].text == "The capital of France is Paris."
    assert events.problems == []
    assert events.threads == {QThread.currentThread()}  # every event on the GUI thread
    assert not service.answering


def test_the_model_id_is_the_loaded_model_and_follows_loads(
    qtbot: QtBot, client: EngineClient, service: EngineChatService
) -> None:
    assert in_thread(service.model_id) == "SmolLM2-135M-Instruct.Q4_1"
    with qtbot.waitSignal(client.load_started, timeout=5000):
        client.load(STARTER)
    assert service.model_id() is None  # another load: no model to answer with yet
    qtbot.waitUntil(lambda: service.model_id() == "SmolLM2-135M-Instruct.Q4_1", timeout=5000)


def test_a_cancel_from_another_thread_stops_the_answer(
    qtbot: QtBot, backend: ScriptedBackend, service: EngineChatService
) -> None:
    backend.replies = [LONG_REPLY]
    backend.delay_s = 0.005
    events = Events()
    cancel = start_in_thread(service, events)
    qtbot.waitUntil(lambda: len(events.pieces) >= 3, timeout=5000)
    in_thread(cancel)
    in_thread(cancel)  # twice: harmless
    qtbot.waitUntil(events.ended.is_set, timeout=5000)
    (result,) = events.results
    assert result.stats.finish_reason == "stopped"
    assert 3 <= result.stats.generated_tokens < 300
    assert result.text == events.text  # the text so far


def test_a_cancel_at_once_ends_the_answer_stopped(
    qtbot: QtBot, backend: ScriptedBackend, service: EngineChatService
) -> None:
    backend.replies = [LONG_REPLY]
    backend.delay_s = 0.005
    events = Events()

    def start_and_cancel() -> None:
        service.start(QUESTION, GenerationParams(), events)()

    in_thread(start_and_cancel)
    qtbot.waitUntil(events.ended.is_set, timeout=5000)
    assert [r.stats.finish_reason for r in events.results] == ["stopped"]


def test_a_gui_answer_and_an_api_answer_queue_and_keep_their_own_text(
    qtbot: QtBot, backend: ScriptedBackend, client: EngineClient, service: EngineChatService
) -> None:
    # The scripted backend answers its calls in order: the GUI's first, then the API's.
    backend.replies = ["GUI answer " * 20, "API answer " * 20]
    backend.delay_s = 0.002
    gui = GuiAnswer(client)
    gui.request_id = client.generate(QUESTION, GenerationParams())
    events = Events()
    start_in_thread(service, events)
    qtbot.waitUntil(lambda: events.ended.is_set() and gui.result is not None, timeout=10000)
    assert gui.text.strip() == ("GUI answer " * 20).strip()
    assert events.text.strip() == ("API answer " * 20).strip()
    assert gui.result is not None and gui.result.stats.finish_reason == "stop"
    assert events.results[0].stats.finish_reason == "stop"


def test_without_a_model_the_answer_fails(qtbot: QtBot) -> None:
    client = EngineClient(Engine(backend_factory=scripted_factory(ScriptedBackend())))
    try:
        service = EngineChatService(client)
        assert service.model_id() is None
        events = Events()
        start_in_thread(service, events)
        qtbot.waitUntil(events.ended.is_set, timeout=5000)
        assert [p.detail for p in events.problems] == ["No model is loaded."]
    finally:
        client.shutdown()


def test_stop_all_ends_answers_now_and_refuses_starts_on_their_way(
    qtbot: QtBot, backend: ScriptedBackend, service: EngineChatService
) -> None:
    backend.replies = [LONG_REPLY]
    backend.delay_s = 0.005
    running = Events()
    start_in_thread(service, running)
    qtbot.waitUntil(lambda: len(running.pieces) >= 2, timeout=5000)
    late = Events()
    start_in_thread(service, late)  # its start waits in the GUI thread's queue
    with qtbot.waitSignal(service.api_generation_finished, timeout=1000):
        service.stop_all()
    # At once, without the event loop: the server waiting to stop cannot wait for it.
    assert running.ended.is_set()
    assert running.results[0].stats.finish_reason == "stopped"
    assert running.results[0].text == running.text
    qtbot.waitUntil(late.ended.is_set, timeout=5000)
    assert late.pieces == [] and late.results[0].stats.finish_reason == "stopped"
    count = len(running.pieces)
    qtbot.wait(50)
    assert len(running.pieces) == count  # the engine's late text is dropped
    assert len(backend.prompts) == 1  # the late start never reached the engine


# -- LocalApi ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ApiRecorder(QObject):
    def __init__(self, api: LocalApi) -> None:
        super().__init__()
        self.started: list[str] = []
        self.stopped = 0
        self.failures: list[str] = []
        api.api_started.connect(self._on_api_started)
        api.api_stopped.connect(self._on_api_stopped)
        api.start_failed.connect(self._on_api_start_failed)

    @Slot(str)
    def _on_api_started(self, url: str) -> None:
        self.started.append(url)

    @Slot()
    def _on_api_stopped(self) -> None:
        self.stopped += 1

    @Slot(str)
    def _on_api_start_failed(self, message: str) -> None:
        self.failures.append(message)


@pytest.fixture
def local_api(service: EngineChatService) -> Iterator[LocalApi]:
    api = LocalApi(service, Settings(api_enabled=True, api_port=free_port()))
    yield api
    api.stop()


def get(port: int, path: str, key: str | None = None) -> tuple[int, dict[str, object]]:
    """(status, JSON body) of a GET to the API on this computer (no proxy in between)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_the_api_starts_answers_restarts_and_stops_with_the_settings(
    qtbot: QtBot, local_api: LocalApi, memory_keyring: MemoryKeyring
) -> None:
    recorder = ApiRecorder(local_api)
    local_api.start()
    port = local_api._settings.api_port
    assert recorder.started == [api_url(port)]
    assert local_api.url == f"http://127.0.0.1:{port}/v1"
    status, models = get(port, "/v1/models")
    assert status == 200
    assert [m["id"] for m in models["data"]] == ["SmolLM2-135M-Instruct.Q4_1"]  # type: ignore[attr-defined]

    # A key saved from the settings page: the server restarts with it.
    secrets.save_secret(secrets.LOCAL_API_KEY, "s3cret")
    local_api.reload_key()
    assert recorder.stopped == 1 and len(recorder.started) == 2
    assert get(port, "/v1/models")[0] == 401
    assert get(port, "/v1/models", "s3cret")[0] == 200
    local_api.reload_key()  # the same key: nothing to do
    assert recorder.stopped == 1

    other = free_port()
    local_api.apply_settings(replace(local_api._settings, api_port=other))
    assert recorder.started[-1] == api_url(other)
    with pytest.raises(ConnectionRefusedError):
        get(port, "/v1/models")
    local_api.apply_settings(replace(local_api._settings, temperature=0.1))  # not the API's
    assert len(recorder.started) == 3
    local_api.apply_settings(replace(local_api._settings, api_enabled=False))
    assert local_api.url is None
    with pytest.raises(ConnectionRefusedError):
        get(other, "/v1/models")
    assert recorder.failures == []


def test_a_port_in_use_is_said_and_the_api_stays_off(qtbot: QtBot, local_api: LocalApi) -> None:
    recorder = ApiRecorder(local_api)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", local_api._settings.api_port))
        taken.listen(1)
        local_api.start()
    port = local_api._settings.api_port
    assert recorder.started == []
    assert recorder.failures == [
        f"Port {port} is in use by another program, so the local API is off. "
        "Choose another port in Settings → Local API."
    ]
    assert local_api.url is None


def test_the_api_off_in_the_settings_starts_nothing(service: EngineChatService) -> None:
    api = LocalApi(service, Settings(api_enabled=False))
    recorder = ApiRecorder(api)
    api.start()
    api.stop()
    assert (recorder.started, recorder.stopped, api.url) == ([], 0, None)


def test_a_streamed_answer_through_the_api_on_the_scripted_model(
    qtbot: QtBot, local_api: LocalApi
) -> None:
    openai = pytest.importorskip("openai")
    local_api.start()
    client = openai.OpenAI(base_url=local_api.url, api_key="unused", max_retries=0)
    chunks: list[str] = []

    def ask() -> None:
        stream = client.chat.completions.create(
            model="SmolLM2-135M-Instruct.Q4_1",
            messages=[{"role": "user", "content": "What is the capital of France?"}],
            stream=True,
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                chunks.append(chunk.choices[0].delta.content)

    thread = threading.Thread(target=ask)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=10000)
    assert "".join(chunks) == "The capital of France is Paris."


def test_stopping_the_api_mid_answer_ends_the_stream_at_once(
    qtbot: QtBot, backend: ScriptedBackend, local_api: LocalApi
) -> None:
    backend.replies = [LONG_REPLY]
    backend.delay_s = 0.01
    local_api.start()
    port = local_api._settings.api_port
    body = json.dumps({"messages": [{"role": "user", "content": "Hi"}], "stream": True})
    received: list[bytes] = []

    def ask() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request(
            "POST", "/v1/chat/completions", body, {"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        while chunk := response.read1():
            received.append(chunk)
        connection.close()

    thread = threading.Thread(target=ask)
    thread.start()
    qtbot.waitUntil(lambda: b"word3" in b"".join(received), timeout=5000)
    began = time.perf_counter()
    local_api.stop()  # on the GUI thread: nothing else runs there meanwhile
    assert time.perf_counter() - began < 1.5  # not uvicorn's grace period for open streams
    thread.join(5)
    text = b"".join(received)
    assert text.endswith(b"data: [DONE]\n\n")
    assert b'"finish_reason":"abort"' in text or b'"finish_reason": "abort"' in text
    assert not local_api.service.answering
