"""WindowState: the window's size and the split between list and chat come back next time."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter

from app.window_state import DEFAULT_SIZE, WindowState


def make_window(qtbot) -> tuple[QMainWindow, QSplitter]:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    qtbot.addWidget(window)
    splitter = QSplitter(window)
    splitter.addWidget(QLabel("list"))
    splitter.addWidget(QLabel("chat"))
    window.setCentralWidget(splitter)
    return window, splitter


def test_the_first_run_gets_the_default_size(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window, splitter = make_window(qtbot)
    WindowState(tmp_path / "window.ini").restore(window, splitter)
    assert (window.width(), window.height()) == DEFAULT_SIZE


def test_size_and_split_are_saved_and_restored(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window, splitter = make_window(qtbot)
    window.resize(700, 500)
    window.show()
    splitter.setSizes([200, 500])
    saved = splitter.sizes()
    WindowState(tmp_path / "window.ini").save(window, splitter)
    again, again_splitter = make_window(qtbot)
    WindowState(tmp_path / "window.ini").restore(again, again_splitter)
    again.show()
    assert (again.width(), again.height()) == (700, 500)
    assert again_splitter.sizes() == saved
