"""The composer's keys and buttons."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.chat.composer import NO_THINKING_TOOLTIP, Composer


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.fixture
def composer(qtbot) -> Composer:  # type: ignore[no-untyped-def]
    widget = Composer()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_enter_sends_and_shift_enter_adds_a_line(composer: Composer, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(composer.edit, "first line")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(composer.edit, "second line")
    with qtbot.waitSignal(composer.message_submitted) as sent:
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent.args == ["first line\nsecond line"]


def test_an_empty_message_is_not_sent(composer: Composer, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.assertNotEmitted(composer.message_submitted):
        qtbot.keyClicks(composer.edit, "   ")
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert not composer.send.isEnabled()


def test_while_busy_the_button_stops_and_escape_stops(composer: Composer, qtbot) -> None:  # type: ignore[no-untyped-def]
    composer.set_busy(True)
    assert composer.send.text() == "Stop" and composer.send.isEnabled()
    with qtbot.waitSignal(composer.stop_clicked):
        composer.send.click()
    with qtbot.waitSignal(composer.stop_clicked):
        qtbot.keyClick(composer.edit, Qt.Key.Key_Escape)
    with qtbot.assertNotEmitted(composer.message_submitted):
        qtbot.keyClicks(composer.edit, "next question")
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    composer.set_busy(False)
    assert composer.send.text() == "Send"
    assert composer.text() == "next question"  # kept for when the answer is done


def test_the_box_grows_with_the_text_up_to_a_limit(composer: Composer, qtbot) -> None:  # type: ignore[no-untyped-def]
    one_line = composer.edit.height()
    composer.edit.setPlainText("\n".join(["line"] * 4))
    assert composer.edit.height() > one_line * 2
    composer.edit.setPlainText("\n".join(["line"] * 40))
    capped = composer.edit.height()
    composer.edit.setPlainText("\n".join(["line"] * 80))
    assert composer.edit.height() == capped


def test_thinking_toggle_states(composer: Composer, qtbot) -> None:  # type: ignore[no-untyped-def]
    composer.set_thinking(True, True)
    assert composer.thinking.isChecked() and composer.thinking.isEnabled()
    with qtbot.waitSignal(composer.thinking_toggled) as toggled:
        composer.thinking.click()
    assert toggled.args == [False]
    composer.set_thinking(True, False)
    assert not composer.thinking.isEnabled() and not composer.thinking.isChecked()
    assert composer.thinking.toolTip() == NO_THINKING_TOOLTIP
