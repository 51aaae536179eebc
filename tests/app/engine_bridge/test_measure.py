"""Counting tokens and measuring prompts on the engine worker (scripted backend): answered by
request id, after a running generation and never in the middle of it, waiting for a model that
loads, refused in words without one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Slot

from app.engine_bridge.client import EngineClient
from app.engine_bridge.measure import PromptMeasure, measure_prompt
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.errors import Problem
from engine.session import Engine
from engine.types import GenerationParams, GenerationResult, LoadRequest, Message

STARTER = Path(__file__).resolve().parents[3] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
CONVERSATION = (
    Message("system", "Be brief."),
    Message("user", "one two three"),
    Message("assistant", "four five"),
    Message("user", "six seven eight nine"),
)


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


class Events(QObject):
    """The client's signals in the order they arrived (bound slots, on the GUI thread)."""

    def __init__(self, client: EngineClient) -> None:
        super().__init__()
        self.seen: list[tuple[str, int, object]] = []
        client.tokens_counted.connect(self._on_tokens_counted)
        client.prompt_measured.connect(self._on_prompt_measured)
        client.measure_failed.connect(self._on_measure_failed)
        client.generation_finished.connect(self._on_generation_finished)

    @Slot(int, int)
    def _on_tokens_counted(self, request_id: int, tokens: int) -> None:
        self.seen.append(("counted", request_id, tokens))

    @Slot(int, object)
    def _on_prompt_measured(self, request_id: int, measured: PromptMeasure) -> None:
        self.seen.append(("measured", request_id, measured))

    @Slot(int, object)
    def _on_measure_failed(self, request_id: int, problem: Problem) -> None:
        self.seen.append(("failed", request_id, str(problem)))

    @Slot(int, object)
    def _on_generation_finished(self, request_id: int, result: GenerationResult) -> None:
        self.seen.append(("finished", request_id, result.text))


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend([" ".join(f"w{i}" for i in range(60))], delay_s=0.005)


@pytest.fixture
def client(backend: ScriptedBackend) -> Iterator[EngineClient]:
    client = EngineClient(Engine(backend_factory=scripted_factory(backend)))
    yield client
    client.shutdown()


def load(client: EngineClient, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(client.model_loaded, timeout=5000):
        client.load(STARTER)


def test_measure_prompt_counts_what_generate_would_read(backend: ScriptedBackend) -> None:
    engine = Engine(backend_factory=scripted_factory(backend))
    engine.load(LoadRequest(STARTER, "llama", n_ctx=2048))
    measured = measure_prompt(engine, CONVERSATION, GenerationParams())
    rendered = engine.render(CONVERSATION, GenerationParams()).text
    assert measured.prompt_tokens == backend.count_tokens(rendered)
    assert sum(measured.message_tokens) == measured.prompt_tokens
    assert len(measured.message_tokens) == len(CONVERSATION)
    assert measured.context_length == 4096  # the scripted backend's own
    assert measured.trained_context == engine.loaded.info.context_length  # type: ignore[union-attr]
    assert measured.kv_bytes_per_token == 30 * 3 * 64 * 2 * 2  # the starter's shape, f16
    assert measured.free_memory_bytes is not None and measured.free_memory_bytes > 0
    assert measured.model == str(STARTER)


def test_counts_and_measures_are_answered_by_request_id(qtbot, client: EngineClient) -> None:  # type: ignore[no-untyped-def]
    load(client, qtbot)
    events = Events(client)
    count_id = client.count_tokens("one two three")
    with qtbot.waitSignal(client.prompt_measured, timeout=5000):
        measure_id = client.measure(CONVERSATION, GenerationParams())
    assert events.seen[0] == ("counted", count_id, 3)
    kind, request_id, measured = events.seen[1]
    assert (kind, request_id) == ("measured", measure_id)
    assert isinstance(measured, PromptMeasure) and measured.prompt_tokens > 9


def test_a_measure_waits_for_the_running_generation_and_leaves_it_whole(  # type: ignore[no-untyped-def]
    qtbot, client: EngineClient, backend: ScriptedBackend
) -> None:
    load(client, qtbot)
    events = Events(client)
    generation_id = client.generate([Message("user", "Go")], GenerationParams())
    with qtbot.waitSignal(client.text_generated, timeout=5000):
        pass
    with qtbot.waitSignal(client.prompt_measured, timeout=10_000):
        measure_id = client.measure(CONVERSATION, GenerationParams())
    assert [(kind, rid) for kind, rid, _ in events.seen] == [
        ("finished", generation_id),
        ("measured", measure_id),
    ]
    assert events.seen[0][2] == backend.replies[0]


def test_without_a_model_a_count_is_refused_in_words(qtbot, client: EngineClient) -> None:  # type: ignore[no-untyped-def]
    events = Events(client)
    with qtbot.waitSignal(client.measure_failed, timeout=5000):
        request_id = client.count_tokens("hello")
    assert events.seen == [("failed", request_id, "No model is loaded.")]


def test_a_measure_asked_while_the_model_loads_is_answered_after_it(qtbot, client) -> None:  # type: ignore[no-untyped-def]
    events = Events(client)
    client.load(STARTER)
    request_id = client.measure(CONVERSATION, GenerationParams())
    with qtbot.waitSignal(client.prompt_measured, timeout=5000):
        pass
    assert [(kind, rid) for kind, rid, _ in events.seen] == [("measured", request_id)]


def test_a_dropped_request_sends_nothing(qtbot, client: EngineClient) -> None:  # type: ignore[no-untyped-def]
    load(client, qtbot)
    events = Events(client)
    dropped = client.count_tokens("dropped")
    client.drop(dropped)
    with qtbot.waitSignal(client.tokens_counted, timeout=5000):
        kept = client.count_tokens("kept")
    assert events.seen == [("counted", kept, 1)]
