"""AnswerRuns without a controller: saving while streaming, routing by conversation, failures,
and the prompt an answer is asked with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import app.chat.answer_runs as answer_runs_module
from app.chat.answer_runs import AnswerRuns, prompt_messages
from app.core.conversations import ConversationStore
from app.core.settings import Settings
from app.engine_bridge.client import EngineClient
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.session import Engine
from engine.types import Message
from tests.app.chat.backends import LONG_REPLY, STARTER, FailingBackend


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.fixture
def parts(qtbot, tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    made: list[tuple[AnswerRuns, ConversationStore, EngineClient]] = []

    def make(backend: ScriptedBackend) -> tuple[AnswerRuns, ConversationStore, EngineClient]:
        store = ConversationStore(tmp_path / f"chat{len(made)}.db")
        client = EngineClient(Engine(backend_factory=scripted_factory(backend)))
        runs = AnswerRuns(store, client)
        with qtbot.waitSignal(client.model_loaded, timeout=5000):
            client.load(STARTER)
        made.append((runs, store, client))
        return runs, store, client

    yield make
    for runs, store, client in made:
        runs.shutdown()
        client.shutdown()
        store.close()


def question(store: ConversationStore, text: str) -> tuple[int, int]:
    conversation = store.create_conversation()
    user = store.add_message(conversation.id, "user", text)
    return conversation.id, user.id


def test_the_answer_is_saved_while_it_streams(parts, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(answer_runs_module, "SAVE_INTERVAL_S", 0.05)
    runs, store, _ = parts(ScriptedBackend([LONG_REPLY], delay_s=0.002))
    conversation_id, question_id = question(store, "Stream please")
    assert runs.ask(conversation_id, question_id, Settings())
    answer_id = store.active_path(conversation_id)[-1].id

    def saved_mid_answer() -> bool:
        message = store.get_message(answer_id)
        return bool(message.content) and not message.complete

    qtbot.waitUntil(saved_mid_answer, timeout=5000)
    with qtbot.waitSignal(runs.answer_finished, timeout=5000) as finished:
        pass
    assert finished.args[:2] == [conversation_id, answer_id]
    final = store.get_message(answer_id)
    assert final.complete and final.content == LONG_REPLY


def test_streamed_text_is_named_by_its_conversation_and_message(parts, qtbot) -> None:  # type: ignore[no-untyped-def]
    runs, store, _ = parts(ScriptedBackend([LONG_REPLY], delay_s=0.002))
    conversation_id, question_id = question(store, "Hello")
    runs.ask(conversation_id, question_id, Settings())
    answer_id = store.active_path(conversation_id)[-1].id
    assert runs.is_running and runs.is_running_in(conversation_id)
    assert not runs.is_running_in(conversation_id + 1)
    with qtbot.waitSignal(runs.answer_streamed, timeout=5000) as streamed:
        pass
    assert streamed.args[:2] == [conversation_id, answer_id]
    assert runs.streamed_text(answer_id) is not None
    with qtbot.waitSignal(runs.answer_finished, timeout=5000):
        pass
    assert runs.streamed_text(answer_id) is None and not runs.is_running


def test_a_failed_answer_is_saved_incomplete_with_why(parts, qtbot) -> None:  # type: ignore[no-untyped-def]
    runs, store, _ = parts(FailingBackend())
    conversation_id, question_id = question(store, "Hi")
    with qtbot.waitSignal(runs.answer_failed, timeout=5000) as failed:
        runs.ask(conversation_id, question_id, Settings())
    said = "The answer could not be generated. The model ran out of context."
    assert failed.args == [conversation_id, said]
    answer = store.active_path(conversation_id)[-1]
    assert not answer.complete and answer.content == "Partial"
    assert answer.stats == {"finish_reason": "error", "error": said}


def test_a_question_no_longer_on_the_branch_asks_nothing(parts) -> None:  # type: ignore[no-untyped-def]
    runs, store, _ = parts(ScriptedBackend())
    conversation_id, _question_id = question(store, "Hi")
    assert not runs.ask(conversation_id, 10_000, Settings())
    assert not runs.is_running


def test_the_prompt_skips_answers_that_never_got_text(parts) -> None:  # type: ignore[no-untyped-def]
    _runs, store, _ = parts(ScriptedBackend())
    conversation_id, question_id = question(store, "Hi")
    empty = store.add_message(conversation_id, "assistant", "", parent_id=question_id)
    again = store.add_message(conversation_id, "user", "Again", parent_id=empty.id)
    path = store.active_path(conversation_id)
    assert [m.id for m in path] == [question_id, empty.id, again.id]
    assert prompt_messages("Be brief.", path) == [
        Message("system", "Be brief."),
        Message("user", "Hi"),
        Message("user", "Again"),
    ]
    assert prompt_messages("", path)[0] == Message("user", "Hi")
