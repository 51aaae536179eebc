"""Settings pages. Each shows part of `Settings`: `load(settings)` fills the widgets and
`apply(settings)` returns a copy with the widgets' values (the rest left as it was)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Slot
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.core.models.store import IR_MARKER, InstalledModel, ModelStore, ModelStoreError
from app.core.settings import Settings
from app.models.converter import (
    ConversionCost,
    ModelConverter,
    can_convert,
    converted_name,
    default_weights,
    read_verification,
)
from app.models.importer import ModelImporter
from engine.errors import EngineError
from engine.sizes import format_size

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
# Labels are marked for lupdate (QT_TRANSLATE_NOOP) and translated by `_fill`, in the
# context of the page that shows them; product names stay as they are.
BACKENDS = (
    (QT_TRANSLATE_NOOP("ModelPage", "Automatic"), "auto"),
    ("llama.cpp", "llama"),
    ("OpenVINO", "openvino"),
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
    "auto": frozenset(value for _label, value in DEVICES),
    "llama": frozenset({"AUTO", "CPU", "CUDA"}),
    "openvino": frozenset({"AUTO", "CPU", "GPU", "NPU"}),
}
# engine.precision's choices; "bf16" is disabled where the CPU has no bf16 arithmetic.
PRECISIONS = (
    (QT_TRANSLATE_NOOP("ModelPage", "Automatic (exact on CPU)"), "auto"),
    (QT_TRANSLATE_NOOP("ModelPage", "Exact (f32)"), "f32"),
    (QT_TRANSLATE_NOOP("ModelPage", "Fast (bf16)"), "bf16"),
)
THEMES = (
    (QT_TRANSLATE_NOOP("AppearancePage", "Follow the system"), "system"),
    (QT_TRANSLATE_NOOP("AppearancePage", "Light"), "light"),
    (QT_TRANSLATE_NOOP("AppearancePage", "Dark"), "dark"),
)
# Each language under its own name, so a person can find theirs whatever the UI language.
LANGUAGES = (
    (QT_TRANSLATE_NOOP("AppearancePage", "Follow the system"), "system"),
    ("English", "en"),
    ("简体中文", "zh_CN"),
)


def _fill(combo: QComboBox, items: tuple[tuple[object, str], ...], context: str) -> None:
    """Adds the (label, value) pairs, labels translated in `context` (unmarked ones come back
    unchanged)."""
    for label, value in items:
        # str(): PySide6 types QT_TRANSLATE_NOOP as returning object; it returns the str.
        combo.addItem(QCoreApplication.translate(context, str(label)), value)


def _select(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(index if index >= 0 else 0)


class ModelPage(QWidget):
    """Which model, and how it is loaded; importing, deleting and converting models. No signals.

    Import, Delete and Prepare act at once (they change files, not settings); the model list
    follows. Prepare converts a MiniCPM GGUF into a verified OpenVINO model (ModelConverter).
    """

    def __init__(
        self,
        models: ModelStore,
        parent: QWidget | None = None,
        importer: ModelImporter | None = None,
        converter: ModelConverter | None = None,
        cpu_bf16: bool | None = None,
    ) -> None:
        """`cpu_bf16`: whether the CPU computes in bf16 (None: unknown, the choice is offered
        and the loaded model's info shows what OpenVINO really used)."""
        super().__init__(parent)
        self.setObjectName("modelPage")
        self._models = models
        self._loaded_index = -1
        self._loaded_path: Path | None = None  # the model in use: not deletable
        self._installed: list[InstalledModel] = []
        self._weights_chosen_for: Path | None = None
        self._importer = importer or ModelImporter(models, self)
        self._importer.import_started.connect(self._on_importer_import_started)
        self._importer.model_imported.connect(self._on_importer_model_imported)
        self._importer.import_failed.connect(self._on_importer_import_failed)
        self._converter = converter or ModelConverter(models.models_dir, self)
        self._converter.conversion_started.connect(self._on_converter_conversion_started)
        self._converter.conversion_progressed.connect(self._on_converter_conversion_progressed)
        self._converter.model_converted.connect(self._on_converter_model_converted)
        self._converter.conversion_failed.connect(self._on_converter_conversion_failed)
        form = QFormLayout(self)
        self.model = QComboBox(self)
        self.model.setObjectName("modelCombo")
        self._fill_models()
        self.model.currentIndexChanged.connect(self._on_model_current_index_changed)
        self.import_button = QPushButton(self.tr("Import…"), self)
        self.import_button.setObjectName("importModelButton")
        self.import_button.setToolTip(
            self.tr("Copy a .gguf file or an OpenVINO IR folder into the models folder")
        )
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.import_folder_button = QPushButton(self.tr("Import folder…"), self)
        self.import_folder_button.setObjectName("importFolderButton")
        self.import_folder_button.setToolTip(self.tr("Copy an OpenVINO IR folder in"))
        self.import_folder_button.clicked.connect(self._on_import_folder_button_clicked)
        self.delete_button = QPushButton(self.tr("Delete…"), self)
        self.delete_button.setObjectName("deleteModelButton")
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        manage = QHBoxLayout()
        manage.addWidget(self.import_button)
        manage.addWidget(self.import_folder_button)
        manage.addWidget(self.delete_button)
        manage.addStretch(1)
        self.prepare_button = QPushButton(self.tr("Prepare for Intel CPU / GPU / NPU…"), self)
        self.prepare_button.setObjectName("prepareIntelButton")
        self.prepare_button.clicked.connect(self._on_prepare_button_clicked)
        self.convert_weights = QComboBox(self)
        self.convert_weights.setObjectName("convertWeightsCombo")
        self.convert_weights.addItem(self.tr("Weights as in the file (exact)"), "keep")
        self.convert_weights.addItem(self.tr("int4 weights (smallest)"), "int4")
        self.convert_weights.addItem(self.tr("int8 weights"), "int8")
        self.convert_weights.addItem(self.tr("f16 weights (largest)"), "f16")
        self.convert_weights.setToolTip(
            self.tr("How the prepared OpenVINO model stores its weights")
        )
        self.cancel_conversion_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_conversion_button.setObjectName("cancelConversionButton")
        self.cancel_conversion_button.clicked.connect(self._on_cancel_conversion_button_clicked)
        self.conversion_progress = QProgressBar(self)
        self.conversion_progress.setObjectName("conversionProgress")
        self.conversion_progress.setRange(0, 1000)
        self.conversion_progress.setTextVisible(False)
        prepare = QHBoxLayout()
        prepare.addWidget(self.prepare_button)
        prepare.addWidget(self.convert_weights)
        prepare.addWidget(self.conversion_progress, 1)
        prepare.addWidget(self.cancel_conversion_button)
        self.manage_status = QLabel(self)
        self.manage_status.setObjectName("manageModelsStatus")
        self.manage_status.setWordWrap(True)
        self.manage_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.backend = QComboBox(self)
        _fill(self.backend, BACKENDS, "ModelPage")
        self.device = QComboBox(self)
        _fill(self.device, DEVICES, "ModelPage")
        self.device.setToolTip(
            self.tr(
                "Automatic tries the GPU first and falls back to the CPU. "
                "OpenVINO uses GPU and NPU; llama.cpp uses an NVIDIA GPU through CUDA"
            )
        )
        self.backend.currentIndexChanged.connect(self._on_backend_current_index_changed)
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
        _fill(self.precision, PRECISIONS, "ModelPage")
        self._cpu_bf16 = cpu_bf16
        self.precision.setToolTip(
            self.tr(
                "OpenVINO only. Exact computes in f32: the same answers on every computer, and "
                "the fastest decoding. Fast computes in bf16 on CPUs that have it (AVX-512 BF16 "
                "or AMX): long prompts are read about twice as fast, answers differ slightly"
            )
        )
        self._enable_precisions()
        form.addRow(self.tr("Model"), self.model)
        form.addRow("", manage)
        form.addRow("", prepare)
        form.addRow("", self.manage_status)
        form.addRow(self.tr("Backend"), self.backend)
        form.addRow(self.tr("Device"), self.device)
        form.addRow(self.tr("Context length"), self.context_length)
        form.addRow(self.tr("CPU threads"), self.cpu_threads)
        form.addRow(self.tr("GPU layers"), self.gpu_layers)
        form.addRow(self.tr("OpenVINO precision"), self.precision)
        self.model.setPlaceholderText(self.tr("No model is installed"))
        self._show_conversion(self._converter.busy)
        self._update_model_buttons()

    def load(self, settings: Settings) -> None:
        self._select_model(settings.model)
        _select(self.backend, settings.backend)
        self._enable_devices()
        _select(self.device, settings.device)
        self.context_length.setValue(settings.context_length)
        self.cpu_threads.setValue(settings.cpu_threads)
        self.gpu_layers.setValue(settings.gpu_layers)
        _select(self.precision, settings.openvino_precision)
        self._enable_precisions()

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
        )

    def _select_model(self, preferred: str | None) -> None:
        # None means "the default model"; show the one that would load.
        index = -1
        try:
            path = self._models.default_path(preferred)
        except Exception:  # noqa: BLE001 (no model installed: nothing to select)
            path = None
        if path is not None:
            for row in range(self.model.count()):
                if Path(self.model.itemData(row, PATH_ROLE)) == path:
                    index = row
                    break
        self.model.setCurrentIndex(index)
        # Untouched, the choice stays as it was (None keeps following the default).
        self._loaded_index = index

    # -- managing models -------------------------------------------------------------------

    def set_loaded_path(self, path: Path | None) -> None:
        """The model in use, which Delete refuses (load another one first)."""
        self._loaded_path = path
        self._update_model_buttons()

    def import_model(self, source: Path) -> None:
        """Validate and copy `source` in, in the background; the list follows."""
        self._importer.import_model(source)

    def delete_selected_model(self) -> bool:
        """Asks, then deletes the model chosen in the list. False when nothing was deleted."""
        model = self._selected_installed()
        if model is None:
            return False
        refusal = self._deletion_refusal(model)
        if refusal:
            self.manage_status.setText(refusal)
            return False
        answer = QMessageBox.question(
            self,
            self.tr("Delete model"),
            self.tr("Delete {name}? Its files are removed from\n{path}").format(
                name=model.name, path=str(model.path)
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            self._models.remove(model)
        except (ModelStoreError, OSError) as exc:
            self.manage_status.setText(
                self.tr("{name} could not be deleted: {error}").format(
                    name=model.name, error=str(exc)
                )
            )
            return False
        self._refill_models()
        self.manage_status.setText(self.tr("Deleted {name}.").format(name=model.name))
        return True

    def _deletion_refusal(self, model: InstalledModel) -> str:
        if model.bundled:
            return self.tr("{name} comes with the app and cannot be deleted.").format(
                name=model.name
            )
        if self._loaded_path is not None and _same_path(model.path, self._loaded_path):
            return self.tr(
                "{name} is in use. Load another model first, then delete this one."
            ).format(name=model.name)
        return ""

    def _fill_models(self) -> None:
        self._installed = self._models.list()
        for installed in self._installed:
            label = installed.name + (self.tr(" (bundled)") if installed.bundled else "")
            if installed.error:
                label += self.tr(" (unusable)")
            self.model.addItem(label, installed.name)
            row = self.model.count() - 1
            self.model.setItemData(row, str(installed.path), PATH_ROLE)
            tip = str(installed.path) + (f"\n{installed.error}" if installed.error else "")
            verification = read_verification(installed.path)
            if verification is not None:
                tip += "\n" + self._verification_text(verification)
            self.model.setItemData(row, tip, Qt.ItemDataRole.ToolTipRole)
        self.model.setEnabled(self.model.count() > 0)

    def _refill_models(self, select: Path | None = None) -> None:
        """Lists the models again, keeping the choice (and whether it was touched)."""
        chosen = self._row_path(self.model.currentIndex())
        untouched = self._row_path(self._loaded_index)
        touched = self.model.currentIndex() != self._loaded_index
        self.model.blockSignals(True)
        self.model.clear()
        self._fill_models()
        self._loaded_index = self._row_of(untouched)
        wanted = select or (chosen if touched else untouched)
        row = self._row_of(wanted)
        self.model.setCurrentIndex(row if row >= 0 or select else self._loaded_index)
        self.model.blockSignals(False)
        self._update_model_buttons()

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

    def _selected_installed(self) -> InstalledModel | None:
        path = self._row_path(self.model.currentIndex())
        for installed in self._installed:
            if path is not None and installed.path == path:
                return installed
        return None

    def _update_model_buttons(self) -> None:
        model = self._selected_installed()
        busy = self._importer.busy
        self.import_button.setEnabled(not busy)
        self.import_folder_button.setEnabled(not busy)
        refusal = self._deletion_refusal(model) if model is not None else ""
        self.delete_button.setEnabled(model is not None and not refusal)
        self.delete_button.setToolTip(refusal or self.tr("Delete the chosen model's files"))
        convertible = can_convert(model)
        if convertible and model is not None and model.path != self._weights_chosen_for:
            self._weights_chosen_for = model.path
            _select(self.convert_weights, default_weights(model))
        self.prepare_button.setEnabled(convertible and not self._converter.busy)
        self.convert_weights.setEnabled(convertible and not self._converter.busy)
        self.prepare_button.setToolTip(
            self.tr(
                "Convert this MiniCPM GGUF into an OpenVINO model for Intel CPUs, GPUs and "
                "NPUs, checked against llama.cpp before it is listed"
            )
            if convertible
            else self.tr("Only an installed MiniCPM GGUF file can be prepared")
        )

    # -- preparing a model for OpenVINO -------------------------------------------------------

    def prepare_selected_model(self) -> bool:
        """Shows the estimate, asks, then converts the chosen model in the background.
        False when nothing was started."""
        model = self._selected_installed()
        if not can_convert(model) or self._converter.busy:
            return False
        assert model is not None
        weights = self.convert_weights.currentData()
        try:
            cost = self._converter.estimate(model.path, weights)
        except (EngineError, OSError) as exc:
            self.manage_status.setText(
                self.tr("{name} cannot be prepared: {error}").format(
                    name=model.name, error=str(exc)
                )
            )
            return False
        answer = QMessageBox.question(
            self,
            self.tr("Prepare for Intel CPU / GPU / NPU"),
            self._cost_text(model.name, weights, cost),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return self._converter.convert(model.path, weights)

    def cancel_conversion(self) -> None:
        self._converter.cancel()
        self.cancel_conversion_button.setEnabled(False)
        self.manage_status.setText(self.tr("Cancelling…"))

    def _cost_text(self, name: str, weights: str, cost: ConversionCost) -> str:
        text = self.tr(
            "Convert {name} into an OpenVINO model named {target}?\n{weights}.\n\n"
            "{params:.2f} billion parameters. About {minutes} min, "
            "{temporary} temporary disk space, {final} for the result, {memory} memory.\n\n"
            "The result is compared with llama.cpp on the original file and listed only "
            "if it agrees; the original stays as it is."
        ).format(
            name=name,
            weights=self.convert_weights.currentText(),
            target=converted_name(Path(name + ".gguf"), weights),
            params=cost.parameters / 1e9,
            minutes=max(1, round(cost.seconds / 60)),
            temporary=format_size(cost.temporary_disk_bytes),
            final=format_size(cost.final_disk_bytes),
            memory=format_size(cost.peak_memory_bytes),
        )
        if cost.free_disk_bytes < cost.temporary_disk_bytes:
            text += "\n\n" + self.tr("Warning: only {free} of disk space is free.").format(
                free=format_size(cost.free_disk_bytes)
            )
        if cost.available_memory_bytes < cost.peak_memory_bytes:
            text += "\n\n" + self.tr(
                "Warning: only {free} of memory is available; the conversion may be slow or fail."
            ).format(free=format_size(cost.available_memory_bytes))
        return text

    def _verification_text(self, data: dict[str, object]) -> str:
        def number(key: str) -> float:
            value = data.get(key)
            return float(value) if isinstance(value, int | float) else float("nan")

        return self.tr(
            "Verified against llama.cpp ({weights}): top-1 agreement {top1:.1%} "
            "(needed {needed:.0%}), max logit difference {max_diff:.3f}, "
            "mean {mean_diff:.4f}, tokenizer {tokenizer}"
        ).format(
            weights=str(data.get("weights", "?")),
            top1=number("top1_agreement"),
            needed=number("threshold"),
            max_diff=number("max_abs_logit_diff"),
            mean_diff=number("mean_abs_logit_diff"),
            tokenizer=self.tr("identical") if data.get("tokenizer_matches") else self.tr("differs"),
        )

    def _show_conversion(self, running: bool) -> None:
        self.conversion_progress.setVisible(running)
        self.cancel_conversion_button.setVisible(running)
        self.cancel_conversion_button.setEnabled(running)
        if not running:
            self.conversion_progress.setValue(0)

    def _stage_text(self, stage: str) -> str:
        labels = {
            "requantize": self.tr("requantizing with llama.cpp"),
            "build": self.tr("building the OpenVINO model"),
            "save": self.tr("saving"),
            "verify": self.tr("checking against llama.cpp"),
            "register": self.tr("registering"),
        }
        return labels.get(stage, stage)

    def _enable_devices(self) -> None:
        allowed = BACKEND_DEVICES.get(self.backend.currentData(), BACKEND_DEVICES["auto"])
        items = self.device.model()
        assert isinstance(items, QStandardItemModel)
        for row in range(self.device.count()):
            item = items.item(row)
            if item is not None:
                item.setEnabled(self.device.itemData(row) in allowed)
        if self.device.currentData() not in allowed:
            _select(self.device, "AUTO")

    def _enable_precisions(self) -> None:
        items = self.precision.model()
        assert isinstance(items, QStandardItemModel)
        fast = items.item(self.precision.findData("bf16"))
        if fast is not None and self._cpu_bf16 is False:
            fast.setEnabled(False)
            fast.setToolTip(self.tr("This CPU has no bf16 arithmetic (AVX-512 BF16 or AMX)"))
            if self.precision.currentData() == "bf16":
                _select(self.precision, "auto")
        self.precision.setEnabled(self.backend.currentData() != "llama")

    @Slot(int)
    def _on_backend_current_index_changed(self, _index: int) -> None:
        self._enable_devices()
        self._enable_precisions()

    @Slot(int)
    def _on_model_current_index_changed(self, _index: int) -> None:
        self._update_model_buttons()

    @Slot()
    def _on_import_button_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Import a model"),
            "",
            self.tr("Models (*.gguf {marker});;All files (*)").format(marker=IR_MARKER),
        )
        if path:
            self.import_model(Path(path))

    @Slot()
    def _on_import_folder_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Import an OpenVINO IR folder"))
        if path:
            self.import_model(Path(path))

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        self.delete_selected_model()

    @Slot(str)
    def _on_importer_import_started(self, source: str) -> None:
        self.manage_status.setText(self.tr("Importing {name}…").format(name=Path(source).name))
        self._update_model_buttons()

    @Slot()
    def _on_prepare_button_clicked(self) -> None:
        self.prepare_selected_model()

    @Slot()
    def _on_cancel_conversion_button_clicked(self) -> None:
        self.cancel_conversion()

    @Slot(str)
    def _on_converter_conversion_started(self, source: str) -> None:
        self._show_conversion(True)
        self.manage_status.setText(
            self.tr("Preparing {name} for OpenVINO…").format(name=Path(source).stem)
        )
        self._update_model_buttons()

    @Slot(str, float)
    def _on_converter_conversion_progressed(self, stage: str, fraction: float) -> None:
        self.conversion_progress.setValue(round(fraction * 1000))
        running = self._converter.running
        self.manage_status.setText(
            self.tr("Preparing {name} for OpenVINO: {stage}…").format(
                name=running.stem if running else "", stage=self._stage_text(stage)
            )
        )

    @Slot(str, str)
    def _on_converter_model_converted(self, _source: str, target: str) -> None:
        self._show_conversion(False)
        self._refill_models(select=Path(target))
        verification = read_verification(Path(target))
        details = self._verification_text(verification) if verification else ""
        self.manage_status.setText(
            self.tr("Prepared {name}. {details}. Press OK to use it.").format(
                name=Path(target).name, details=details
            )
        )

    @Slot(str, str, str)
    def _on_converter_conversion_failed(self, source: str, outcome: str, message: str) -> None:
        self._show_conversion(False)
        self._update_model_buttons()
        name = Path(source).stem
        if outcome == "cancelled":
            text = self.tr("Preparing {name} was cancelled; nothing was added.").format(name=name)
        elif outcome == "rejected":
            text = self.tr(
                "{name} was converted, but the result disagrees with llama.cpp too often, "
                "so it was not added. {error}"
            ).format(name=name, error=message)
        elif outcome == "disk":
            text = self.tr(
                "Preparing {name} ran out of disk space; nothing was added. {error}"
            ).format(name=name, error=message)
        else:
            text = self.tr("{name} could not be prepared; nothing was added. {error}").format(
                name=name, error=message
            )
        self.manage_status.setText(text)

    @Slot(str, str)
    def _on_importer_model_imported(self, _source: str, target: str) -> None:
        self._refill_models(select=Path(target))
        self.manage_status.setText(
            self.tr("Imported {name}. Press OK to use it.").format(name=Path(target).name)
        )

    @Slot(str, str)
    def _on_importer_import_failed(self, source: str, message: str) -> None:
        self._update_model_buttons()
        self.manage_status.setText(
            self.tr("{name} was not imported: {error}").format(
                name=Path(source).name, error=message
            )
        )


def _same_path(a: Path, b: Path) -> bool:
    # Not resolved: an installed model may be a link to another one, and is not that one.
    return a.absolute() == b.absolute()


class GenerationPage(QWidget):
    """How answers are sampled, and the defaults of a new chat. No signals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generationPage")
        form = QFormLayout(self)
        self.temperature = self._double(0.0, 2.0, 0.05)
        self.top_p = self._double(0.0, 1.0, 0.05)
        self.top_k = QSpinBox(self)
        self.top_k.setRange(0, 1000)
        self.top_k.setSpecialValueText(self.tr("Off"))
        self.repetition_penalty = self._double(0.5, 2.0, 0.05)
        self.max_new_tokens = QSpinBox(self)
        self.max_new_tokens.setRange(16, 131072)
        self.max_new_tokens.setSingleStep(256)
        self.seed = QLineEdit(self)
        self.seed.setObjectName("seedEdit")
        self.seed.setPlaceholderText(self.tr("Random"))
        self.seed.setToolTip(
            self.tr("A whole number repeats the same answer; blank picks a new one")
        )
        self.system_prompt = QPlainTextEdit(self)
        self.system_prompt.setObjectName("systemPromptEdit")
        self.system_prompt.setTabChangesFocus(True)
        self.system_prompt.setFixedHeight(80)
        self.thinking = QCheckBox(self.tr("Think before answering in new chats"), self)
        self.thinking_budget = QSpinBox(self)
        self.thinking_budget.setObjectName("thinkingBudget")
        self.thinking_budget.setRange(0, 131072)
        self.thinking_budget.setSingleStep(256)
        self.thinking_budget.setSpecialValueText(self.tr("No limit"))
        self.thinking_budget.setToolTip(
            self.tr("At most this many reasoning tokens; then the answer follows")
        )
        self.model_sampling = QCheckBox(
            self.tr("Use each model's recommended temperature and top p"), self
        )
        self.model_sampling.setObjectName("modelSampling")
        self.model_sampling.setToolTip(
            self.tr("For catalog models, per thinking mode; other models use the values above")
        )
        form.addRow("", self.model_sampling)
        form.addRow(self.tr("Temperature"), self.temperature)
        form.addRow(self.tr("Top p"), self.top_p)
        form.addRow(self.tr("Top k"), self.top_k)
        form.addRow(self.tr("Repetition penalty"), self.repetition_penalty)
        form.addRow(self.tr("Max new tokens"), self.max_new_tokens)
        form.addRow(self.tr("Seed"), self.seed)
        form.addRow(self.tr("System prompt"), self.system_prompt)
        form.addRow("", self.thinking)
        form.addRow(self.tr("Thinking budget"), self.thinking_budget)

    def _double(self, low: float, high: float, step: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setRange(low, high)
        box.setSingleStep(step)
        box.setDecimals(2)
        return box

    def load(self, settings: Settings) -> None:
        self.temperature.setValue(settings.temperature)
        self.top_p.setValue(settings.top_p)
        self.top_k.setValue(settings.top_k)
        self.repetition_penalty.setValue(settings.repetition_penalty)
        self.max_new_tokens.setValue(settings.max_new_tokens)
        self.seed.setText("" if settings.seed is None else str(settings.seed))
        self.system_prompt.setPlainText(settings.system_prompt)
        self.thinking.setChecked(settings.thinking)
        self.thinking_budget.setValue(settings.thinking_budget)
        self.model_sampling.setChecked(settings.model_sampling)

    def apply(self, settings: Settings) -> Settings:
        return replace(
            settings,
            temperature=round(self.temperature.value(), 2),
            top_p=round(self.top_p.value(), 2),
            top_k=self.top_k.value(),
            repetition_penalty=round(self.repetition_penalty.value(), 2),
            max_new_tokens=self.max_new_tokens.value(),
            seed=self.seed_value(settings.seed),
            system_prompt=self.system_prompt.toPlainText(),
            thinking=self.thinking.isChecked(),
            thinking_budget=self.thinking_budget.value(),
            model_sampling=self.model_sampling.isChecked(),
        )

    def seed_value(self, fallback: int | None = None) -> int | None:
        """Blank is random (None); text that is not a whole number keeps `fallback`."""
        text = self.seed.text().strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            return fallback


class AppearancePage(QWidget):
    """Theme, language, and where the data lives. No signals."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appearancePage")
        form = QFormLayout(self)
        self.theme = QComboBox(self)
        self.theme.setObjectName("themeCombo")
        _fill(self.theme, THEMES, "AppearancePage")
        self.language = QComboBox(self)
        self.language.setObjectName("languageCombo")
        _fill(self.language, LANGUAGES, "AppearancePage")
        self.data_dir = QLineEdit(str(data_dir), self)
        self.data_dir.setObjectName("dataDirEdit")
        self.data_dir.setReadOnly(True)
        self.data_dir.setToolTip(self.tr("Set MINICPM_CHAT_HOME to move it"))
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow(self.tr("Language"), self.language)
        self.language_note = QLabel(self.tr("Language changes apply after a restart."), self)
        self.language_note.setObjectName("languageNote")
        self.language_note.setWordWrap(True)
        form.addRow("", self.language_note)
        form.addRow(self.tr("Data folder"), self.data_dir)

    def load(self, settings: Settings) -> None:
        _select(self.theme, settings.theme)
        _select(self.language, settings.language)

    def apply(self, settings: Settings) -> Settings:
        return replace(
            settings, theme=self.theme.currentData(), language=self.language.currentData()
        )
