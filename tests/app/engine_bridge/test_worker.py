"""EngineWorker and EngineClient with the scripted backend: threads, ids, stop, coalescing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Slot

from app.engine_bridge.client import EngineClient
from app.engine_bridge.worker import EngineWorker, TextCoalescer
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.errors import ErrorCode, Problem
from engine.reasoning import TextPiece
from engine.session import Engine
from engine.types import GenerationParams, GenerationResult, LoadedModel, LoadRequest, Message

STARTER = Path(__file__).resolve().parents[3] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
QUESTION = (Message("user", "Hi"),)


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


class Recorder(QObject):
    """Collects a client's signals on the GUI thread (bound slots, never lambdas)."""

    def __init__(self, client: EngineClient) -> None:
        super().__init__()
        self.texts: list[tuple[int, str, str]] = []
        self.finished: list[tuple[int, GenerationResult]] = []
        self.failed: list[tuple[int, str]] = []
        self.loaded: list[int] = []
        client.text_generated.connect(self._on_client_text_generated)
        client.generation_finished.connect(self._on_client_generation_finished)
        client.generation_failed.connect(self._on_client_generation_failed)
        client.model_loaded.connect(self._on_client_model_loaded)

    @Slot(int, str, str)
    def _on_client_text_generated(self, request_id: int, channel: str, text: str) -> None:
        self.texts.append((request_id, channel, text))

    @Slot(int, object)
    def _on_client_generation_finished(self, request_id: int, result: GenerationResult) -> None:
        self.finished.append((request_id, result))

    @Slot(int, object)
    def _on_client_generation_failed(self, request_id: int, problem: Problem) -> None:
        # .detail: a Problem, as every generation_failed carries (a str once slipped through).
        self.failed.append((request_id, problem.detail))

    @Slot(int, object)
    def _on_client_model_loaded(self, request_id: int, loaded: LoadedModel) -> None:
        self.loaded.append(request_id)


def make_client(backend: ScriptedBackend) -> EngineClient:
    return EngineClient(Engine(backend_factory=scripted_factory(backend)))


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend(["The capital of France is Paris."])


@pytest.fixture
def client(backend: ScriptedBackend) -> Iterator[EngineClient]:
    client = make_client(backend)
    yield client
    client.shutdown()


# -- TextCoalescer (no Qt) -----------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_coalescer_joins_pieces_within_the_interval() -> None:
    clock, out = FakeClock(), []
    coalescer = TextCoalescer(lambda c, t: out.append((c, t)), 0.05, clock)
    coalescer.add(TextPiece("answer", "a"))  # the first piece goes out at once
    coalescer.add(TextPiece("answer", "b"))
    coalescer.add(TextPiece("answer", "c"))
    clock.now += 0.06
    coalescer.add(TextPiece("answer", "d"))
    assert out == [("answer", "a"), ("answer", "bcd")]


def test_coalescer_hands_on_held_text_when_the_channel_changes() -> None:
    clock, out = FakeClock(), []
    coalescer = TextCoalescer(lambda c, t: out.append((c, t)), 0.05, clock)
    coalescer.add(TextPiece("reasoning", "hm"))
    coalescer.add(TextPiece("reasoning", "m"))
    coalescer.add(TextPiece("answer", "Yes"))
    coalescer.flush()
    assert out == [("reasoning", "hm"), ("reasoning", "m"), ("answer", "Yes")]


# -- EngineWorker called directly (same thread) ----------------------------------------------


def test_worker_loads_and_generates(qtbot, backend: ScriptedBackend) -> None:  # type: ignore[no-untyped-def]
    worker = EngineWorker(Engine(backend_factory=scripted_factory(backend)))
    with qtbot.waitSignal(worker.model_loaded) as loaded:
        worker.load(7, LoadRequest(STARTER))
    request_id, model = loaded.args
    assert request_id == 7 and model.info.name
    with qtbot.waitSignal(worker.generation_finished) as finished:
        worker.generate(8, QUESTION, GenerationParams())
    assert finished.args[0] == 8
    assert finished.args[1].text == "The capital of France is Paris."


