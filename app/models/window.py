"""The Models window: every way a model arrives or leaves, in one place.

Its "Installed" tab lists the installed models with Import (a file picker, or drag and drop onto
the window), Delete and Prepare for OpenVINO (`InstalledModelsView`); its "Download" tab is the
MiniCPM catalog with the download queue (`DownloadPanel`). Which model loads, and how, is chosen
in Settings → Model.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDialog, QTabWidget, QVBoxLayout, QWidget

from app.models.catalog_view import DownloadPanel
from app.models.importer import is_importable
from app.models.installed_view import InstalledModelsView
from app.models.library import ModelLibrary
from app.models.manager import DownloadManager


def dropped_models(mime: QMimeData) -> list[Path]:
    """The local .gguf files and OpenVINO IR folders being dragged in; others are ignored."""
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [path for path in paths if is_importable(path)]


class ModelsWindow(QDialog):
    """The Models window, non-modal. No signals. `downloads` is None when the app has no
    download manager (then only the installed models show)."""

    def __init__(
        self,
        library: ModelLibrary,
        downloads: DownloadManager | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("modelsWindow")
        self.setWindowTitle(self.tr("Models"))
        self.setModal(False)
        self.setAcceptDrops(True)
        self._library = library
        self.installed = InstalledModelsView(library, self)
        self.panel: DownloadPanel | None = None
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.installed, self.tr("Installed"))
        if downloads is not None:
            self.panel = DownloadPanel(downloads, self)
            self.tabs.addTab(self.panel, self.tr("Download"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        self.resize(980, 640)

    def show_installed(self) -> None:
        self.tabs.setCurrentWidget(self.installed)

    def show_downloads(self) -> None:
        if self.panel is not None:
            self.tabs.setCurrentWidget(self.panel)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if dropped_models(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        models = dropped_models(event.mimeData())
        if not models:
            event.ignore()
            return
        event.acceptProposedAction()
        self.show_installed()
        self._library.import_models(models)
