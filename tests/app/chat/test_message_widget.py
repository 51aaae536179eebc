"""One message widget: throttled rendering, the thinking section, actions, versions."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from app.chat.controller import MessageView
from app.chat.markdown import MarkdownRenderer
from app.chat.message_widget import MessageWidget
from app.core.chat_records import StoredMessage


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


def view(
    role: str = "assistant",
    content: str = "",
    *,
    reasoning: str = "",
    streaming: bool = False,
    complete: bool = True,
    stats: dict[str, object] | None = None,
    thinking_s: float | None = None,
    version: int = 1,
    versions: int = 1,
) -> MessageView:
    message = StoredMessage(
        id=7,
        conversation_id=1,
        parent_id=6,
        role=role,
        content=content,
        reasoning=reasoning,
        created_at=time.time(),
        complete=complete,
        stats=stats,
        model="TinyModel",
        thinking_s=thinking_s,
    )
    return MessageView(
        message,
        version,
        versions,
        previous_id=5 if version > 1 else None,
        next_id=9 if version < versions else None,
        streaming=streaming,
    )


@pytest.fixture
def make(qtbot):  # type: ignore[no-untyped-def]
    renderer = MarkdownRenderer()

    def make_widget(message_view: MessageView) -> MessageWidget:
        widget = MessageWidget(message_view, renderer)
        qtbot.addWidget(widget)
        widget.resize(600, 300)
        widget.show()
        return widget

    return make_widget


def test_streamed_text_is_drawn_at_once_and_only_when_it_changed(make) -> None:  # type: ignore[no-untyped-def]
    """The one throttle is the engine worker's coalescer: each update that reaches the widget
    is drawn on arrival, and an update that only changes the thinking text draws no answer."""
    widget = make(view(streaming=True, complete=False))
    start = widget.render_count
    widget.stream("", "word0 ")
    assert widget.render_count == start + 1
    assert widget.answer_view.markdown == "word0 "
    widget.stream("more thoughts", "word0 ")
    assert widget.render_count == start + 1


def test_thinking_opens_while_thinking_and_closes_when_the_answer_starts(make) -> None:  # type: ignore[no-untyped-def]
    widget = make(view(streaming=True, complete=False))
    widget.stream("Let me think", "")
    widget.flush()
    assert widget.thinking.isVisible() and widget.thinking.expanded
    assert widget.thinking.title == "Thinking…"
    widget.stream("Let me think about it.", "The answer", 2.2)  # the controller's measure
    widget.flush()
    assert not widget.thinking.expanded
    assert widget.thinking.title == "Thought for 2 seconds"


def test_a_finished_answer_shows_stats_and_how_long_it_thought(make) -> None:  # type: ignore[no-untyped-def]
    stats = {
        "generated_tokens": 42,
        "decode_tokens_per_s": 18.25,
        "time_to_first_token_s": 0.41,
        "finish_reason": "length",
    }
    widget = make(view(content="Done.", reasoning="Hmm.", stats=stats, thinking_s=3.2))
    assert widget._stats.text() == (
        "42 tokens · 18.2 tokens/s · 0.41 s to first token · cut off at the token limit"
    )
    assert widget.thinking.title == "Thought for 3 seconds"
    assert not widget.thinking.expanded
    widget.thinking.set_expanded(True)
    assert widget.thinking._body.isVisible()


def test_copy_copies_the_raw_message(make) -> None:  # type: ignore[no-untyped-def]
    widget = make(view(content="Use `ls -la`."))
    widget._copy.click()
    assert QGuiApplication.clipboard().text() == "Use `ls -la`."
    assert widget._copy.text() == "Copied"


def test_the_version_switcher_asks_for_the_neighbour(make, qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = make(view(content="B", version=2, versions=3))
    assert widget._version.text() == "2/3" and widget._version.isVisible()
    with qtbot.waitSignal(widget.version_selected) as chosen:
        widget._previous.click()
    assert chosen.args == [5]
    with qtbot.waitSignal(widget.version_selected) as chosen:
        widget._next.click()
    assert chosen.args == [9]


def test_a_single_version_has_no_switcher(make) -> None:  # type: ignore[no-untyped-def]
    widget = make(view(content="Only"))
    assert not widget._version.isVisible()


def test_an_interrupted_answer_offers_regenerate(make, qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = make(view(content="Half an ans", complete=False))
    assert widget._interrupted.isVisible()
    with qtbot.waitSignal(widget.regenerate_requested) as asked:
        widget._interrupted_regenerate.click()
    assert asked.args == [7]


def test_editing_a_user_message_submits_the_new_text(make, qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = make(view(role="user", content="Old question"))
    widget._edit.click()
    assert widget._editor.toPlainText() == "Old question"
    with qtbot.waitSignal(widget.edit_submitted) as edited:
        widget.submit_edit("New question")
    assert edited.args == [7, "New question"]
    assert not widget._editor.isVisible()


def stopped_while_thinking(thinking: bool | None = True) -> MessageView:
    shown = view(reasoning="The capital of France is", stats={"finish_reason": "length"})
    message = replace(shown.message, thinking=thinking, reasoning_unfinished=True)
    return replace(shown, message=message)


def test_an_answer_that_stopped_while_thinking_shows_its_reasoning_and_a_note(make, qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = make(stopped_while_thinking())
    assert widget.thinking.isVisible() and widget.thinking.expanded
    assert widget.unfinished_note.isVisible()
    assert widget.continue_button.text() == "Continue"
    assert widget.without_thinking_button.text() == "Regenerate without thinking"
    with qtbot.waitSignal(widget.continue_requested) as asked:
        widget.continue_button.click()
    assert asked.args == [7]
    with qtbot.waitSignal(widget.regenerate_with_thinking_requested) as asked:
        widget.without_thinking_button.click()
    assert asked.args == [7, False]


def test_the_reasoning_stays_open_when_the_answer_ends_while_thinking(make) -> None:  # type: ignore[no-untyped-def]
    shown = stopped_while_thinking()
    widget = make(replace(shown, streaming=True, message=replace(shown.message, complete=False)))
    widget.stream("The capital of France is", "", 0.4)
    assert widget.thinking.expanded and not widget.unfinished_note.isVisible()
    widget.update_view(shown)
    assert widget.thinking.expanded and widget.unfinished_note.isVisible()


def test_an_answer_shows_its_thinking_choice_and_regenerate_offers_the_other(make, qtbot) -> None:  # type: ignore[no-untyped-def]
    shown = view(content="Paris.")
    widget = make(replace(shown, message=replace(shown.message, thinking=False)))
    choice = widget.thinking_choice
    assert choice.isVisible() and choice.text() == "Thinking off"
    assert not widget.unfinished_note.isVisible()
    actions = [action.text() for action in widget.regenerate_menu.actions()]
    assert actions == ["Regenerate with thinking", "Regenerate without thinking"]
    with qtbot.waitSignal(widget.regenerate_with_thinking_requested) as asked:
        widget.regenerate_menu.actions()[0].trigger()
    assert asked.args == [7, True]
    widget.update_view(replace(shown, message=replace(shown.message, thinking=True)))
    assert choice.text() == "Thinking on"


def test_an_answer_of_unknown_thinking_choice_shows_none(make) -> None:  # type: ignore[no-untyped-def]
    widget = make(view(content="Paris."))
    assert not widget.thinking_choice.isVisible()
    assert not widget.unfinished_note.isVisible()


def test_no_empty_answer_sits_between_the_thought_and_the_note(make) -> None:  # type: ignore[no-untyped-def]
    widget = make(stopped_while_thinking())
    assert not widget.answer_view.isVisibleTo(widget)
    answered = view(content="Paris.", reasoning="Easy.")
    widget.update_view(answered)
    assert widget.answer_view.isVisibleTo(widget)
