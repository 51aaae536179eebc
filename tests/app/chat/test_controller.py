"""ChatController without widgets: persistence, routing by request id, failures."""

from __future__ import annotations

import shutil
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.chat.controller import NO_CONVERSATION, ChatController
from app.core.conversations import ConversationStore
from app.core.settings import Settings
from app.engine_bridge.client import EngineClient
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.session import Engine
from tests.app.chat.backends import LONG_REPLY, STARTER, FailingBackend

DiskUsage = namedtuple("DiskUsage", "total used free")


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.fixture
def parts(
    qtbot, tmp_path: Path
) -> Iterator[tuple[ChatController, ConversationStore, EngineClient]]:  # type: ignore[no-untyped-def]
    made: list[tuple[ChatController, ConversationStore, EngineClient]] = []

    def make(backend: ScriptedBackend) -> tuple[ChatController, ConversationStore, EngineClient]:
        store = ConversationStore(tmp_path / f"chat{len(made)}.db")
        client = EngineClient(Engine(backend_factory=scripted_factory(backend)))
        controller = ChatController(store, client, Settings())
        with qtbot.waitSignal(client.model_loaded, timeout=5000):
            client.load(STARTER)
        made.append((controller, store, client))
        return controller, store, client

    yield make  # type: ignore[misc]
    for controller, store, client in made:
        controller.shutdown()
        client.shutdown()
        store.close()


def test_a_failed_answer_stays_incomplete_and_says_why(parts, qtbot) -> None:  # type: ignore[no-untyped-def]
    controller, store, _ = parts(FailingBackend())
    with qtbot.waitSignal(controller.error_occurred, timeout=5000) as error:
        controller.send("Hi")
    said = "The answer could not be generated. The model ran out of context."
    assert error.args == [said]
    answer = store.active_path(controller.conversation_id)[-1]
    assert not answer.complete and answer.content == "Partial"
    assert controller.transcript()[-1].interrupted
    assert controller.transcript()[-1].failure == said
    assert not controller.is_busy


def test_closing_mid_answer_keeps_the_text_so_far(parts, qtbot) -> None:  # type: ignore[no-untyped-def]
    controller, store, _ = parts(ScriptedBackend([LONG_REPLY], delay_s=0.005))
    controller.send("Long please")
    with qtbot.waitSignal(controller.answer_streamed, timeout=5000):
        pass
    controller.shutdown()
    answer = store.active_path(controller.conversation_id)[-1]
    assert answer.complete and answer.content.startswith("w0")
    assert answer.stats == {"finish_reason": "stopped"}


def test_a_full_disk_refuses_the_message_in_words(parts, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    controller, store, _ = parts(ScriptedBackend())
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: DiskUsage(10**12, 10**12, 1000))
    with qtbot.waitSignal(controller.error_occurred) as error:
        controller.send("Hello")  # refused when it is stored, after its context check
    assert "disk is almost full" in error.args[0]
    assert controller.conversation_id == NO_CONVERSATION
    assert not controller.is_busy


def test_a_new_answer_stops_the_one_running_in_another_chat(parts, qtbot) -> None:  # type: ignore[no-untyped-def]
    controller, store, _ = parts(ScriptedBackend([LONG_REPLY, "Short."], delay_s=0.002))
    controller.send("First chat")
    with qtbot.waitSignal(controller.answer_streamed, timeout=5000):
        pass
    first = controller.conversation_id
    controller.new_conversation()
    controller.send("Second chat")  # the first answer is stopped, then this one runs

    def second_answered() -> bool:
        second = controller.conversation_id
        path = store.active_path(second) if second != first else []
        return len(path) == 2 and path[-1].complete

    qtbot.waitUntil(second_answered, timeout=5000)
    stopped = store.active_path(first)[-1]
    assert stopped.complete and stopped.stats and stopped.stats["finish_reason"] == "stopped"
    assert store.active_path(controller.conversation_id)[-1].content == "Short."
