"""ConversationPanel: selection, delete with Undo, pinning, the context menu actions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.conversations.panel import ConversationPanel
from app.core.conversations import ConversationStore


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "chat.db") as store:
        yield store


@pytest.fixture
def panel(qtbot, store: ConversationStore) -> ConversationPanel:  # type: ignore[no-untyped-def]
    store.create_conversation("Alpha")
    store.create_conversation("Beta")
    widget = ConversationPanel(store)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def row_titles(panel: ConversationPanel) -> list[str]:
    return [panel.model.index(r).data() for r in range(panel.model.rowCount())]


def id_of(store: ConversationStore, title: str) -> int:
    return next(c.id for c in store.list_conversations() if c.title == title)


def test_clicking_a_chat_announces_it_but_select_does_not(panel, store, qtbot) -> None:  # type: ignore[no-untyped-def]
    alpha = id_of(store, "Alpha")
    with qtbot.waitSignal(panel.conversation_selected) as chosen:
        panel.list.setCurrentIndex(panel.model.index(panel.model.row_of(alpha)))
    assert chosen.args == [alpha]
    with qtbot.assertNotEmitted(panel.conversation_selected):
        panel.select(id_of(store, "Beta"))
    assert panel.current_id == id_of(store, "Beta")


def test_the_selection_survives_a_refresh(panel, store) -> None:  # type: ignore[no-untyped-def]
    beta = id_of(store, "Beta")
    panel.select(beta)
    store.rename(beta, "Beta renamed")
    panel.refresh()
    assert [i.data() for i in panel.list.selectionModel().selectedIndexes()] == ["Beta renamed"]


def test_delete_then_undo(panel, store, qtbot) -> None:  # type: ignore[no-untyped-def]
    alpha = id_of(store, "Alpha")
    with qtbot.waitSignal(panel.conversation_deleted) as deleted:
        panel.delete(alpha)
    assert deleted.args == [alpha]
    assert row_titles(panel) == ["Beta"]
    assert panel.undo_bar.isVisible() and "Alpha" in panel.undo_bar.label.text()
    with qtbot.waitSignal(panel.conversation_restored) as restored:
        panel.undo_bar.undo_button.click()
    assert restored.args == [alpha]
    assert sorted(row_titles(panel)) == ["Alpha", "Beta"]
    assert not panel.undo_bar.isVisible()


def test_undo_goes_away_after_a_while(panel, store, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.undo_bar.timer.setInterval(10)
    panel.delete(id_of(store, "Alpha"))
    qtbot.waitUntil(lambda: not panel.undo_bar.isVisible())
    panel.undo_delete()  # nothing left to undo
    assert row_titles(panel) == ["Beta"]


def test_context_menu_pin_rename_delete(panel, store, qtbot) -> None:  # type: ignore[no-untyped-def]
    alpha_row = panel.model.row_of(id_of(store, "Alpha"))
    menu = panel._context_menu(panel.model.index(alpha_row))
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels == [
        "Rename",
        "Pin",
        "Export…",
        "Delete",
        "Export all chats…",
        "Import chats…",
        "Include reasoning in Markdown",
    ]
    next(a for a in menu.actions() if a.text() == "Pin").trigger()
    assert row_titles(panel)[0] == "Alpha"
    menu = panel._context_menu(panel.model.index(0))
    assert "Unpin" in [a.text() for a in menu.actions()]
    with qtbot.waitSignal(panel.conversation_deleted):
        next(a for a in menu.actions() if a.text() == "Delete").trigger()
    assert row_titles(panel) == ["Beta"]


def test_an_empty_list_and_a_search_without_results_say_so(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    panel = ConversationPanel(store)
    qtbot.addWidget(panel)
    panel.show()
    assert panel._empty.isVisible() and panel._empty.text() == "No chats yet."
    store.create_conversation("Something")
    panel.refresh()
    assert not panel._empty.isVisible()
    qtbot.keyClicks(panel.search, "zzz")
    qtbot.waitUntil(lambda: panel._empty.isVisible())
    assert panel._empty.text() == "No chats match."


def test_a_long_title_is_cut_short_without_a_scroll_bar(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    store.create_conversation("When is the launch planned, and what is the launch code? " * 3)
    widget = ConversationPanel(store)
    qtbot.addWidget(widget)
    widget.resize(260, 400)
    widget.show()
    qtbot.waitExposed(widget)
    assert not widget.list.horizontalScrollBar().isVisible()
    assert widget.list.textElideMode() == Qt.TextElideMode.ElideRight