def test_worker_reports_a_missing_model_in_words(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    worker = EngineWorker(Engine(backend_factory=scripted_factory(ScriptedBackend())))
    with qtbot.waitSignal(worker.load_failed) as failed:
        worker.load(1, LoadRequest(tmp_path / "nope.gguf"))
    problem = failed.args[1]
    assert failed.args[0] == 1 and "nope.gguf" in str(problem)
    # A code the GUI words (app/words/load.py); the engine's English stays its detail.
    assert isinstance(problem, Problem) and problem.code == ErrorCode.MODEL_NOT_FOUND


def test_worker_answers_stopped_for_a_request_stopped_before_it_ran(qtbot, backend) -> None:  # type: ignore[no-untyped-def]
    worker = EngineWorker(Engine(backend_factory=scripted_factory(backend)))
    worker.load(1, LoadRequest(STARTER))
    worker.stop(5)
    with qtbot.waitSignal(worker.generation_finished) as finished:
        worker.generate(5, QUESTION, GenerationParams())
    assert finished.args[1].stats.finish_reason == "stopped"
    assert backend.prompts == []


def test_worker_reports_generation_without_a_model(qtbot) -> None:  # type: ignore[no-untyped-def]
    worker = EngineWorker(Engine(backend_factory=scripted_factory(ScriptedBackend())))
    with qtbot.waitSignal(worker.generation_failed) as failed:
        worker.generate(3, QUESTION, GenerationParams())
    request_id, problem = failed.args
    assert request_id == 3
    assert problem.code == ErrorCode.GENERATION and str(problem) == "No model is loaded."


# -- EngineClient: the worker on its own thread ----------------------------------------------


def test_generate_waits_for_the_model_to_load(qtbot, client: EngineClient) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder(client)
    client.load(STARTER)
    request_id = client.generate(QUESTION, GenerationParams())  # sent while loading
    qtbot.waitUntil(lambda: bool(recorder.finished), timeout=5000)
    assert recorder.finished[0][0] == request_id
    assert recorder.finished[0][1].text == "The capital of France is Paris."
    streamed = "".join(t for i, c, t in recorder.texts if i == request_id)
    assert streamed.strip() == "The capital of France is Paris."


def test_signals_of_an_earlier_load_are_dropped(qtbot, client: EngineClient) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder(client)
    client.load(STARTER)
    second = client.load(STARTER)
    qtbot.waitUntil(lambda: client.loaded_model is not None, timeout=5000)
    assert recorder.loaded == [second]


def test_streamed_text_is_coalesced(qtbot) -> None:  # type: ignore[no-untyped-def]
    words = " ".join(f"w{i}" for i in range(40))
    client = make_client(ScriptedBackend([words], delay_s=0.005))
    try:
        recorder = Recorder(client)
        client.load(STARTER)
        client.generate(QUESTION, GenerationParams())
        qtbot.waitUntil(lambda: bool(recorder.finished), timeout=5000)
        assert "".join(t for _, _, t in recorder.texts) == words
        assert len(recorder.texts) < 20  # 40 words in ~0.2 s arrive in a handful of chunks
    finally:
        client.shutdown()


def test_stop_keeps_the_partial_answer(qtbot) -> None:  # type: ignore[no-untyped-def]
    reply = " ".join(f"word{i}" for i in range(200))
    client = make_client(ScriptedBackend([reply], delay_s=0.01))
    try:
        recorder = Recorder(client)
        client.load(STARTER)
        request_id = client.generate(QUESTION, GenerationParams())
        qtbot.waitUntil(lambda: bool(recorder.texts), timeout=5000)
        client.stop(request_id)
        qtbot.waitUntil(lambda: bool(recorder.finished), timeout=5000)
        result = recorder.finished[0][1]
        assert result.stats.finish_reason == "stopped"
        assert result.text.startswith("word0") and len(result.text) < len(reply)
    finally:
        client.shutdown()


def test_stop_before_the_model_loaded_ends_the_request(qtbot, client: EngineClient) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder(client)
    client.load(STARTER)
    request_id = client.generate(QUESTION, GenerationParams())
    client.stop(request_id)
    qtbot.waitUntil(lambda: bool(recorder.finished), timeout=5000)
    assert recorder.finished[0][0] == request_id
    assert recorder.finished[0][1].stats.finish_reason == "stopped"


def test_cancelled_requests_send_nothing(qtbot, client: EngineClient) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder(client)
    client.load(STARTER)
    first = client.generate(QUESTION, GenerationParams())
    client.cancel(first)
    second = client.generate(QUESTION, GenerationParams())
    qtbot.waitUntil(lambda: bool(recorder.finished), timeout=5000)
    assert [i for i, _ in recorder.finished] == [second]
    assert all(i == second for i, _, _ in recorder.texts)


def test_generate_without_any_model_fails_in_words(qtbot, client: EngineClient) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder(client)
    request_id = client.generate(QUESTION, GenerationParams())
    qtbot.waitUntil(lambda: bool(recorder.failed), timeout=5000)
    assert recorder.failed == [(request_id, "No model is loaded.")]


def test_a_failed_load_fails_the_waiting_generation(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = make_client(ScriptedBackend(load_error=MemoryError("boom")))
    try:
        recorder = Recorder(client)
        with qtbot.waitSignal(client.load_failed, timeout=5000):
            client.load(STARTER)
            client.generate(QUESTION, GenerationParams())
        assert recorder.failed and "could not be loaded" in recorder.failed[0][1]
        assert client.loaded_model is None and not client.is_loading
    finally:
        client.shutdown()


def test_shutdown_ends_the_thread_even_mid_answer(qtbot) -> None:  # type: ignore[no-untyped-def]
    backend = ScriptedBackend([" ".join(["x"] * 1000)], delay_s=0.01)
    client = make_client(backend)
    recorder = Recorder(client)
    client.load(STARTER)
    client.generate(QUESTION, GenerationParams())
    qtbot.waitUntil(lambda: bool(recorder.texts), timeout=5000)
    client.shutdown()
    assert client._thread.isFinished()
    assert backend.loaded is None  # unloaded on its own thread
    client.shutdown()  # a second call is harmless
