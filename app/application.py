"""The composition root: builds the services, hands them to the window, runs the event loop.

Nothing here imports an inference library: the engine imports llama.cpp or OpenVINO lazily, on
the worker thread, when the first model loads, so the window is on screen before that.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from app.chat.controller import ChatController
from app.core import paths
from app.core.conversations import ConversationStore, StorageError
from app.core.model_store import ModelStore
from app.core.settings import Settings, load_settings, save_settings
from app.engine_bridge.client import EngineClient
from app.main_window import WINDOW_TITLE, MainWindow
from engine.errors import EngineError
from engine.session import Engine
from resources import bundled_models_dir

log = logging.getLogger(__name__)
WINDOW_STATE_FILE = "window.ini"


class SettingsKeeper(QObject):
    """The settings in force; writes each change to disk. Signals:
    settings_changed(Settings)
    """

    settings_changed = Signal(object)

    def __init__(self, settings: Settings, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._path = path

    @property
    def current(self) -> Settings:
        return self._settings

    @Slot(object)
    def apply(self, settings: Settings) -> None:
        if settings == self._settings:
            return
        self._settings = settings
        try:
            save_settings(settings, self._path)
        except OSError as exc:  # keep working with the new values; they apply to this run
            log.warning("could not save settings to %s: %s", self._path, exc)
        self.settings_changed.emit(settings)


@dataclass(frozen=True)
class Services:
    settings: SettingsKeeper
    store: ConversationStore
    models: ModelStore
    client: EngineClient
    controller: ChatController

    def shutdown(self) -> None:
        """Save answers in flight, free the model on its thread, close the database."""
        self.controller.shutdown()
        self.client.shutdown()
        try:
            self.store.purge_deleted()
        except StorageError as exc:
            log.warning("could not purge deleted chats: %s", exc)
        self.store.close()


def build_services(engine: Engine | None = None, settings: Settings | None = None) -> Services:
    """Everything the window needs. Tests pass a scripted `Engine` and their own settings."""
    settings_path = paths.settings_path()
    settings = settings if settings is not None else load_settings(settings_path)
    store = ConversationStore(paths.database_path())
    models = ModelStore(paths.models_dir(), bundled_models_dir())
    client = EngineClient(engine or Engine())
    controller = ChatController(store, client, settings)
    return Services(SettingsKeeper(settings, settings_path), store, models, client, controller)


def build_main_window(services: Services) -> MainWindow:
    window = MainWindow(
        services.controller,
        services.store,
        services.client,
        services.settings.current,
        paths.data_dir() / WINDOW_STATE_FILE,
    )
    window.settings_edited.connect(services.settings.apply)
    services.settings.settings_changed.connect(window.apply_settings)
    warning = services.store.disk_space_warning()
    if warning:
        window.show_error(warning)
    return window


def load_default_model(services: Services, window: MainWindow) -> int | None:
    """Start loading the model from the settings (or the starter) in the background."""
    settings = services.settings.current
    try:
        path = services.models.default_path(settings.model)
    except EngineError as exc:
        window.show_error(str(exc))
        return None
    return services.client.load(path, settings.backend, settings.load_options())


class _Startup(QObject):
    """Starts the model load from the event loop, once the window has been painted."""

    def __init__(self, services: Services, window: MainWindow) -> None:
        super().__init__(window)
        self._services = services
        self._window = window

    @Slot()
    def load_model(self) -> None:
        load_default_model(self._services, self._window)


def run_app(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication(list(argv) if argv is not None else sys.argv)
    app.setApplicationName(WINDOW_TITLE)
    app.setApplicationDisplayName(WINDOW_TITLE)
    try:
        services = build_services()
    except StorageError as exc:
        QMessageBox.critical(None, WINDOW_TITLE, str(exc))
        return 1
    window = build_main_window(services)
    window.show()
    startup = _Startup(services, window)
    QTimer.singleShot(0, startup.load_model)
    try:
        return app.exec()
    finally:
        services.shutdown()
