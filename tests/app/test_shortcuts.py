"""MainShortcuts: the keys, window-wide, and Esc off until an answer streams."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.shortcuts import MainShortcuts


def test_the_keys_and_esc_starts_off(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    shortcuts = MainShortcuts(window)
    keys = [s.key().toString() for s in (shortcuts.new_chat, shortcuts.search, shortcuts.composer)]
    assert keys == ["Ctrl+N", "Ctrl+F", "Ctrl+L"]
    assert shortcuts.stop.key().toString() == "Esc" and not shortcuts.stop.isEnabled()
    assert shortcuts.search.context() == Qt.ShortcutContext.WindowShortcut
