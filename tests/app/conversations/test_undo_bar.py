"""UndoDeleteBar alone: it names the deleted chat, hands it back once, and runs out."""

from __future__ import annotations

from app.conversations.undo_bar import UndoDeleteBar


def test_the_bar_names_the_chat_and_hands_it_back_once(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = UndoDeleteBar()
    qtbot.addWidget(bar)
    assert bar.isHidden() and bar.take() is None
    bar.show_deleted(7, "Alpha")
    assert not bar.isHidden() and bar.label.text() == "Deleted “Alpha”."
    with qtbot.waitSignal(bar.undo_clicked):
        bar.undo_button.click()
    assert bar.take() == 7
    assert bar.isHidden() and bar.take() is None


def test_a_later_deletion_replaces_the_offer(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = UndoDeleteBar()
    qtbot.addWidget(bar)
    bar.show_deleted(7, "Alpha")
    bar.show_deleted(8, "Beta")
    assert "Beta" in bar.label.text() and bar.take() == 8


def test_the_offer_runs_out(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = UndoDeleteBar()
    qtbot.addWidget(bar)
    bar.timer.setInterval(10)
    bar.show_deleted(7, "Alpha")
    qtbot.waitUntil(bar.isHidden)
    assert bar.take() is None
