"""`MainWindow`: lays out the chat list, the chat and the toolbar, and wires their signals.

Feature logic lives in the features (`app.chat`, `app.conversations`); this file only places
them and connects one to another.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QMainWindow, QSplitter, QToolBar, QWidget

from app.about import AboutDialog
from app.api_bridge import LocalApi
from app.chat.chat_view import ChatView
from app.chat.controller import ChatController
from app.conversations.panel import ConversationPanel
from app.core import paths
from app.core.conversations import ConversationStore
from app.core.licenses import read_licenses
from app.core.models.store import model_name
from app.core.settings import Settings
from app.core.version import app_version
from app.engine_bridge.client import EngineClient
from app.engine_bridge.names import model_display_name
from app.models.banner import FirstRunBanner
from app.models.drop_target import ModelDropTarget
from app.models.library import ModelLibrary
from app.models.manager import DownloadManager
from app.models.window import ModelsWindow
from app.settings.dialog import SettingsDialog
from app.shortcuts import MainShortcuts
from app.status_bar import MainStatusBar, bf16_unavailable, precision_note
from app.toolbar import MainToolbar
from app.window_state import WindowState
from app.words.load import engine_error_text, load_notes_text
from engine.errors import Problem
from engine.load_notes import LoadNote
from engine.types import GenerationStats, LoadedModel

WINDOW_TITLE = "MiniCPM Chat"


class MainWindow(QMainWindow):
    """Signals:
    settings_edited(Settings)         # the settings dialog's OK: use and save them now
    quick_settings_edited(Settings)   # a toolbar value changed: use it now, save it soon
    quick_edit_finished()             # the toolbar edit is done (Enter, focus left, closing):
                                      # save what waits to be saved now
    The window applies settings only when they come back through `apply_settings` (from the
    settings keeper's settings_changed), once.
    """

    settings_edited = Signal(object)
    quick_settings_edited = Signal(object)
    quick_edit_finished = Signal()

    def __init__(
        self,
        controller: ChatController,
        store: ConversationStore,
        client: EngineClient,
        library: ModelLibrary,
        settings: Settings,
        state_path: Path,
        parent: QWidget | None = None,
        *,
        downloads: DownloadManager | None = None,
        cpu_bf16: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.setObjectName("mainWindow")
        self._controller = controller
        self._client = client
        self._library = library
        self._settings = settings
        self._cpu_bf16 = cpu_bf16
        self.settings_dialog: SettingsDialog | None = None
        self._local_api: LocalApi | None = None
        self.about_dialog: AboutDialog | None = None
        self._state = WindowState(state_path)
        self._shown_once = False
        # Set by the composition root (app/garbage.py); held here so it lives as the window does.
        self.garbage_collector: QObject | None = None
        # Dropped models are imported through the library, like those of the Models window.
        self.drop_target = ModelDropTarget(self, library)

        self.conversations = ConversationPanel(store, self)
        self.chat = ChatView(controller, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.conversations)
        self.splitter.addWidget(self.chat)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([260, 740])
        self.setCentralWidget(self.splitter)
        self._build_toolbar()
        self._build_status_bar()
        self._build_downloads(downloads)
        self.shortcuts = MainShortcuts(self)
        self._wire()
        self._state.restore(self, self.splitter)
        self.apply_settings(settings)
        self.chat.focus_composer()

    # -- layout ----------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        toolbar = MainToolbar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar
        self.model_label = toolbar.model_label
        self.load_progress = toolbar.load_progress
        self.temperature = toolbar.temperature
        self.max_tokens = toolbar.max_tokens
        self.temperature.valueChanged.connect(self._on_temperature_value_changed)
        self.temperature.editingFinished.connect(self._on_quick_parameter_editing_finished)
        self.max_tokens.valueChanged.connect(self._on_max_tokens_value_changed)
        self.max_tokens.editingFinished.connect(self._on_quick_parameter_editing_finished)
        self.settings_action = toolbar.settings_action
        self.settings_action.triggered.connect(self._on_settings_action_triggered)
        self.models_action = toolbar.models_action
        self.models_action.triggered.connect(self._on_models_action_triggered)
        self.about_action = toolbar.about_action
        self.about_action.triggered.connect(self._on_about_action_triggered)

    # -- models (app.models) ---------------------------------------------------------------

    def _build_downloads(self, downloads: DownloadManager | None) -> None:
        """The Models window and the first-run card."""
        self._downloads = downloads
        self.models_window: ModelsWindow | None = None
        self.first_run_banner: FirstRunBanner | None = None
        if downloads is None:
            return
        downloads.model_installed.connect(self._on_downloads_model_installed)
        banner = FirstRunBanner(downloads, self._library.store, self)
        banner.download_started.connect(self._on_first_run_banner_download_started)
        banner.dismissed.connect(self._on_first_run_banner_dismissed)
        self.first_run_banner = banner
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self._first_run_bar = QToolBar(self.tr("Recommended model"), self)
        self._first_run_bar.setObjectName("firstRunBar")
        self._first_run_bar.setMovable(False)
        self._first_run_bar.setFloatable(False)
        self._first_run_bar.addWidget(banner)
        self._first_run_bar.setVisible(banner.wanted)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self._first_run_bar)

    def open_models_window(self) -> ModelsWindow:
        """Show the Models window (non-modal): installed models, catalog and downloads."""
        if self.models_window is None:
            self.models_window = ModelsWindow(self._library, self._downloads, self)
            self.models_window.model_chosen.connect(self._on_models_window_model_chosen)
        self.models_window.show()
        self.models_window.raise_()
        self.models_window.activateWindow()
        return self.models_window

    @Slot()
    def _on_models_action_triggered(self) -> None:
        self.open_models_window()

    @Slot()
    def _on_settings_dialog_models_window_requested(self) -> None:
        self.open_models_window().show_installed()

    @Slot(str)
    def _on_first_run_banner_download_started(self, item_id: str) -> None:
        self._first_run_bar.setVisible(False)
        window = self.open_models_window()
        window.show_downloads()
        if window.panel is not None:
            window.panel.select(item_id)

    @Slot()
    def _on_first_run_banner_dismissed(self) -> None:
        self._first_run_bar.setVisible(False)

    @Slot(str)
    def _on_downloads_model_installed(self, path: str) -> None:
        # The settings page and ModelStore list models from disk, so it shows there at once.
        if self.first_run_banner is not None:
            self._first_run_bar.setVisible(False)
        self.statusBar().showMessage(
            self.tr("Installed {name}. Choose it in Settings → Model.").format(
                name=Path(path).name
            ),
            10_000,
        )

    # -- status bar ------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        bar = MainStatusBar(self)
        self.setStatusBar(bar)
        self._status_bar = bar
        self.status_model = bar.status_model
        self.status_context = bar.status_context
        self.status_speed = bar.status_speed
        self.status_memory = bar.status_memory
        self.status_api = bar.status_api

    def attach_local_api(self, local_api: LocalApi) -> None:
        """Shows the local API's address and when it answers; a start that failed (the port is
        taken) is said in the chat, and the app goes on without the API."""
        self._local_api = local_api
        local_api.api_started.connect(self._status_bar.show_api)
        local_api.api_stopped.connect(self._status_bar.hide_api)
        local_api.start_failed.connect(self._on_local_api_start_failed)
        local_api.service.api_generation_started.connect(self._status_bar.show_api_answering)
        local_api.service.api_generation_finished.connect(self._status_bar.show_api_idle)

    def _wire(self) -> None:
        panel, controller, client = self.conversations, self._controller, self._client
        panel.conversation_selected.connect(controller.open_conversation)
        panel.new_chat_requested.connect(self._on_conversations_new_chat_requested)
        panel.conversation_deleted.connect(controller.forget_conversation)
        panel.error_occurred.connect(self.chat.show_error)
        controller.conversation_created.connect(self._on_controller_conversation_created)
        controller.conversation_opened.connect(panel.select)
        controller.conversation_updated.connect(panel.on_conversation_changed)
        controller.busy_changed.connect(self.shortcuts.stop.setEnabled)
        controller.context_raise_requested.connect(self._on_controller_context_raise_requested)
        self.shortcuts.new_chat.activated.connect(self._on_conversations_new_chat_requested)
        self.shortcuts.search.activated.connect(self.conversations.focus_search)
        self.shortcuts.composer.activated.connect(self.chat.focus_composer)
        self.shortcuts.stop.activated.connect(controller.stop)
        self.drop_target.models_dropped.connect(self._status_bar.show_importing)
        self.chat.answer_finished.connect(self._on_chat_answer_finished)
        self.chat.context_streamed.connect(self._on_chat_context_streamed)
        client.load_started.connect(self._on_client_load_started)
        client.model_loaded.connect(self._on_client_model_loaded)
        client.load_failed.connect(self._on_client_load_failed)
        client.load_fell_back.connect(self._on_client_load_fell_back)
        self._library.model_imported.connect(self._on_library_model_imported)
        self._library.import_failed.connect(self._on_library_import_failed)
        self._library.models_changed.connect(self._on_library_models_changed)

    # -- requests --------------------------------------------------------------------------

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        """The settings in force (from the keeper): shown here; the chat gets them from the
        keeper too, not through the window."""
        self._settings = settings
        self.toolbar.show_values(settings.temperature, settings.max_new_tokens)

    def show_error(self, message: str) -> None:
        self.chat.show_error(message)

    def open_settings(self) -> SettingsDialog:
        """Show the settings dialog (window-modal, without blocking the event loop)."""
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            self.settings_dialog.activateWindow()
            return self.settings_dialog
        self.save_quick_parameters()  # the dialog starts from what is saved
        dialog = SettingsDialog(
            self._settings, self._library.store, paths.data_dir(), self, cpu_bf16=self._cpu_bf16
        )
        dialog.settings_accepted.connect(self._on_settings_dialog_settings_accepted)
        dialog.models_window_requested.connect(self._on_settings_dialog_models_window_requested)
        dialog.finished.connect(self._on_settings_dialog_finished)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def open_about(self) -> AboutDialog:
        """Show the About dialog (non-modal; one at a time). The version and the license list
        are read when it opens: both are small files."""
        if self.about_dialog is None:
            self.about_dialog = AboutDialog(app_version(), read_licenses(), paths.data_dir(), self)
            self.about_dialog.finished.connect(self._on_about_dialog_finished)
        self.about_dialog.show()
        self.about_dialog.raise_()
        self.about_dialog.activateWindow()
        return self.about_dialog

    # -- window state ----------------------------------------------------------------------

    def save_state(self) -> None:
        self._state.save(self, self.splitter)

    def save_quick_parameters(self) -> None:
        """A toolbar edit still waiting to be saved is saved now."""
        self.quick_edit_finished.emit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.save_quick_parameters()
        self.save_state()
        self._status_bar.memory_timer.stop()
        self._library.cancel_conversion()  # its work folder is removed; nothing is registered
        super().closeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.chat.focus_composer()

    # -- slots -----------------------------------------------------------------------------

    @Slot()
    def _on_settings_action_triggered(self) -> None:
        self.open_settings()

    @Slot()
    def _on_about_action_triggered(self) -> None:
        self.open_about()

    @Slot(int)
    def _on_about_dialog_finished(self, _result: int) -> None:
        if self.about_dialog is not None:
            self.about_dialog.deleteLater()
            self.about_dialog = None

    @Slot(object)
    def _on_settings_dialog_settings_accepted(self, settings: Settings) -> None:
        if settings != self._settings:
            # The keeper saves them and announces them; the window, the chat and the model
            # reloader each apply them from there, once.
            self.settings_edited.emit(settings)
        if self._local_api is not None:
            # The Local API page may have changed the key in the keyring, not a setting.
            self._local_api.reload_key()

    @Slot(str)
    def _on_local_api_start_failed(self, message: str) -> None:
        self._status_bar.hide_api()
        self.chat.show_error(message)

    @Slot(str)
    def _on_models_window_model_chosen(self, name: str) -> None:
        if name != self._settings.model:
            self.settings_edited.emit(replace(self._settings, model=name))

    @Slot(int)
    def _on_settings_dialog_finished(self, _result: int) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()
            self.settings_dialog = None

    @Slot()
    def _on_conversations_new_chat_requested(self) -> None:
        self._controller.new_conversation()
        self.conversations.select(0)
        self.chat.focus_composer()

    @Slot(int)
    def _on_controller_conversation_created(self, conversation_id: int) -> None:
        self.conversations.refresh()
        self.conversations.select(conversation_id)

    @Slot(int)
    def _on_controller_context_raise_requested(self, tokens: int) -> None:
        # Through the settings, like the Model page: saved, and the model reloads with it.
        if tokens != self._settings.context_length:
            self.settings_edited.emit(replace(self._settings, context_length=tokens))

    @Slot(float)
    def _on_temperature_value_changed(self, value: float) -> None:
        self._edit_settings(temperature=round(value, 2))

    @Slot(int)
    def _on_max_tokens_value_changed(self, value: int) -> None:
        self._edit_settings(max_new_tokens=value)

    @Slot()
    def _on_quick_parameter_editing_finished(self) -> None:
        self.save_quick_parameters()

    @Slot(int, str)
    def _on_client_load_started(self, _request_id: int, name: str) -> None:
        self.toolbar.show_loading(name)
        self._status_bar.show_loading(name)

    @Slot(int, object)
    def _on_client_model_loaded(self, _request_id: int, loaded: LoadedModel) -> None:
        name = model_display_name(loaded)
        note = precision_note(self._settings.openvino_precision, loaded)
        self.toolbar.show_loaded(name, str(loaded.info.path))
        self._status_bar.show_loaded(name, loaded, note)
        for warning in loaded.warnings:
            self.chat.show_error(warning)
        if bf16_unavailable(self._settings.openvino_precision, loaded):
            self.chat.show_error(note)
        self._library.set_in_use(loaded.info.path)

    @Slot(int, object)
    def _on_client_load_failed(self, _request_id: int, problem: Problem) -> None:
        self.toolbar.show_load_failed()
        self._status_bar.show_load_failed()
        self.chat.show_error(
            self.tr("The model could not be loaded: {message}").format(
                message=engine_error_text(problem)
            )
        )

    @Slot(int, object)
    def _on_client_load_fell_back(self, _request_id: int, notes: tuple[LoadNote, ...]) -> None:
        text = load_notes_text(notes)
        self.chat.show_error(text)
        self._status_bar.show_load_notes(text)

    @Slot(str, str)
    def _on_library_model_imported(self, _source: str, target: str) -> None:
        name = model_name(Path(target))
        message = self.tr("Imported {name}. Choose it in Settings → Model.").format(name=name)
        self.status_model.setText(message)
        if self.settings_dialog is None and not self._models_window_visible():
            self.chat.show_error(message)

    @Slot(str, str)
    def _on_library_import_failed(self, source: str, message: str) -> None:
        self.chat.show_error(
            self.tr("{name} was not imported: {error}").format(
                name=Path(source).name, error=message
            )
        )

    @Slot(object)
    def _on_chat_answer_finished(self, stats: GenerationStats) -> None:
        self._status_bar.show_answer(stats)

    @Slot(int)
    def _on_chat_context_streamed(self, tokens: int) -> None:
        self._status_bar.show_context_streamed(tokens)

    @Slot()
    def _on_library_models_changed(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.model_page.refresh_models()

    # -- helpers ---------------------------------------------------------------------------

    def _edit_settings(self, **changes: object) -> None:
        """A toolbar edit: the keeper announces it at once (the chat uses it) and saves it
        once the edit settles."""
        settings = replace(self._settings, **changes)  # type: ignore[arg-type]
        if settings != self._settings:
            self._settings = settings
            self.quick_settings_edited.emit(settings)

    def _models_window_visible(self) -> bool:
        return self.models_window is not None and self.models_window.isVisible()
