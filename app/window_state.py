"""`WindowState`: the main window's size and place, and how the chat list and the chat share
it, kept in window.ini between runs (not in settings.json: nobody edits these by hand)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

DEFAULT_SIZE = (1100, 720)


class WindowState:
    """Reads and writes one ini file; not a QObject (it has nothing to announce)."""

    def __init__(self, path: Path) -> None:
        self._ini = QSettings(str(path), QSettings.Format.IniFormat)

    def restore(self, window: QMainWindow, splitter: QSplitter) -> None:
        """As the window was left; the first time, a size that fits a laptop screen."""
        geometry = self._ini.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        else:
            window.resize(*DEFAULT_SIZE)
        layout = self._ini.value("window/splitter")
        if isinstance(layout, QByteArray) and not layout.isEmpty():
            splitter.restoreState(layout)

    def save(self, window: QMainWindow, splitter: QSplitter) -> None:
        self._ini.setValue("window/geometry", window.saveGeometry())
        self._ini.setValue("window/splitter", splitter.saveState())
        self._ini.sync()
