"""`SettingsDialog`: the pages in tabs, OK and Cancel.

The Servers page and the Model page meet here: servers edited on one are listed on the other,
and the offline switch of the Downloads page reaches both before OK. API keys go to the
keyring on OK (`ServersPage.commit_keys`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QVBoxLayout, QWidget

from app.core.models.store import ModelStore
from app.core.settings import Settings
from app.settings.api_page import ApiPage
from app.settings.appearance_page import AppearancePage
from app.settings.generation_page import GenerationPage
from app.settings.hub_page import DownloadsPage
from app.settings.model_page import ModelPage
from app.settings.servers_page import ServersPage
from app.tasks import TaskRunner


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
        runner: TaskRunner | None = None,
    ) -> None:
        """`runner`: lists servers' models and tests connections in the background (else the
        dialog's own; the app may pass its long-lived one)."""
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(480)
        self._settings = settings
        # Two threads: a slow server's listing does not hold up another's Test connection.
        self._runner = runner or TaskRunner("settings", max_threads=2, parent=self)
        self.model_page = ModelPage(models, self, cpu_bf16, runner=self._runner)
        self.model_page.models_window_requested.connect(self.models_window_requested)
        self.generation_page = GenerationPage(self)
        self.downloads_page = DownloadsPage(self)
        self.servers_page = ServersPage(self, runner=self._runner)
        self.servers_page.servers_edited.connect(self._on_servers_page_servers_edited)
        self.servers_page.models_listed.connect(self.model_page.add_listing)
        self.downloads_page.offline.toggled.connect(self._on_offline_toggled)
        self.appearance_page = AppearancePage(data_dir, self)
        self.api_page = ApiPage(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.model_page, self.tr("Model"))
        self.tabs.addTab(self.generation_page, self.tr("Generation"))
        self.tabs.addTab(self.servers_page, self.tr("Servers"))
        self.tabs.addTab(self.downloads_page, self.tr("Downloads"))
        self.tabs.addTab(self.appearance_page, self.tr("Appearance"))
        self.tabs.addTab(self.api_page, self.tr("Local API"))
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

    def _pages(
        self,
    ) -> tuple[ModelPage, GenerationPage, DownloadsPage, AppearancePage, ApiPage, ServersPage]:
        # The Servers page last: a chosen model of a renamed server follows the new name.
        return (
            self.model_page,
            self.generation_page,
            self.downloads_page,
            self.appearance_page,
            self.api_page,
            self.servers_page,
        )

    def edited_settings(self) -> Settings:
        settings = self._settings
        for page in self._pages():
            settings = page.apply(settings)
        return settings

    @Slot()
    def _on_buttons_accepted(self) -> None:
        settings = self.edited_settings()  # before the keys move: renames are still known
        problem = self.servers_page.commit_keys()
        if problem:  # a key that cannot be kept: say so where it was typed
            self.tabs.setCurrentWidget(self.servers_page)
            self.servers_page.key_status.setText(problem)
            return
        self.settings_accepted.emit(settings)
        self.accept()

    @Slot(object)
    def _on_servers_page_servers_edited(self, servers: object) -> None:
        self.model_page.set_servers(self.servers_page.servers(), self.servers_page.typed_keys())

    @Slot(bool)
    def _on_offline_toggled(self, offline: bool) -> None:
        self.servers_page.set_offline(offline)
        self.model_page.set_offline(offline)
