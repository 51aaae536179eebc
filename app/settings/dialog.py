"""`SettingsDialog`: the pages in tabs, OK and Cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QVBoxLayout, QWidget

from app.core.models.store import ModelStore
from app.core.settings import Settings
from app.settings.appearance_page import AppearancePage
from app.settings.generation_page import GenerationPage
from app.settings.hub_page import DownloadsPage
from app.settings.model_page import ModelPage


class SettingsDialog(QDialog):
    """Edits a copy of the settings; OK hands the result on. Signals:
    settings_accepted(Settings)   # OK was pressed; the settings as edited
    models_window_requested()     # the Model page's "Manage models…" was clicked
    """

    settings_accepted = Signal(object)
    models_window_requested = Signal()

    def __init__(
        self,
        settings: Settings,
        models: ModelStore,
        data_dir: Path,
        parent: QWidget | None = None,
        *,
        cpu_bf16: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(480)
        self._settings = settings
        self.model_page = ModelPage(models, self, cpu_bf16)
        self.model_page.models_window_requested.connect(self.models_window_requested)
        self.generation_page = GenerationPage(self)
        self.downloads_page = DownloadsPage(self)
        self.appearance_page = AppearancePage(data_dir, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.model_page, self.tr("Model"))
        self.tabs.addTab(self.generation_page, self.tr("Generation"))
        self.tabs.addTab(self.downloads_page, self.tr("Downloads"))
        self.tabs.addTab(self.appearance_page, self.tr("Appearance"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.buttons)
        for page in self._pages():
            page.load(settings)

    def _pages(self) -> tuple[ModelPage, GenerationPage, DownloadsPage, AppearancePage]:
        return (self.model_page, self.generation_page, self.downloads_page, self.appearance_page)

    def edited_settings(self) -> Settings:
        settings = self._settings
        for page in self._pages():
            settings = page.apply(settings)
        return settings

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.settings_accepted.emit(self.edited_settings())
        self.accept()
