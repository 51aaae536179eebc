"""`ModelPage`: which model loads, and how (backend, device, context, threads, GPU layers,
OpenVINO precision, llama.cpp's KV cache). Importing, deleting and converting models is the
Models window's work; "Manage models…" asks for it.

After the installed models come the models of each remote server (Settings → Servers), listed
in the background on the TaskRunner when the page opens and after a successful Test
connection, and kept per server while the dialog is open. A remote model is chosen as
`remote_model_name(server, model)`; the backend, device and precision controls do not apply
to it. While offline, remote models are shown disabled."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal, Slot
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.core.models.store import InstalledModel, ModelStore
from app.core.remote_servers import ServerModels, list_server_models
from app.core.settings import (
    ServerSettings,
    Settings,
    parse_remote_model_name,
    remote_model_name,
)
from app.core.tasks import TaskOutcome
from app.settings.choices import fill, select
from app.tasks import TaskRunner
from app.words.load import engine_error_text
from engine.errors import EngineError
from engine.types import AUTO, BackendName

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
# Labels are marked for lupdate (QT_TRANSLATE_NOOP) and translated by `fill`, in the
# context of the page that shows them; product names stay as they are.
BACKENDS = (
    (QT_TRANSLATE_NOOP("ModelPage", "Automatic"), AUTO),
    ("llama.cpp", BackendName.LLAMA.value),
    ("OpenVINO", BackendName.OPENVINO.value),
)
DEVICES = (
    (QT_TRANSLATE_NOOP("ModelPage", "Automatic"), "AUTO"),
    ("CPU", "CPU"),
    (QT_TRANSLATE_NOOP("ModelPage", "GPU (OpenVINO)"), "GPU"),
    (QT_TRANSLATE_NOOP("ModelPage", "NPU (OpenVINO)"), "NPU"),
    (QT_TRANSLATE_NOOP("ModelPage", "NVIDIA GPU (CUDA)"), "CUDA"),
)
# Which devices each backend can use: llama.cpp offloads to CUDA, OpenVINO to its GPU and NPU
# plugins. "auto" picks the backend per model, so any device may apply.
BACKEND_DEVICES = {
    AUTO: frozenset(value for _label, value in DEVICES),
    BackendName.LLAMA.value: frozenset({"AUTO", "CPU", "CUDA"}),
    BackendName.OPENVINO.value: frozenset({"AUTO", "CPU", "GPU", "NPU"}),
}
# engine.precision's choices; "bf16" is disabled where the CPU has no bf16 arithmetic.
PRECISIONS = (
    (QT_TRANSLATE_NOOP("ModelPage", "Automatic (exact on CPU)"), "auto"),
    (QT_TRANSLATE_NOOP("ModelPage", "Exact (f32)"), "f32"),
    (QT_TRANSLATE_NOOP("ModelPage", "Fast (bf16)"), "bf16"),
)
# engine.kv_cache's choices for llama.cpp's KV cache.
KV_CACHES = (
    (QT_TRANSLATE_NOOP("ModelPage", "Automatic (q8_0 only where memory is short)"), "auto"),
    (QT_TRANSLATE_NOOP("ModelPage", "Full (f16)"), "f16"),
    (QT_TRANSLATE_NOOP("ModelPage", "Half the memory (q8_0)"), "q8_0"),
)
# engine.sparse_prefill's choices.
SPARSE_PREFILL = (
    (QT_TRANSLATE_NOOP("ModelPage", "Automatic (long prompts)"), "auto"),
    (QT_TRANSLATE_NOOP("ModelPage", "Always"), "always"),
    (QT_TRANSLATE_NOOP("ModelPage", "Never (dense)"), "never"),
)


def _same_path(a: Path, b: Path) -> bool:
    # Not resolved: an installed model may be a link to another one, and is not that one.
    return a.absolute() == b.absolute()


class ModelPage(QWidget):
    """Which model, and how it is loaded. Signals:
    models_window_requested()   # "Manage models…" was clicked
    """

    models_window_requested = Signal()

    def __init__(
        self,
        models: ModelStore,
        parent: QWidget | None = None,
        cpu_bf16: bool | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        """`models`: read for the list of installed models and the default one (the page
        changes no files). `cpu_bf16`: whether the CPU computes in bf16 (None: unknown, the
        choice is offered and the loaded model's info shows what OpenVINO really used).
        `runner`: lists the servers' models in the background (else the page's own)."""
        super().__init__(parent)
        self.setObjectName("modelPage")
        self._models = models
        self._loaded_index = -1
        self._runner = runner or TaskRunner("server-models", parent=self)
        self._runner.task_finished.connect(self._on_runner_task_finished)
        self._servers: tuple[ServerSettings, ...] = ()
        self._keys: dict[str, str] = {}
        # Per server name: (the address listed, its model ids) or (the address, the error).
        self._listed: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._failed: dict[str, tuple[str, str]] = {}
        self._listing: dict[int, tuple[str, str]] = {}  # task id -> (server, address)
        self._offline = False
        self._chosen_remote: str | None = None  # settings.model, when it is a remote one
        self._local_rows = 0
        form = QFormLayout(self)
        self.model = QComboBox(self)
        self.model.setObjectName("modelCombo")
        self.model.setPlaceholderText(self.tr("No model is installed"))
        self._fill_models(models.list())
        self.manage_button = QPushButton(self.tr("Manage models…"), self)
        self.manage_button.setObjectName("manageModelsButton")
        self.manage_button.setToolTip(self.tr("Import, delete, convert and download models"))
        self.manage_button.clicked.connect(self._on_manage_button_clicked)
        picker = QHBoxLayout()
        picker.addWidget(self.model, 1)
        picker.addWidget(self.manage_button)
        self.backend = QComboBox(self)
        fill(self.backend, BACKENDS, "ModelPage")
        self.device = QComboBox(self)
        fill(self.device, DEVICES, "ModelPage")
        self.device.setToolTip(
            self.tr(
                "Automatic tries the GPU first and falls back to the CPU. "
                "OpenVINO uses GPU and NPU; llama.cpp uses an NVIDIA GPU through CUDA"
            )
        )
        self.backend.currentIndexChanged.connect(self._on_backend_current_index_changed)
        self.model.currentIndexChanged.connect(self._on_model_current_index_changed)
        self.context_length = QSpinBox(self)
        self.context_length.setRange(512, 262144)
        self.context_length.setSingleStep(1024)
        self.context_length.setSuffix(self.tr(" tokens"))
        self.cpu_threads = QSpinBox(self)
        self.cpu_threads.setRange(0, 256)
        self.cpu_threads.setSpecialValueText(self.tr("Automatic"))
        self.gpu_layers = QSpinBox(self)
        self.gpu_layers.setRange(0, 999)
        self.gpu_layers.setToolTip(self.tr("llama.cpp only: layers to run on the GPU (0 = none)"))
        self.precision = QComboBox(self)
        self.precision.setObjectName("precisionCombo")
        fill(self.precision, PRECISIONS, "ModelPage")
        self._cpu_bf16 = cpu_bf16
        self.precision.setToolTip(
            self.tr(
                "OpenVINO only. Exact computes in f32: the same answers on every computer, and "
                "the fastest decoding. Fast computes in bf16 on CPUs that have it (AVX-512 BF16 "
                "or AMX): long prompts are read about twice as fast, answers differ slightly"
            )
        )
        self._enable_precisions()
        self.sparse_prefill = QComboBox(self)
        self.sparse_prefill.setObjectName("sparsePrefillCombo")
        fill(self.sparse_prefill, SPARSE_PREFILL, "ModelPage")
        self.sparse_prefill.setToolTip(
            self.tr(
                "OpenVINO only. Sparse prefill reads long prompts several times faster by "
                "letting most of the prompt attend only to its start and its recent part; "
                "the end of the prompt, where the question is, still sees everything. "
                "Automatic uses it above about 4,200 tokens, Always above about 2,200. "
                "Shorter prompts are computed exactly as without it"
            )
        )
        self.kv_cache = QComboBox(self)
        self.kv_cache.setObjectName("kvCacheCombo")
        fill(self.kv_cache, KV_CACHES, "ModelPage")
        self.kv_cache.setToolTip(
            self.tr(
                "llama.cpp only. q8_0 keeps the conversation's keys and values in 8 bits: about "
                "half the memory of f16 for the same context, with flash attention. On the CPU "
                "it reads long prompts two to three times slower and decodes up to 40 % slower; "
                "its answers differ from f16's about as much as flash attention alone changes "
                "them. Automatic keeps f16 and uses q8_0 only where an f16 cache would not fit "
                "in the free memory"
            )
        )
        self._enable_kv_caches()
        form.addRow(self.tr("Model"), picker)
        form.addRow(self.tr("Backend"), self.backend)
        form.addRow(self.tr("Device"), self.device)
        form.addRow(self.tr("Context length"), self.context_length)
        form.addRow(self.tr("CPU threads"), self.cpu_threads)
        form.addRow(self.tr("GPU layers"), self.gpu_layers)
        form.addRow(self.tr("OpenVINO precision"), self.precision)
        form.addRow(self.tr("KV cache"), self.kv_cache)
        form.addRow(self.tr("Sparse prefill"), self.sparse_prefill)

    def load(self, settings: Settings) -> None:
        self._servers = settings.servers
        self._offline = settings.offline
        chosen = settings.model if parse_remote_model_name(settings.model) else None
        self._chosen_remote = chosen
        self._fill_remote()
        self._select_model(settings.model)
        for server in self._servers:
            self._list_models(server)
        select(self.backend, settings.backend)
        self._enable_devices()
        select(self.device, settings.device)
        self.context_length.setValue(settings.context_length)
        self.cpu_threads.setValue(settings.cpu_threads)
        self.gpu_layers.setValue(settings.gpu_layers)
        select(self.precision, settings.openvino_precision)
        select(self.kv_cache, settings.kv_cache)
        self._enable_precisions()
        select(self.sparse_prefill, settings.sparse_prefill)
        self._enable_for_model()

    def apply(self, settings: Settings) -> Settings:
        model = settings.model
        if self.model.currentIndex() >= 0 and self.model.currentIndex() != self._loaded_index:
            model = self.model.currentData()
        return replace(
            settings,
            model=model,
            backend=self.backend.currentData(),
            device=self.device.currentData(),
            context_length=self.context_length.value(),
            cpu_threads=self.cpu_threads.value(),
            gpu_layers=self.gpu_layers.value(),
            openvino_precision=self.precision.currentData(),
            kv_cache=self.kv_cache.currentData(),
            sparse_prefill=self.sparse_prefill.currentData(),
        )

    def refresh_models(self) -> None:
        """Lists the installed models again (one was imported, converted, downloaded or
        deleted elsewhere), keeping the choice and whether it was touched."""
        self._refill(local=True)

    # -- remote servers --------------------------------------------------------------------

    def set_servers(
        self, servers: tuple[ServerSettings, ...], keys: dict[str, str] | None = None
    ) -> None:
        """The servers as edited on the Servers page (not applied yet), with the keys typed
        there: new or moved servers are listed, removed ones leave the list."""
        self._servers = servers
        self._keys = dict(keys or {})
        for server in servers:
            listed = self._listed.get(server.name) or self._failed.get(server.name)
            if listed is None or listed[0] != server.base_url:
                self._listed.pop(server.name, None)
                self._failed.pop(server.name, None)
                self._list_models(server)
        self._refill()

    def add_listing(self, listing: ServerModels) -> None:
        """A server's models, as Test connection found them."""
        server = next((s for s in self._servers if s.name == listing.server), None)
        if server is not None:
            self._listed[server.name] = (server.base_url, listing.models)
            self._failed.pop(server.name, None)
            self._refill()

    def set_offline(self, offline: bool) -> None:
        """Offline, remote models stay in the list, disabled; back online they are listed."""
        if offline == self._offline:
            return
        self._offline = offline
        if not offline:
            for server in self._servers:
                if server.name not in self._listed:
                    self._list_models(server)
        self._refill()

    def _list_models(self, server: ServerSettings) -> None:
        if self._offline or any(name == server.name for name, _url in self._listing.values()):
            return
        task = partial(list_server_models, server, self._keys.get(server.name))
        self._listing[self._runner.start(task)] = (server.name, server.base_url)

    @Slot(int, object)
    def _on_runner_task_finished(self, task_id: int, outcome: TaskOutcome[Any]) -> None:
        asked = self._listing.pop(task_id, None)
        if asked is None:
            return  # another page's task
        name, url = asked
        if isinstance(outcome.result, ServerModels):
            self._listed[name] = (url, outcome.result.models)
            self._failed.pop(name, None)
        elif isinstance(outcome.error, EngineError):
            self._failed[name] = (url, engine_error_text(outcome.error))
        elif outcome.error is not None:
            self._failed[name] = (url, str(outcome.error))
        self._refill()

    def _refill(self, *, local: bool = False) -> None:
        """Lists the models again (the installed ones too when `local`), keeping the choice
        and whether it was touched."""
        chosen = self._identity(self.model.currentIndex())
        untouched = self._identity(self._loaded_index)
        touched = self.model.currentIndex() != self._loaded_index
        self.model.blockSignals(True)
        if local:
            self.model.clear()
            self._fill_models(self._models.list())
        else:
            while self.model.count() > self._local_rows:
                self.model.removeItem(self.model.count() - 1)
        self._fill_remote()
        self._loaded_index = self._row_of_identity(untouched)
        row = self._row_of_identity(chosen) if touched else -1
        self.model.setCurrentIndex(row if row >= 0 else self._loaded_index)
        self.model.blockSignals(False)
        self._enable_for_model()

    def _fill_remote(self) -> None:
        """After the installed models: each server's models, the chosen one even before its
        server has answered, and a disabled line for a server that could not list them."""
        offline_tip = self.tr("Remote servers are off while working offline")
        for server in self._servers:
            listed = self._listed.get(server.name)
            models = list(listed[1]) if listed else []
            chosen = parse_remote_model_name(self._chosen_remote)
            if chosen is not None and chosen[0] == server.name and chosen[1] not in models:
                models.append(chosen[1])
            for model in models:
                label = self.tr("{model} — {server} (remote)").format(
                    model=model, server=server.name
                )
                self.model.addItem(label, remote_model_name(server.name, model))
                tip = offline_tip if self._offline else server.base_url
                self._finish_remote_row(tip, enabled=not self._offline)
            failed = self._failed.get(server.name)
            if failed is not None and not self._offline:
                self.model.addItem(
                    self.tr("{server} (remote): no models listed").format(server=server.name)
                )
                self._finish_remote_row(failed[1], enabled=False)
        self.model.setEnabled(self.model.count() > 0)

    def _finish_remote_row(self, tip: str, *, enabled: bool) -> None:
        row = self.model.count() - 1
        self.model.setItemData(row, tip, Qt.ItemDataRole.ToolTipRole)
        items = self.model.model()
        assert isinstance(items, QStandardItemModel)
        item = items.item(row)
        if item is not None:
            item.setEnabled(enabled)

    def _identity(self, row: int) -> object:
        """What a row stands for across refills: its path, or its remote model name."""
        path = self._row_path(row)
        if path is not None:
            return path.absolute()
        data = self.model.itemData(row) if row >= 0 else None
        return data if isinstance(data, str) else None

    def _row_of_identity(self, identity: object) -> int:
        if isinstance(identity, Path):
            return self._row_of(identity)
        if isinstance(identity, str):
            return self.model.findData(identity)
        return -1

    def _enable_for_model(self) -> None:
        """The backend, device, threads, GPU layers, precision, KV cache and sparse prefill
        are the server's business for a remote model."""
        remote = parse_remote_model_name(self.model.currentData()) is not None
        for control in (self.backend, self.device, self.cpu_threads, self.gpu_layers):
            control.setEnabled(not remote)
        self.sparse_prefill.setEnabled(not remote)
        self._enable_kv_caches()
        self._enable_precisions()
        if remote:
            self.kv_cache.setEnabled(False)
            self.precision.setEnabled(False)

    # -- helpers ---------------------------------------------------------------------------

    def _fill_models(self, installed: list[InstalledModel]) -> None:
        for model in installed:
            label = model.name + (self.tr(" (bundled)") if model.bundled else "")
            if model.error:
                label += self.tr(" (unusable)")
            self.model.addItem(label, model.name)
            row = self.model.count() - 1
            self.model.setItemData(row, str(model.path), PATH_ROLE)
            tip = str(model.path) + (f"\n{model.error}" if model.error else "")
            self.model.setItemData(row, tip, Qt.ItemDataRole.ToolTipRole)
        self.model.setEnabled(self.model.count() > 0)
        self._local_rows = self.model.count()

    def _select_model(self, preferred: str | None) -> None:
        if parse_remote_model_name(preferred) is not None:
            index = self.model.findData(preferred)
            self.model.setCurrentIndex(index)
            self._loaded_index = index
            return
        # None means "the default model"; show the one that would load.
        try:
            path: Path | None = self._models.default_path(preferred)
        except Exception:  # noqa: BLE001 (no model installed: nothing to select)
            path = None
        index = self._row_of(path)
        self.model.setCurrentIndex(index)
        # Untouched, the choice stays as it was (None keeps following the default).
        self._loaded_index = index

    def _row_path(self, row: int) -> Path | None:
        value = self.model.itemData(row, PATH_ROLE) if row >= 0 else None
        return Path(value) if value else None

    def _row_of(self, path: Path | None) -> int:
        if path is None:
            return -1
        for row in range(self.model.count()):
            row_path = self._row_path(row)
            if row_path is not None and _same_path(row_path, path):
                return row
        return -1

    def _enable_devices(self) -> None:
        allowed = BACKEND_DEVICES.get(self.backend.currentData(), BACKEND_DEVICES["auto"])
        items = self.device.model()
        assert isinstance(items, QStandardItemModel)
        for row in range(self.device.count()):
            item = items.item(row)
            if item is not None:
                item.setEnabled(self.device.itemData(row) in allowed)
        if self.device.currentData() not in allowed:
            select(self.device, "AUTO")

    def _enable_precisions(self) -> None:
        items = self.precision.model()
        assert isinstance(items, QStandardItemModel)
        fast = items.item(self.precision.findData("bf16"))
        if fast is not None and self._cpu_bf16 is False:
            fast.setEnabled(False)
            fast.setToolTip(self.tr("This CPU has no bf16 arithmetic (AVX-512 BF16 or AMX)"))
            if self.precision.currentData() == "bf16":
                select(self.precision, "auto")
        self.precision.setEnabled(self.backend.currentData() != BackendName.LLAMA)

    def _enable_kv_caches(self) -> None:
        # OpenVINO keeps its KV cache in f16 (engine.precision): the choice is llama.cpp's.
        self.kv_cache.setEnabled(self.backend.currentData() != BackendName.OPENVINO)

    # -- slots -----------------------------------------------------------------------------

    @Slot(int)
    def _on_backend_current_index_changed(self, _index: int) -> None:
        self._enable_devices()
        self._enable_kv_caches()
        self._enable_precisions()

    @Slot(int)
    def _on_model_current_index_changed(self, _index: int) -> None:
        self._enable_for_model()

    @Slot()
    def _on_manage_button_clicked(self) -> None:
        self.models_window_requested.emit()
