"""ConversationMenu alone: its entries, and what each one says was chosen, for which chat."""

from __future__ import annotations

from PySide6.QtGui import QAction

from app.conversations.context_menu import ConversationMenu


def action(menu: ConversationMenu, text: str) -> QAction:
    return next(a for a in menu.actions() if a.text() == text)


def test_the_entries_then_the_shared_actions(qtbot) -> None:  # type: ignore[no-untyped-def]
    shared = QAction("Export all chats…")
    menu = ConversationMenu(3, False, [shared])
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels == ["Rename", "Pin", "Export…", "Delete", "Export all chats…"]
    pinned = ConversationMenu(3, True, [])
    assert "Unpin" in [a.text() for a in pinned.actions()]


def test_each_entry_names_the_chat_it_was_opened_for(qtbot) -> None:  # type: ignore[no-untyped-def]
    menu = ConversationMenu(3, False, [])
    with qtbot.waitSignal(menu.rename_chosen) as renamed:
        action(menu, "Rename").trigger()
    with qtbot.waitSignal(menu.pin_chosen) as pinned:
        action(menu, "Pin").trigger()
    with qtbot.waitSignal(menu.export_chosen) as exported:
        action(menu, "Export…").trigger()
    with qtbot.waitSignal(menu.delete_chosen) as deleted:
        action(menu, "Delete").trigger()
    assert renamed.args == [3] and exported.args == [3] and deleted.args == [3]
    assert pinned.args == [3, True]


def test_unpin_asks_for_the_pin_to_go(qtbot) -> None:  # type: ignore[no-untyped-def]
    menu = ConversationMenu(5, True, [])
    with qtbot.waitSignal(menu.pin_chosen) as pinned:
        action(menu, "Unpin").trigger()
    assert pinned.args == [5, False]
