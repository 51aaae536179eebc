"""`MainShortcuts`: the main window's keyboard shortcuts (Ctrl+N, Ctrl+F, Ctrl+L, Esc). The
window connects each one to the feature it drives."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


def _window_shortcut(keys: str, window: QWidget) -> QShortcut:
    shortcut = QShortcut(QKeySequence(keys), window)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    return shortcut


class MainShortcuts(QObject):
    """No signals of its own: connect to each shortcut's `activated`."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.new_chat = _window_shortcut("Ctrl+N", window)
        self.search = _window_shortcut("Ctrl+F", window)
        self.composer = _window_shortcut("Ctrl+L", window)
        self.stop = _window_shortcut("Esc", window)
        # Only while an answer streams, so Esc still cancels a rename or clears a search.
        self.stop.setEnabled(False)
