"""The Models window: every way a model arrives or leaves, in one place.

Its "Installed" tab lists the installed models with Import (a file picker, or drag and drop onto
the window), Delete and Prepare for OpenVINO (`InstalledModelsView`); its "Download" tab is the
MiniCPM catalog with the download queue (`DownloadPanel`). Which model loads, and how, is chosen
in Settings → Model.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QDialog, QTabWidget, QVBoxLayout, QWidget

from app.models.catalog_view import DownloadPanel
from app.models.drop_target import ModelDropTarget
from app.models.installed_view import InstalledModelsView
from app.models.library import ModelLibrary
from app.models.manager import DownloadManager


class ModelsWindow(QDialog):
    """The Models window, non-modal. `downloads` is None when the app has no download manager
    (then only the installed models show). Signals:
    model_chosen(str name)   # "Use this model" on the Installed tab
    """

    model_chosen = Signal(str)

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
        self._library = library
        self.drop_target = ModelDropTarget(self, library)
        self.drop_target.models_dropped.connect(self._on_drop_target_models_dropped)
        self.installed = InstalledModelsView(library, self)
        self.installed.model_chosen.connect(self.model_chosen)
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

    @Slot(object)
    def _on_drop_target_models_dropped(self, _models: object) -> None:
        self.show_installed()
