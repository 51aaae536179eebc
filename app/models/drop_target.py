"""`ModelDropTarget`: lets a window take model files (.gguf, OpenVINO IR folders) dragged onto
it, and imports them through the `ModelLibrary` like the Models window's Import button does."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QWidget

from app.models.importer import is_importable
from app.models.library import ModelLibrary


def dropped_models(mime: QMimeData) -> list[Path]:
    """The local .gguf files and OpenVINO IR folders being dragged in; others are ignored."""
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [path for path in paths if is_importable(path)]


class ModelDropTarget(QObject):
    """An event filter on `widget` (its child, so it lives as the widget does). Other drops are
    refused, so the cursor shows they will not be taken.

    Signals:
        models_dropped(tuple[Path, ...])   # their import has started; the library reports
                                           # each one's end
    """

    models_dropped = Signal(object)

    def __init__(self, widget: QWidget, library: ModelLibrary) -> None:
        super().__init__(widget)
        self._library = library
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if isinstance(event, QDragEnterEvent):
            self._enter(event)
            return True
        if isinstance(event, QDropEvent) and event.type() == QEvent.Type.Drop:
            self._drop(event)
            return True
        return super().eventFilter(watched, event)

    def _enter(self, event: QDragEnterEvent) -> None:
        if dropped_models(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def _drop(self, event: QDropEvent) -> None:
        models = tuple(dropped_models(event.mimeData()))
        if not models:
            event.ignore()
            return
        event.acceptProposedAction()
        self._library.import_models(models)
        self.models_dropped.emit(models)
