"""When a question does not fit the context, the person chooses before anything is cut: raise
the context (the model reloads with it), leave out the oldest turns (shown), start a new chat
from a summary, or cancel (nothing sent, the draft kept). The real main window, scripted
backend with a 2,048-token context."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.chat.context_dialog import ContextDialog
from app.chat.controller import ContextChoice
from app.core.settings import Settings
from tests.app.chat.chat_window import ChatApp

SETTINGS = Settings(context_length=2048, max_new_tokens=64)
FIRST = "alpha " * 600
SECOND = "bravo " * 600
TOO_MUCH = "charlie " * 900  # with both earlier turns, more than 2,048 - 64 tokens


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


def two_turns(chat_app, replies: list[str]) -> ChatApp:  # type: ignore[no-untyped-def]
    app: ChatApp = chat_app(["First answer.", "Second answer.", *replies], settings=SETTINGS)
    app.send_and_wait(FIRST.strip())
    app.send_and_wait(SECOND.strip())
    return app


def ask_too_much(app: ChatApp, qtbot) -> ContextDialog:  # type: ignore[no-untyped-def]
    app.type(TOO_MUCH.strip())
    with qtbot.waitSignal(app.services.controller.context_overflowed, timeout=5000):
        app.window.chat.composer.send.click()
    dialog = app.window.chat.context_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_cancel_sends_nothing_and_keeps_the_draft_and_its_attachments(  # type: ignore[no-untyped-def]
    chat_app, qtbot, tmp_path: Path
) -> None:
    app = two_turns(chat_app, [])
    notes = tmp_path / "notes.txt"
    notes.write_text("Short notes.", encoding="utf-8")
    app.window.chat.attach_files([notes])
    app.wait_for_chips(1)
    conversation_id = app.services.controller.conversation_id
    stored = app.services.store.active_path(conversation_id)
    prompts = len(app.backend.prompts)
    dialog = ask_too_much(app, qtbot)
    assert "does not fit the 2,048-token context" in dialog.headline.text()
    assert "Nothing has been cut." in dialog.headline.text()
    assert set(dialog.buttons) == {
        ContextChoice.RAISE,
        ContextChoice.DROP,
        ContextChoice.SUMMARIZE,
    }
    assert not app.services.controller.is_busy  # waiting for the person, not for the model
    dialog.cancel_button.click()
    assert app.window.chat.context_dialog is None
    assert app.services.store.active_path(conversation_id) == stored
    assert len(app.backend.prompts) == prompts
    assert app.window.chat.composer.text() == TOO_MUCH.strip()
    assert len(app.chips()) == 1 and app.window.chat.composer.send.isEnabled()
    assert not app.services.controller.is_busy


def test_leaving_out_the_oldest_turn_shows_which_and_the_model_reads_the_rest(  # type: ignore[no-untyped-def]
    chat_app, qtbot
) -> None:
    app = two_turns(chat_app, ["Third answer."])
    dialog = ask_too_much(app, qtbot)
    assert dialog.left_out is not None
    listed = dialog.left_out.text()
    assert "You: “alpha alpha" in listed and "Assistant: “First answer.”" in listed
    assert "bravo" not in listed
    assert "Leave out the 2 oldest messages" in dialog.buttons[ContextChoice.DROP].description()
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        dialog.buttons[ContextChoice.DROP].click()
    prompt = app.backend.prompts[-1]
    assert "alpha" not in prompt and "First answer." not in prompt
    assert "bravo" in prompt and "charlie" in prompt
    conversation_id = app.services.controller.conversation_id
    stored = app.services.store.active_path(conversation_id)
    assert len(stored) == 6  # nothing was deleted
    shown = app.message_widgets()
    assert [w._left_out.isVisibleTo(w) for w in shown] == [True, True] + [False] * 4
    # The next question leaves them out too, without asking again.
    app.send_and_wait("Thanks")
    assert "alpha" not in app.backend.prompts[-1]


def test_raising_the_context_reloads_the_model_with_it_then_answers(chat_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = two_turns(chat_app, ["Answer with room."])
    dialog = ask_too_much(app, qtbot)
    description = dialog.buttons[ContextChoice.RAISE].description()
    assert "Raise the context to 4,096 tokens" in description and "more memory" in description
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=10_000):
        dialog.buttons[ContextChoice.RAISE].click()
    assert app.services.settings.current.context_length == 4096
    assert app.backend.requests[-1].n_ctx == 4096
    assert app.services.client.loaded_model.context_length == 4096  # type: ignore[union-attr]
    prompt = app.backend.prompts[-1]
    assert "alpha" in prompt and "charlie" in prompt  # the whole conversation
    stored = app.services.store.active_path(app.services.controller.conversation_id)
    assert stored[-1].content == "Answer with room."


def test_a_new_chat_starts_from_a_summary_with_the_question(chat_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = two_turns(chat_app, ["We covered alpha and bravo.", "Charlie, then."])
    old_id = app.services.controller.conversation_id
    dialog = ask_too_much(app, qtbot)
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=10_000):
        dialog.buttons[ContextChoice.SUMMARIZE].click()
    summary_prompt = app.backend.prompts[-2]
    assert "Summarize the conversation below" in summary_prompt and "alpha" in summary_prompt
    new_id = app.services.controller.conversation_id
    assert new_id != old_id
    new_chat = app.services.store.get_conversation(new_id)
    assert "We covered alpha and bravo." in new_chat.system_prompt
    assert "You are a helpful AI assistant." in new_chat.system_prompt
    [question, answer] = app.services.store.active_path(new_id)
    assert question.content == TOO_MUCH.strip() and answer.content == "Charlie, then."
    assert "We covered alpha and bravo." in app.backend.prompts[-1]
    assert len(app.services.store.active_path(old_id)) == 4  # the old chat is as it was
    assert app.window.conversations.current_id == new_id
    assert app.window.chat.composer.text() == ""


def test_a_question_too_long_for_any_context_only_offers_cancel(chat_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app: ChatApp = chat_app(settings=SETTINGS)
    app.type("word " * 20_000)  # more than the model was trained for, in a new chat
    with qtbot.waitSignal(app.services.controller.context_overflowed, timeout=5000):
        app.window.chat.composer.send.click()
    dialog = app.window.chat.context_dialog
    assert dialog is not None and dialog.buttons == {}
    assert "No larger context fits this model and machine" in dialog.headline.text()
    dialog.reject()
    assert app.services.store.list_conversations() == []
    assert app.window.chat.composer.text().startswith("word word")
