"""ModelDropTarget on a bare widget: model files are taken and imported, others refused."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import MagicMock

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.models.drop_target import ModelDropTarget

GGUF_MAGIC = b"GGUF"


def send_drop(widget: QWidget, path: Path) -> tuple[QDragEnterEvent, QDropEvent]:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(1, 1), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(1, 1), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, drop)
    return enter, drop


def test_a_gguf_is_imported_and_announced(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    widget = QWidget()
    qtbot.addWidget(widget)
    library = MagicMock()
    target = ModelDropTarget(widget, library)
    assert widget.acceptDrops()
    model = tmp_path / "tiny.gguf"
    model.write_bytes(GGUF_MAGIC + bytes(64))
    with qtbot.waitSignal(target.models_dropped) as dropped:
        enter, drop = send_drop(widget, model)
    assert enter.isAccepted() and drop.isAccepted()
    assert dropped.args == [(model,)]
    library.import_models.assert_called_once_with((model,))


def test_other_files_are_refused(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    widget = QWidget()
    qtbot.addWidget(widget)
    library = MagicMock()
    target = ModelDropTarget(widget, library)
    text = tmp_path / "notes.txt"
    text.write_text("not a model")
    with qtbot.assertNotEmitted(target.models_dropped):
        enter, _drop = send_drop(widget, text)
    assert not enter.isAccepted()
    library.import_models.assert_not_called()
