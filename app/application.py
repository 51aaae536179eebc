"""The composition root: builds the services, hands them to the window, runs the event loop.

Nothing here imports an inference library: the engine imports llama.cpp or OpenVINO lazily, on
the worker thread, when the first model loads, so the window is on screen before that.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app.chat.controller import ChatController
from app.chat.math import warm_up as math_warm_up
from app.core import paths
from app.core.conversations import ConversationStore, StorageError
from app.core.models.catalog import load_catalog
from app.core.models.hardware import probe_accelerators, probe_hardware
from app.core.models.store import ModelStore
from app.core.settings import Settings, load_settings, save_settings
from app.engine_bridge.client import EngineClient
from app.garbage import GuiGarbageCollector
from app.i18n import install_translator
from app.main_window import WINDOW_TITLE, MainWindow
from app.models.hardware_probe import HardwareProber, Probe
from app.models.manager import DownloadManager
from app.theme import ThemeController
from engine.errors import EngineError
from engine.session import Engine, LoadedModel
from resources import app_icon_path, bundled_models_dir

log = logging.getLogger(__name__)
WINDOW_STATE_FILE = "window.ini"
# Late enough that the window and the first model load come first.
MATH_WARM_UP_DELAY_MS = 3000
# After the first paint and the start of the model load; the result only refines the
# download manager's advice, so nobody waits for it.
HARDWARE_PROBE_DELAY_MS = 1500


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
    reloader: ModelReloader
    # The download queue and its worker thread (app.downloads).
    downloads: DownloadManager | None = None
    # Probes OpenVINO devices and CUDA off the GUI thread, for the downloads' advice.
    hardware_prober: HardwareProber | None = None

    def shutdown(self) -> None:
        """Save answers in flight, free the model on its thread, close the database."""
        if self.downloads is not None:
            self.downloads.shutdown()  # pauses the download in flight; its .part stays
        self.controller.shutdown()
        self.client.shutdown()
        try:
            self.store.purge_deleted()
        except StorageError as exc:
            log.warning("could not purge deleted chats: %s", exc)
        self.store.close()


def build_services(
    engine: Engine | None = None,
    settings: Settings | None = None,
    hardware_probe: Probe = probe_accelerators,
) -> Services:
    """Everything the window needs. Tests pass a scripted `Engine`, their own settings and a
    fake accelerator probe. The probe is not started here: `start_hardware_probe` does."""
    settings_path = paths.settings_path()
    settings = settings if settings is not None else load_settings(settings_path)
    store = ConversationStore(paths.database_path())
    models = ModelStore(paths.models_dir(), bundled_models_dir())
    client = EngineClient(engine or Engine())
    catalog = load_catalog()  # checked at start-up: a broken catalog fails loudly
    controller = ChatController(
        store, client, settings, recommended_sampling=catalog.recommended_sampling
    )
    keeper = SettingsKeeper(settings, settings_path)
    reloader = ModelReloader(keeper, models, client, keeper)
    # Probing RAM and CPU is cheap; the slow accelerator probes follow on a thread.
    downloads = DownloadManager(settings, catalog, probe_hardware(), parent=keeper)
    keeper.settings_changed.connect(downloads.apply_settings)
    prober = HardwareProber(hardware_probe, parent=keeper)
    prober.hardware_probed.connect(downloads.set_hardware)
    return Services(keeper, store, models, client, controller, reloader, downloads, prober)


def start_hardware_probe(services: Services) -> None:
    """Starts the accelerator probe on its thread; the download manager gets its result."""
    if services.hardware_prober is not None:
        services.hardware_prober.start()


def build_main_window(services: Services) -> MainWindow:
    window = MainWindow(
        services.controller,
        services.store,
        services.client,
        services.models,
        services.settings.current,
        paths.data_dir() / WINDOW_STATE_FILE,
        downloads=services.downloads,
        cpu_bf16=services.downloads.hardware.cpu_bf16 if services.downloads else None,
    )
    # Before any worker can collect the window's garbage on its own thread (app/garbage.py).
    window.garbage_collector = GuiGarbageCollector(window)
    window.settings_edited.connect(services.settings.apply)
    services.settings.settings_changed.connect(window.apply_settings)
    services.reloader.error_occurred.connect(window.show_error)
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


_LOAD_FIELDS = (
    "model",
    "backend",
    "device",
    "context_length",
    "cpu_threads",
    "gpu_layers",
    "openvino_precision",
)


def _load_key(settings: Settings) -> tuple[object, ...]:
    return tuple(getattr(settings, name) for name in _LOAD_FIELDS)


class ModelReloader(QObject):
    """Reloads the model, on the worker thread, when settings that only apply at load time
    change (threads and GPU layers too: they cannot change under a loaded model).

    The engine frees the old model before loading a new one, so when a reload fails the
    settings go back to the last ones that loaded, which loads that model again; the window
    shows the error. Signals:
    error_occurred(str)   # the model to load could not be found
    """

    error_occurred = Signal(str)

    def __init__(
        self,
        keeper: SettingsKeeper,
        models: ModelStore,
        client: EngineClient,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._keeper = keeper
        self._models = models
        self._client = client
        # The start-up load uses the current settings.
        self._requested = keeper.current
        self._good: Settings | None = None
        self._request_id: int | None = None
        keeper.settings_changed.connect(self._on_keeper_settings_changed)
        client.model_loaded.connect(self._on_client_model_loaded)
        client.load_failed.connect(self._on_client_load_failed)

    @Slot(object)
    def _on_keeper_settings_changed(self, settings: Settings) -> None:
        if _load_key(settings) != _load_key(self._requested):
            self._load(settings)

    @Slot(int, object)
    def _on_client_model_loaded(self, request_id: int, _loaded: LoadedModel) -> None:
        if self._request_id is None or request_id == self._request_id:
            self._good = self._requested

    @Slot(int, str)
    def _on_client_load_failed(self, request_id: int, _message: str) -> None:
        good = self._good
        if request_id != self._request_id or good is None:
            return
        if _load_key(good) == _load_key(self._requested):
            return  # the settings that worked before failed now: nothing better to go back to
        previous = {name: getattr(good, name) for name in _LOAD_FIELDS}
        self._keeper.apply(replace(self._keeper.current, **previous))

    def _load(self, settings: Settings) -> None:
        self._requested = settings
        try:
            path = self._models.default_path(settings.model)
        except EngineError as exc:
            self._request_id = None
            self.error_occurred.emit(str(exc))
            return
        self._request_id = self._client.load(path, settings.backend, settings.load_options())


class _Startup(QObject):
    """Starts the model load from the event loop, once the window has been painted."""

    def __init__(self, services: Services, window: MainWindow) -> None:
        super().__init__(window)
        self._services = services
        self._window = window

    @Slot()
    def load_model(self) -> None:
        load_default_model(self._services, self._window)


def _warm_up_math() -> None:
    threading.Thread(target=math_warm_up, name="math-warm-up", daemon=True).start()


def run_app(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication(list(argv) if argv is not None else sys.argv)
    app.setApplicationName(WINDOW_TITLE)
    app.setApplicationDisplayName(WINDOW_TITLE)
    app.setWindowIcon(QIcon(str(app_icon_path())))
    try:
        services = build_services()
    except StorageError as exc:
        QMessageBox.critical(None, WINDOW_TITLE, str(exc))
        return 1
    install_translator(app, services.settings.current.language)  # before any widget is made
    theme = ThemeController(app, services.settings.current.theme)
    services.settings.settings_changed.connect(theme.apply_settings)
    window = build_main_window(services)
    window.show()
    startup = _Startup(services, window)
    QTimer.singleShot(0, startup.load_model)
    QTimer.singleShot(MATH_WARM_UP_DELAY_MS, _warm_up_math)
    QTimer.singleShot(HARDWARE_PROBE_DELAY_MS, partial(start_hardware_probe, services))
    try:
        return app.exec()
    finally:
        services.shutdown()
