"""`MainWindow`: lays out the chat list, the chat and the toolbar, and wires their signals.

Feature logic lives in the features (`app.chat`, `app.conversations`); this file only places
them and connects one to another.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QSettings, Qt, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import QMainWindow, QSplitter, QToolBar, QWidget

from app.chat.chat_view import ChatView
from app.chat.controller import ChatController
from app.conversations.panel import ConversationPanel
from app.core import paths
from app.core.conversations import ConversationStore
from app.core.models.store import model_name
from app.core.settings import Settings
from app.engine_bridge.client import EngineClient, model_display_name
from app.models.banner import FirstRunBanner
from app.models.library import ModelLibrary
from app.models.manager import DownloadManager
from app.models.window import ModelsWindow, dropped_models
from app.settings.dialog import SettingsDialog
from app.status_bar import MainStatusBar
from app.toolbar import MainToolbar
from app.words.load import engine_error_text, load_notes_text
from engine.errors import Problem
from engine.loading import LoadNote
from engine.session import LoadedModel
from engine.types import GenerationStats

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
        self._state = QSettings(str(state_path), QSettings.Format.IniFormat)
        self._loaded: LoadedModel | None = None
        self._context_used = 0
        self._shown_once = False
        # Set by the composition root (app/garbage.py); held here so it lives as the window does.
        self.garbage_collector: QObject | None = None
        # Dropped models are imported through the library, like those of the Models window.
        self.setAcceptDrops(True)

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
        self._build_shortcuts()
        self._wire()
        self._restore_state()
        self.apply_settings(settings)
        self.chat.focus_composer()

    # -- layout ----------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        toolbar = MainToolbar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar
        self.model_label = toolbar.model_label
        self.load_progress = toolbar.load_progress
        self._load_progress_action = toolbar.load_progress_action
        self.temperature = toolbar.temperature
        self.max_tokens = toolbar.max_tokens
        self.temperature.valueChanged.connect(self._on_temperature_value_changed)
        self.temperature.editingFinished.connect(self._on_quick_parameter_editing_finished)
        self.max_tokens.valueChanged.connect(self._on_max_tokens_value_changed)
        self.max_tokens.editingFinished.connect(self._on_quick_parameter_editing_finished)
        self.settings_action = QAction(self.tr("Settings…"), self)
        self.settings_action.setObjectName("settingsAction")
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.settings_action.setToolTip(
            self.tr("Model, generation and appearance settings (Ctrl+,)")
        )
        self.settings_action.triggered.connect(self._on_settings_action_triggered)
        toolbar.addAction(self.settings_action)

    # -- models (app.models) ---------------------------------------------------------------

    def _build_downloads(self, downloads: DownloadManager | None) -> None:
        """The "Models…" action, the Models window and the first-run card."""
        self._downloads = downloads
        self.models_window: ModelsWindow | None = None
        self.first_run_banner: FirstRunBanner | None = None
        self.models_action = QAction(self.tr("Models…"), self)
        self.models_action.setObjectName("modelsAction")
        self.models_action.setToolTip(self.tr("Import, delete, convert and download models"))
        self.models_action.triggered.connect(self._on_models_action_triggered)
        toolbar = self.findChild(QToolBar, "mainToolbar")
        if toolbar is not None:
            toolbar.insertAction(self.settings_action, self.models_action)
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

    def _build_shortcuts(self) -> None:
        def shortcut(keys: QKeySequence | str, slot: object) -> QShortcut:
            item = QShortcut(QKeySequence(keys), self)
            item.setContext(Qt.ShortcutContext.WindowShortcut)
            item.activated.connect(slot)
            return item

        self.new_chat_shortcut = shortcut("Ctrl+N", self._on_new_chat_shortcut_activated)
        self.search_shortcut = shortcut("Ctrl+F", self._on_search_shortcut_activated)
        self.composer_shortcut = shortcut("Ctrl+L", self._on_composer_shortcut_activated)
        self.stop_shortcut = shortcut("Esc", self._on_stop_shortcut_activated)
        # Only while an answer streams, so Esc still cancels a rename or clears a search.
        self.stop_shortcut.setEnabled(False)

    def _wire(self) -> None:
        panel, controller, client = self.conversations, self._controller, self._client
        panel.conversation_selected.connect(controller.open_conversation)
        panel.new_chat_requested.connect(self._on_conversations_new_chat_requested)
        panel.conversation_deleted.connect(controller.forget_conversation)
        panel.error_occurred.connect(self.chat.show_error)
        controller.conversation_created.connect(self._on_controller_conversation_created)
        controller.conversation_opened.connect(panel.select)
        controller.conversation_updated.connect(panel.on_conversation_changed)
        controller.busy_changed.connect(self.stop_shortcut.setEnabled)
        self.chat.answer_finished.connect(self._on_chat_answer_finished)
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

    # -- window state ----------------------------------------------------------------------

    def _restore_state(self) -> None:
        geometry = self._state.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 720)
        splitter = self._state.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def save_state(self) -> None:
        self._state.setValue("window/geometry", self.saveGeometry())
        self._state.setValue("window/splitter", self.splitter.saveState())
        self._state.sync()

    def save_quick_parameters(self) -> None:
        """A toolbar edit still waiting to be saved is saved now."""
        self.quick_edit_finished.emit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.save_quick_parameters()
        self.save_state()
        self._status_bar.memory_timer.stop()
        self._library.cancel_conversion()  # its work folder is removed; nothing is registered
        super().closeEvent(event)

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
        self._library.import_models(models)
        self.status_model.setText(
            self.tr("Importing {name}…").format(name=", ".join(p.name for p in models))
        )

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.chat.focus_composer()

    # -- slots -----------------------------------------------------------------------------

    @Slot()
    def _on_new_chat_shortcut_activated(self) -> None:
        self._on_conversations_new_chat_requested()

    @Slot()
    def _on_search_shortcut_activated(self) -> None:
        self.conversations.focus_search()

    @Slot()
    def _on_composer_shortcut_activated(self) -> None:
        self.chat.focus_composer()

    @Slot()
    def _on_settings_action_triggered(self) -> None:
        self.open_settings()

    @Slot(object)
    def _on_settings_dialog_settings_accepted(self, settings: Settings) -> None:
        if settings != self._settings:
            # The keeper saves them and announces them; the window, the chat and the model
            # reloader each apply them from there, once.
            self.settings_edited.emit(settings)

    @Slot(int)
    def _on_settings_dialog_finished(self, _result: int) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()
            self.settings_dialog = None

    @Slot()
    def _on_stop_shortcut_activated(self) -> None:
        self._controller.stop()

    @Slot()
    def _on_conversations_new_chat_requested(self) -> None:
        self._controller.new_conversation()
        self.conversations.select(0)
        self.chat.focus_composer()

    @Slot(int)
    def _on_controller_conversation_created(self, conversation_id: int) -> None:
        self.conversations.refresh()
        self.conversations.select(conversation_id)

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
        self._loaded = None
        self.model_label.setText(self.tr("Loading {name}…").format(name=name))
        self._load_progress_action.setVisible(True)
        self.load_progress.setVisible(True)
        self.status_model.setText(self.tr("Loading {name}…").format(name=name))
        self._show_context()

    @Slot(int, object)
    def _on_client_model_loaded(self, _request_id: int, loaded: LoadedModel) -> None:
        self._loaded = loaded
        self._context_used = 0
        self._load_progress_action.setVisible(False)
        name = model_display_name(loaded)
        self.model_label.setText(name)
        self.model_label.setToolTip(str(loaded.info.path))
        parts = [name, loaded.backend, loaded.device]
        if loaded.precision:
            parts.append(loaded.precision)
        self.status_model.setText(" · ".join(parts))
        self._show_context()
        for warning in loaded.warnings:
            self.chat.show_error(warning)
        self.status_model.setToolTip(self._precision_note(loaded))
        if self._bf16_unavailable(loaded):
            self.chat.show_error(self._precision_note(loaded))
        self._library.set_in_use(loaded.info.path)

    def _precision_note(self, loaded: LoadedModel) -> str:
        if not loaded.precision:
            return ""
        if self._bf16_unavailable(loaded):
            return self.tr(
                "This CPU has no bf16 arithmetic, so OpenVINO computes in exact f32 instead."
            )
        return self.tr("OpenVINO computes in {precision}.").format(precision=loaded.precision)

    def _bf16_unavailable(self, loaded: LoadedModel) -> bool:
        """Fast (bf16) was asked for, but the plugin compiled f32: this CPU has no bf16."""
        return self._settings.openvino_precision == "bf16" and loaded.precision.startswith("f32")

    @Slot(int, object)
    def _on_client_load_failed(self, _request_id: int, problem: Problem) -> None:
        self._loaded = None
        self._load_progress_action.setVisible(False)
        self.model_label.setText(self.tr("No model loaded"))
        self.status_model.setText(self.tr("The model could not be loaded"))
        self.chat.show_error(
            self.tr("The model could not be loaded: {message}").format(
                message=engine_error_text(problem)
            )
        )

    @Slot(int, object)
    def _on_client_load_fell_back(self, _request_id: int, notes: tuple[LoadNote, ...]) -> None:
        text = load_notes_text(notes)
        self.chat.show_error(text)
        self.status_model.setToolTip(text)

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
        self._context_used = stats.prompt_tokens + stats.generated_tokens
        self._show_context()
        self._status_bar.show_speed(stats.decode_tokens_per_s)

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

    def _show_context(self) -> None:
        available = self._loaded.context_length if self._loaded else 0
        self._status_bar.show_context(self._context_used, available)
