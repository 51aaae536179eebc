"""The composition root: builds the services, hands them to the window, runs the event loop.

Nothing here imports an inference library: the engine imports llama.cpp or OpenVINO lazily, on
the worker thread, when the first model loads, so the window is on screen before that.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app.api_bridge import EngineChatService, LocalApi
from app.chat.controller import ChatController
from app.chat.math import warm_up as math_warm_up
from app.core import paths
from app.core.conversations import ConversationStore
from app.core.models.catalog import load_catalog
from app.core.models.prefill_speed import PrefillSpeeds
from app.core.models.store import ModelStore
from app.core.secrets import load_secret, server_key_name
from app.core.settings import Settings, load_settings, parse_remote_model_name, save_settings
from app.core.storage_errors import StorageError
from app.engine_bridge.client import EngineClient
from app.garbage import GuiGarbageCollector
from app.i18n import install_translator
from app.main_window import WINDOW_TITLE, MainWindow
from app.models.converter import ModelConverter
from app.models.hardware_probe import HardwareProber, Probe
from app.models.importer import ModelImporter
from app.models.library import ModelLibrary
from app.models.manager import DownloadManager
from app.tasks import TaskRunner
from app.theme import ThemeController
from app.words.storage import disk_warning_text, storage_error_text
from engine.accelerators import probe_accelerators, probe_hardware
from engine.errors import EngineError
from engine.session import Engine
from engine.types import LoadedModel
from resources import app_icon_path, bundled_models_dir

log = logging.getLogger(__name__)
WINDOW_STATE_FILE = "window.ini"
# Milliseconds after which the GUI quits by itself (smoke tests only; see _quit_by_itself).
QUIT_AFTER_ENV = "MINICPM_CHAT_QUIT_AFTER_MS"
# Late enough that the window and the first model load come first.
MATH_WARM_UP_DELAY_MS = 3000
# After the first paint and the start of the model load; the result only refines the
# download manager's advice, so nobody waits for it.
HARDWARE_PROBE_DELAY_MS = 1500
# A toolbar edit is saved this long after the last change (or when the edit is done): typing
# "2048" is one save, not one per digit. The chat uses each value at once.
QUICK_SAVE_DELAY_MS = 800


class SettingsKeeper(QObject):
    """The settings in force, the one way settings change: each change is announced once and
    written to disk. Signals:
    settings_changed(Settings)   # every consumer applies it from here, once
    """

    settings_changed = Signal(object)

    def __init__(
        self,
        settings: Settings,
        path: Path,
        parent: QObject | None = None,
        *,
        save_delay_ms: int = QUICK_SAVE_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._path = path
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(save_delay_ms)
        self._save_timer.timeout.connect(self._on_save_timer_timeout)

    @property
    def current(self) -> Settings:
        return self._settings

    @property
    def unsaved(self) -> bool:
        """A quick edit waits to be saved."""
        return self._save_timer.isActive()

    @Slot(object)
    def apply(self, settings: Settings) -> None:
        """Use `settings` now and save them now."""
        if settings == self._settings:
            self.flush()
            return
        self._settings = settings
        self._save_timer.stop()
        self._save()
        self.settings_changed.emit(settings)

    @Slot(object)
    def edit(self, settings: Settings) -> None:
        """A quick edit (a toolbar value): use it now, save it once the edits pause."""
        if settings == self._settings:
            return
        self._settings = settings
        self._save_timer.start()  # restarts: one save after the last keystroke
        self.settings_changed.emit(settings)

    @Slot()
    def flush(self) -> None:
        """Save a quick edit still waiting for its pause now (the edit is done, or closing)."""
        if self._save_timer.isActive():
            self._save_timer.stop()
            self._save()

    def _save(self) -> None:
        try:
            save_settings(self._settings, self._path)
        except OSError as exc:  # keep working with the new values; they apply to this run
            log.warning("could not save settings to %s: %s", self._path, exc)

    @Slot()
    def _on_save_timer_timeout(self) -> None:
        self._save()


@dataclass(frozen=True)
class Services:
    settings: SettingsKeeper
    store: ConversationStore
    models: ModelStore
    # The Qt face of `models`: lists, imports, deletes and converts installed models.
    library: ModelLibrary
    client: EngineClient
    controller: ChatController
    reloader: ModelReloader
    # The download queue and its worker thread (app.downloads).
    downloads: DownloadManager | None = None
    # Probes OpenVINO devices and CUDA off the GUI thread, for the downloads' advice.
    hardware_prober: HardwareProber | None = None
    # Short background jobs of the app as a whole (the math warm-up, reading attachments),
    # off the GUI thread.
    tasks: TaskRunner | None = None
    # How fast this machine reads prompts, learned from the answers (the composer's estimate).
    speeds: PrefillSpeeds | None = None
    # The local OpenAI-compatible API over the same engine worker (off unless the settings
    # turn it on; `start_local_api` starts it).
    local_api: LocalApi | None = None

    def shutdown(self) -> None:
        """Save answers in flight, free the model on its thread, close the database."""
        self.settings.flush()  # a toolbar edit still waiting to be saved
        if self.local_api is not None:
            self.local_api.stop()  # before the engine: its answers end as stopped
        self.library.cancel_conversion()  # its work folder is removed; nothing is registered
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
    library = ModelLibrary(models, ModelImporter(models), ModelConverter(models.models_dir))
    client = EngineClient(engine or Engine())
    catalog = load_catalog()  # checked at start-up: a broken catalog fails loudly
    keeper = SettingsKeeper(settings, settings_path)
    tasks = TaskRunner("background", parent=keeper)
    speeds = PrefillSpeeds()
    controller = ChatController(
        store,
        client,
        settings,
        recommended_sampling=catalog.recommended_sampling,
        tasks=tasks,
        speeds=speeds,
    )
    library.setParent(keeper)
    keeper.settings_changed.connect(controller.apply_settings)
    reloader = ModelReloader(keeper, models, client, keeper)
    # Probing RAM and CPU is cheap; the slow accelerator probes follow on a thread.
    downloads = DownloadManager(settings, catalog, probe_hardware(), parent=keeper)
    keeper.settings_changed.connect(downloads.apply_settings)
    prober = HardwareProber(hardware_probe, parent=keeper)
    prober.hardware_probed.connect(downloads.set_hardware)
    downloads.model_installed.connect(library.add_installed)
    local_api = LocalApi(EngineChatService(client, keeper), settings, keeper)
    keeper.settings_changed.connect(local_api.apply_settings)
    return Services(
        keeper,
        store,
        models,
        library,
        client,
        controller,
        reloader,
        downloads,
        prober,
        tasks=tasks,
        speeds=speeds,
        local_api=local_api,
    )


def start_local_api(services: Services) -> None:
    """Starts the local API if the settings turn it on (after the window is wired, so a port
    that is taken is said there)."""
    if services.local_api is not None:
        services.local_api.start()


def start_hardware_probe(services: Services) -> None:
    """Starts the accelerator probe on its thread; the download manager gets its result."""
    if services.hardware_prober is not None:
        services.hardware_prober.start()


def build_main_window(services: Services) -> MainWindow:
    window = MainWindow(
        services.controller,
        services.store,
        services.client,
        services.library,
        services.settings.current,
        paths.data_dir() / WINDOW_STATE_FILE,
        downloads=services.downloads,
        cpu_bf16=services.downloads.hardware.cpu_bf16 if services.downloads else None,
    )
    # Before any worker can collect the window's garbage on its own thread (app/garbage.py).
    window.garbage_collector = GuiGarbageCollector(window)
    window.settings_edited.connect(services.settings.apply)
    window.quick_settings_edited.connect(services.settings.edit)
    window.quick_edit_finished.connect(services.settings.flush)
    services.settings.settings_changed.connect(window.apply_settings)
    services.reloader.error_occurred.connect(window.show_error)
    if services.local_api is not None:
        window.attach_local_api(services.local_api)
    warning = services.store.disk_space_warning()
    if warning:
        window.show_error(disk_warning_text(warning))
    return window


def load_default_model(services: Services, window: MainWindow) -> int | None:
    """Start loading the model from the settings (or the starter) in the background."""
    # The reloader's error_occurred reaches window.show_error (wired in build_window).
    return services.reloader.load_current()


_LOAD_FIELDS = (
    "model",
    "backend",
    "device",
    "context_length",
    "cpu_threads",
    "gpu_layers",
    "openvino_precision",
    "sparse_prefill",
    "kv_cache",
)


def _load_key(settings: Settings) -> tuple[object, ...]:
    """What a load depends on. For a remote model also its server's entry (editing the server
    reloads; editing another does not) and the offline switch (turning it off loads the model
    it kept from loading). Not `servers` as a whole in `_LOAD_FIELDS`: a failed load goes back
    to those fields, and must not take back a server the person just added."""
    key = tuple(getattr(settings, name) for name in _LOAD_FIELDS)
    remote = parse_remote_model_name(settings.model)
    if remote is None:
        return key
    return (*key, settings.server(remote[0]), settings.offline)


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

    @Slot(int, object)
    def _on_client_load_failed(self, request_id: int, _problem: object) -> None:
        good = self._good
        if request_id != self._request_id or good is None:
            return
        if _load_key(good) == _load_key(self._requested):
            return  # the settings that worked before failed now: nothing better to go back to
        previous = {name: getattr(good, name) for name in _LOAD_FIELDS}
        self._keeper.apply(replace(self._keeper.current, **previous))

    def load_current(self) -> int | None:
        """Load the model of the current settings (the start-up load); its request id, or
        None when the model cannot be found (error_occurred says why)."""
        return self._load(self._keeper.current)

    def _load(self, settings: Settings) -> int | None:
        """The one place a model choice from the settings becomes a load request."""
        self._requested = settings
        if parse_remote_model_name(settings.model) is not None:
            return self._load_remote(settings)
        try:
            path = self._models.default_path(settings.model)
        except EngineError as exc:
            self._request_id = None
            self.error_occurred.emit(str(exc))
            return None
        self._request_id = self._client.load(settings.load_request(path))
        return self._request_id

    def _load_remote(self, settings: Settings) -> int | None:
        """A model on a server (Settings -> Servers): never while offline; its API key comes
        from the keyring now and goes nowhere but into the request."""
        server_name, model = parse_remote_model_name(settings.model) or ("", "")
        server = settings.server(server_name)
        self._request_id = None
        if settings.offline:
            self.error_occurred.emit(
                self.tr(
                    "{model} is on the server {server}, and remote servers are off while "
                    "working offline. Turn off “Work offline” in Settings → Downloads, or "
                    "pick a model on this computer."
                ).format(model=model, server=server_name)
            )
            return None
        if server is None:
            self.error_occurred.emit(
                self.tr(
                    "The server {server} is no longer in Settings, so {model} cannot be "
                    "loaded. Add the server again in Settings → Servers, or pick another model."
                ).format(model=model, server=server_name)
            )
            return None
        key = load_secret(server_key_name(server.name))
        self._request_id = self._client.load(settings.remote_load_request(server, model, key))
        return self._request_id


class _Startup(QObject):
    """Starts the model load from the event loop, once the window has been painted."""

    def __init__(self, services: Services, window: MainWindow) -> None:
        super().__init__(window)
        self._services = services
        self._window = window

    @Slot()
    def load_model(self) -> None:
        load_default_model(self._services, self._window)


def _warm_up_math(services: Services) -> None:
    if services.tasks is not None:
        services.tasks.start(math_warm_up)


class _QuitByItself(QObject):
    """Smoke tests of the frozen bundle (tests/installers/test_package.py) set QUIT_AFTER_ENV to
    a number of milliseconds: once the first model load has ended (loaded or failed), the window
    closes after that long through its normal close path and the app quits, so a test sees it
    start, show its window and exit with status 0. Not before the load ends: while llama.cpp
    loads a model it points the process's stderr at /dev/null (llama-cpp-python's
    suppress_stdout_stderr), and the line a test looks for would be lost."""

    def __init__(self, app: QApplication, window: MainWindow, services: Services, delay_ms: int):
        super().__init__(window)
        self._app = app
        self._window = window
        self._delay_ms = delay_ms
        services.client.model_loaded.connect(self._on_client_load_ended)
        services.client.load_failed.connect(self._on_client_load_ended)

    @Slot(int, object)
    def _on_client_load_ended(self, _request_id: int, _result: object) -> None:
        QTimer.singleShot(self._delay_ms, self._close)

    @Slot()
    def _close(self) -> None:
        print(
            f"{QUIT_AFTER_ENV}: the window was visible: {self._window.isVisible()}",
            file=sys.stderr,
            flush=True,
        )
        self._window.close()
        self._app.quit()


def _quit_by_itself(app: QApplication, window: MainWindow, services: Services) -> None:
    delay = os.environ.get(QUIT_AFTER_ENV, "")
    if delay.isdigit():
        _QuitByItself(app, window, services, int(delay))  # the window owns it, as _Startup


def run_app(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication(list(argv) if argv is not None else sys.argv)
    app.setApplicationName(WINDOW_TITLE)
    app.setApplicationDisplayName(WINDOW_TITLE)
    app.setWindowIcon(QIcon(str(app_icon_path())))
    try:
        services = build_services()
    except StorageError as exc:
        QMessageBox.critical(None, WINDOW_TITLE, storage_error_text(exc))
        return 1
    install_translator(app, services.settings.current.language)  # before any widget is made
    theme = ThemeController(app, services.settings.current.theme)
    services.settings.settings_changed.connect(theme.apply_settings)
    window = build_main_window(services)
    window.show()
    _quit_by_itself(app, window, services)
    startup = _Startup(services, window)
    QTimer.singleShot(0, startup.load_model)
    QTimer.singleShot(0, partial(start_local_api, services))
    QTimer.singleShot(MATH_WARM_UP_DELAY_MS, partial(_warm_up_math, services))
    QTimer.singleShot(HARDWARE_PROBE_DELAY_MS, partial(start_hardware_probe, services))
    try:
        return app.exec()
    finally:
        services.shutdown()
