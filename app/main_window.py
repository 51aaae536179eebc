"""`MainWindow`: lays out the chat list, the chat and the toolbar, and wires their signals.

Feature logic lives in the features (`app.chat`, `app.conversations`); this file only places
them and connects one to another.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import psutil
from PySide6.QtCore import QByteArray, QObject, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QToolBar,
    QWidget,
)

from app.chat.chat_view import ChatView
from app.chat.controller import ChatController
from app.conversations.panel import ConversationPanel
from app.core import paths
from app.core.conversations import ConversationStore
from app.core.models.store import ModelStore, model_name
from app.core.settings import Settings
from app.engine_bridge.client import EngineClient, model_display_name
from app.models.banner import FirstRunBanner
from app.models.converter import ModelConverter
from app.models.importer import ModelImporter, is_importable
from app.models.manager import DownloadManager
from app.models.window import DownloadsDialog
from app.settings.dialog import SettingsDialog
from engine.session import LoadedModel
from engine.sizes import format_size
from engine.types import GenerationStats

WINDOW_TITLE = "MiniCPM Chat"
MEMORY_REFRESH_MS = 2000
# A toolbar edit is saved this long after the last change (or when its field loses focus):
# typing "2048" is one save, not one per digit. The chat uses each value at once.
QUICK_SAVE_DELAY_MS = 800


class MainWindow(QMainWindow):
    """Signals:
    settings_edited(Settings)   # the settings dialog changed something, or a toolbar edit
                                # settled (debounced; flushed on focus loss and on close)
    """

    settings_edited = Signal(object)

    def __init__(
        self,
        controller: ChatController,
        store: ConversationStore,
        client: EngineClient,
        models: ModelStore,
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
        self._models = models
        self._settings = settings
        self._cpu_bf16 = cpu_bf16
        self.settings_dialog: SettingsDialog | None = None
        self._state = QSettings(str(state_path), QSettings.Format.IniFormat)
        self._loaded: LoadedModel | None = None
        self._context_used = 0
        self._shown_once = False
        # Set by the composition root (app/garbage.py); held here so it lives as the window does.
        self.garbage_collector: QObject | None = None
        self._quick_save_timer = QTimer(self)
        self._quick_save_timer.setSingleShot(True)
        self._quick_save_timer.setInterval(QUICK_SAVE_DELAY_MS)
        self._quick_save_timer.timeout.connect(self._on_quick_save_timer_timeout)
        # Imports from drag and drop and from the settings dialog share one queue.
        self.model_importer = ModelImporter(models, self)
        # Outlives the settings dialog: a conversion goes on (and reports) after it closed.
        self.model_converter = ModelConverter(models.models_dir, self)
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
        toolbar = QToolBar(self.tr("Model"), self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.model_label = QLabel(self.tr("No model loaded"), toolbar)
        self.model_label.setObjectName("modelName")
        self.model_label.setContentsMargins(8, 0, 8, 0)
        self.model_label.setStyleSheet("font-weight: 600;")
        self.load_progress = QProgressBar(toolbar)
        self.load_progress.setObjectName("loadProgress")
        self.load_progress.setRange(0, 0)  # the backends report no fraction: show activity
        self.load_progress.setFixedWidth(120)
        self.load_progress.setTextVisible(False)
        self.load_progress.setVisible(False)
        toolbar.addWidget(self.model_label)
        self._load_progress_action = toolbar.addWidget(self.load_progress)
        self._load_progress_action.setVisible(False)
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(QLabel(" " + self.tr("Temperature") + " ", toolbar))
        self.temperature = QDoubleSpinBox(toolbar)
        self.temperature.setObjectName("temperature")
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setToolTip(
            self.tr("0 always picks the likeliest word; higher is more varied")
        )
        self.temperature.valueChanged.connect(self._on_temperature_value_changed)
        self.temperature.editingFinished.connect(self._on_quick_parameter_editing_finished)
        toolbar.addWidget(self.temperature)
        toolbar.addWidget(QLabel("  " + self.tr("Max tokens") + " ", toolbar))
        self.max_tokens = QSpinBox(toolbar)
        self.max_tokens.setObjectName("maxTokens")
        self.max_tokens.setRange(16, 131072)
        self.max_tokens.setSingleStep(256)
        self.max_tokens.setToolTip(self.tr("The longest answer, in tokens"))
        self.max_tokens.valueChanged.connect(self._on_max_tokens_value_changed)
        self.max_tokens.editingFinished.connect(self._on_quick_parameter_editing_finished)
        toolbar.addWidget(self.max_tokens)
        toolbar.addSeparator()
        self.settings_action = QAction(self.tr("Settings…"), self)
        self.settings_action.setObjectName("settingsAction")
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.settings_action.setToolTip(
            self.tr("Model, generation and appearance settings (Ctrl+,)")
        )
        self.settings_action.triggered.connect(self._on_settings_action_triggered)
        toolbar.addAction(self.settings_action)

    # -- downloads (app.downloads) ---------------------------------------------------------

    def _build_downloads(self, downloads: DownloadManager | None) -> None:
        """The "Models…" action, the download manager window and the first-run card."""
        self._downloads = downloads
        self.downloads_dialog: DownloadsDialog | None = None
        self.first_run_banner: FirstRunBanner | None = None
        self.downloads_action = QAction(self.tr("Models…"), self)
        self.downloads_action.setObjectName("downloadsAction")
        self.downloads_action.setToolTip(self.tr("Download models"))
        self.downloads_action.setEnabled(downloads is not None)
        self.downloads_action.triggered.connect(self._on_downloads_action_triggered)
        toolbar = self.findChild(QToolBar, "mainToolbar")
        if toolbar is not None:
            toolbar.insertAction(self.settings_action, self.downloads_action)
        if downloads is None:
            return
        downloads.model_installed.connect(self._on_downloads_model_installed)
        banner = FirstRunBanner(downloads, self._models, self)
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

    def open_downloads(self) -> DownloadsDialog | None:
        """Show the download manager window (non-modal)."""
        if self._downloads is None:
            return None
        if self.downloads_dialog is None:
            self.downloads_dialog = DownloadsDialog(self._downloads, self)
        self.downloads_dialog.show()
        self.downloads_dialog.raise_()
        self.downloads_dialog.activateWindow()
        return self.downloads_dialog

    @Slot()
    def _on_downloads_action_triggered(self) -> None:
        self.open_downloads()

    @Slot(str)
    def _on_first_run_banner_download_started(self, item_id: str) -> None:
        self._first_run_bar.setVisible(False)
        dialog = self.open_downloads()
        if dialog is not None:
            dialog.panel.select(item_id)

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
        bar = self.statusBar()
        self.status_model = QLabel(self.tr("No model"), bar)
        self.status_context = QLabel(bar)
        self.status_speed = QLabel(bar)
        self.status_memory = QLabel(bar)
        self.status_context.setToolTip(
            self.tr("Tokens the last answer used of the model's context")
        )
        self.status_speed.setToolTip(self.tr("Speed of the last answer"))
        self.status_memory.setToolTip(self.tr("Memory this app uses, the model included"))
        bar.addWidget(self.status_model, 1)
        for label in (self.status_context, self.status_speed, self.status_memory):
            bar.addPermanentWidget(label)
        self._memory_timer = QTimer(self)
        self._memory_timer.setInterval(MEMORY_REFRESH_MS)
        self._memory_timer.timeout.connect(self._on_memory_timer_timeout)
        self._memory_timer.start()
        self._on_memory_timer_timeout()
        self._show_context()

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
        self.model_importer.model_imported.connect(self._on_model_importer_model_imported)
        self.model_importer.import_failed.connect(self._on_model_importer_import_failed)

    # -- requests --------------------------------------------------------------------------

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        if self._quick_save_timer.isActive():
            # Settings from elsewhere (a failed reload's rollback) while a toolbar edit waits to
            # be saved: keep the edit; the timer still saves it.
            settings = replace(
                settings,
                temperature=round(self.temperature.value(), 2),
                max_new_tokens=self.max_tokens.value(),
            )
        self._settings = settings
        self.temperature.blockSignals(True)
        self.temperature.setValue(settings.temperature)
        self.temperature.blockSignals(False)
        self.max_tokens.blockSignals(True)
        self.max_tokens.setValue(settings.max_new_tokens)
        self.max_tokens.blockSignals(False)
        self._controller.apply_settings(settings)

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
            self._settings,
            self._models,
            paths.data_dir(),
            self,
            importer=self.model_importer,
            converter=self.model_converter,
            loaded_path=self._loaded.info.path if self._loaded else None,
            cpu_bf16=self._cpu_bf16,
        )
        dialog.settings_accepted.connect(self._on_settings_dialog_settings_accepted)
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
        """Hand on a toolbar edit still waiting for its debounce, so that it is saved now."""
        if self._quick_save_timer.isActive():
            self._quick_save_timer.stop()
            self.settings_edited.emit(self._settings)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.save_quick_parameters()
        self.save_state()
        self._memory_timer.stop()
        self.model_converter.cancel()  # its work folder is removed; nothing is registered
        super().closeEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if _dropped_models(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        models = _dropped_models(event)
        if not models:
            event.ignore()
            return
        event.acceptProposedAction()
        for path in models:
            self.model_importer.import_model(path)
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
            # The keeper saves them and calls apply_settings back; the model reloads from there.
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

    @Slot()
    def _on_quick_save_timer_timeout(self) -> None:
        self.settings_edited.emit(self._settings)

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
        if self.settings_dialog is not None:
            self.settings_dialog.model_page.set_loaded_path(loaded.info.path)

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

    @Slot(int, str)
    def _on_client_load_failed(self, _request_id: int, message: str) -> None:
        self._loaded = None
        self._load_progress_action.setVisible(False)
        self.model_label.setText(self.tr("No model loaded"))
        self.status_model.setText(self.tr("The model could not be loaded"))
        self.chat.show_error(
            self.tr("The model could not be loaded: {message}").format(message=message)
        )

    @Slot(int, object)
    def _on_client_load_fell_back(self, _request_id: int, notes: tuple[str, ...]) -> None:
        text = "\n".join(notes)
        self.chat.show_error(text)
        self.status_model.setToolTip(text)

    @Slot(str, str)
    def _on_model_importer_model_imported(self, _source: str, target: str) -> None:
        name = model_name(Path(target))
        message = self.tr("Imported {name}. Choose it in Settings → Model.").format(name=name)
        self.status_model.setText(message)
        if self.settings_dialog is None:
            self.chat.show_error(message)

    @Slot(str, str)
    def _on_model_importer_import_failed(self, source: str, message: str) -> None:
        self.chat.show_error(
            self.tr("{name} was not imported: {error}").format(
                name=Path(source).name, error=message
            )
        )

    @Slot(object)
    def _on_chat_answer_finished(self, stats: GenerationStats) -> None:
        self._context_used = stats.prompt_tokens + stats.generated_tokens
        self._show_context()
        if stats.decode_tokens_per_s > 0:
            self.status_speed.setText(
                self.tr("{speed:.1f} tokens/s").format(speed=stats.decode_tokens_per_s)
            )

    @Slot()
    def _on_memory_timer_timeout(self) -> None:
        try:
            rss = psutil.Process().memory_info().rss
        except psutil.Error:
            return
        self.status_memory.setText(self.tr("{size} in use").format(size=format_size(rss)))

    # -- helpers ---------------------------------------------------------------------------

    def _edit_settings(self, **changes: object) -> None:
        """A toolbar edit: the chat uses it at once; it is saved once the edit settles."""
        settings = replace(self._settings, **changes)  # type: ignore[arg-type]
        if settings != self._settings:
            self._settings = settings
            self._controller.apply_settings(settings)
            self._quick_save_timer.start()  # restarts: one save after the last keystroke

    def _show_context(self) -> None:
        available = self._loaded.context_length if self._loaded else 0
        if available:
            self.status_context.setText(
                self.tr("Context {used:,} / {available:,}").format(
                    used=self._context_used, available=available
                )
            )
        else:
            self.status_context.setText(self.tr("Context –"))


def _dropped_models(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    """The local .gguf files and OpenVINO IR folders being dragged in; others are ignored."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    paths_ = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths_ if is_importable(p)]
