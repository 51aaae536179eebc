"""`ConvertPanel`: prepares the chosen MiniCPM GGUF for Intel CPU / GPU / NPU (OpenVINO).

It shows the cost estimate before starting, the progress and a Cancel button while the
conversion runs, and how the result was verified. The work goes through the `ModelLibrary`.
"""
# Its sentences keep the Model page's translation context (they moved out of it), so the
# translations made for them still apply.

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QWidget,
)

from app.core.models.store import InstalledModel
from app.models.converter import (
    ConversionCost,
    can_convert,
    converted_name,
    default_weights,
    read_verification,
)
from app.models.library import ModelLibrary
from engine.errors import EngineError
from engine.sizes import format_size


def verification_text(data: dict[str, object]) -> str:
    """How a converted model was checked against llama.cpp, in one sentence."""

    def number(key: str) -> float:
        value = data.get(key)
        return float(value) if isinstance(value, int | float) else float("nan")

    def tr(text: str) -> str:
        return QCoreApplication.translate("ModelPage", text)

    return tr(
        "Verified against llama.cpp ({weights}): top-1 agreement {top1:.1%} "
        "(needed {needed:.0%}), max logit difference {max_diff:.3f}, "
        "mean {mean_diff:.4f}, tokenizer {tokenizer}"
    ).format(
        weights=str(data.get("weights", "?")),
        top1=number("top1_agreement"),
        needed=number("threshold"),
        max_diff=number("max_abs_logit_diff"),
        mean_diff=number("mean_abs_logit_diff"),
        tokenizer=tr("identical") if data.get("tokenizer_matches") else tr("differs"),
    )


def verification_of(path: Path) -> str:
    """The verification sentence of a converted model; "" for any other model."""
    data = read_verification(path)
    return verification_text(data) if data else ""


class ConvertPanel(QWidget):
    """Prepare button, weights choice, progress and Cancel. Signals:
    status_changed(str)   # a sentence about the conversion, for the window's status line
    """

    status_changed = Signal(str)

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("convertPanel")
        self._library = library
        self._model: InstalledModel | None = None
        self._weights_chosen_for: Path | None = None
        self.prepare_button = QPushButton(
            QCoreApplication.translate("ModelPage", "Prepare for Intel CPU / GPU / NPU…"), self
        )
        self.prepare_button.setObjectName("prepareIntelButton")
        self.prepare_button.clicked.connect(self._on_prepare_button_clicked)
        self.convert_weights = QComboBox(self)
        self.convert_weights.setObjectName("convertWeightsCombo")
        self.convert_weights.addItem(
            QCoreApplication.translate("ModelPage", "Weights as in the file (exact)"), "keep"
        )
        self.convert_weights.addItem(
            QCoreApplication.translate("ModelPage", "int4 weights (smallest)"), "int4"
        )
        self.convert_weights.addItem(
            QCoreApplication.translate("ModelPage", "int8 weights"), "int8"
        )
        self.convert_weights.addItem(
            QCoreApplication.translate("ModelPage", "f16 weights (largest)"), "f16"
        )
        self.convert_weights.setToolTip(
            QCoreApplication.translate(
                "ModelPage", "How the prepared OpenVINO model stores its weights"
            )
        )
        self.cancel_conversion_button = QPushButton(
            QCoreApplication.translate("ModelPage", "Cancel"), self
        )
        self.cancel_conversion_button.setObjectName("cancelConversionButton")
        self.cancel_conversion_button.clicked.connect(self._on_cancel_conversion_button_clicked)
        self.conversion_progress = QProgressBar(self)
        self.conversion_progress.setObjectName("conversionProgress")
        self.conversion_progress.setRange(0, 1000)
        self.conversion_progress.setTextVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.prepare_button)
        layout.addWidget(self.convert_weights)
        layout.addWidget(self.conversion_progress, 1)
        layout.addWidget(self.cancel_conversion_button)
        library.conversion_started.connect(self._on_library_conversion_started)
        library.conversion_progressed.connect(self._on_library_conversion_progressed)
        library.conversion_finished.connect(self._on_library_conversion_finished)
        library.conversion_failed.connect(self._on_library_conversion_failed)
        self._show_conversion(library.converting is not None)
        self._update_buttons()

    def set_model(self, model: InstalledModel | None) -> None:
        """The model chosen in the list: the one Prepare converts."""
        self._model = model
        self._update_buttons()

    def prepare(self) -> bool:
        """Shows the estimate, asks, then converts the chosen model in the background.
        False when nothing was started."""
        model = self._model
        if not can_convert(model) or self._library.converting is not None:
            return False
        assert model is not None
        weights = self.convert_weights.currentData()
        try:
            cost = self._library.estimate_conversion(model.path, weights)
        except (EngineError, OSError) as exc:
            self.status_changed.emit(
                QCoreApplication.translate(
                    "ModelPage", "{name} cannot be prepared: {error}"
                ).format(name=model.name, error=str(exc))
            )
            return False
        answer = QMessageBox.question(
            self,
            QCoreApplication.translate("ModelPage", "Prepare for Intel CPU / GPU / NPU"),
            self._cost_text(model.name, weights, cost),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return self._library.convert(model.path, weights)

    def cancel(self) -> None:
        self._library.cancel_conversion()
        self.cancel_conversion_button.setEnabled(False)
        self.status_changed.emit(QCoreApplication.translate("ModelPage", "Cancelling…"))

    # -- helpers ---------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        model = self._model
        convertible = can_convert(model)
        if convertible and model is not None and model.path != self._weights_chosen_for:
            self._weights_chosen_for = model.path
            index = self.convert_weights.findData(default_weights(model))
            self.convert_weights.setCurrentIndex(max(index, 0))
        idle = self._library.converting is None
        self.prepare_button.setEnabled(convertible and idle)
        self.convert_weights.setEnabled(convertible and idle)
        self.prepare_button.setToolTip(
            QCoreApplication.translate(
                "ModelPage",
                "Convert this GGUF into an OpenVINO model for Intel CPUs, GPUs and NPUs, "
                "checked against llama.cpp before it is listed",
            )
            if convertible
            else QCoreApplication.translate(
                "ModelPage",
                "Only an installed MiniCPM or Llama GGUF file that OpenVINO can run can be "
                "prepared",
            )
        )

    def _cost_text(self, name: str, weights: str, cost: ConversionCost) -> str:
        text = QCoreApplication.translate(
            "ModelPage",
            "Convert {name} into an OpenVINO model named {target}?\n{weights}.\n\n"
            "{params:.2f} billion parameters. About {minutes} min, "
            "{temporary} temporary disk space, {final} for the result, {memory} memory.\n\n"
            "The result is compared with llama.cpp on the original file and listed only "
            "if it agrees; the original stays as it is.",
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
            text += "\n\n" + QCoreApplication.translate(
                "ModelPage", "Warning: only {free} of disk space is free."
            ).format(free=format_size(cost.free_disk_bytes))
        if cost.available_memory_bytes < cost.peak_memory_bytes:
            text += "\n\n" + QCoreApplication.translate(
                "ModelPage",
                "Warning: only {free} of memory is available; the conversion may be slow or fail.",
            ).format(free=format_size(cost.available_memory_bytes))
        return text

    def _show_conversion(self, running: bool) -> None:
        self.conversion_progress.setVisible(running)
        self.cancel_conversion_button.setVisible(running)
        self.cancel_conversion_button.setEnabled(running)
        if not running:
            self.conversion_progress.setValue(0)

    def _stage_text(self, stage: str) -> str:
        labels = {
            "requantize": QCoreApplication.translate("ModelPage", "requantizing with llama.cpp"),
            "build": QCoreApplication.translate("ModelPage", "building the OpenVINO model"),
            "save": QCoreApplication.translate("ModelPage", "saving"),
            "verify": QCoreApplication.translate("ModelPage", "checking against llama.cpp"),
            "register": QCoreApplication.translate("ModelPage", "registering"),
        }
        return labels.get(stage, stage)

    # -- slots -----------------------------------------------------------------------------

    @Slot()
    def _on_prepare_button_clicked(self) -> None:
        self.prepare()

    @Slot()
    def _on_cancel_conversion_button_clicked(self) -> None:
        self.cancel()

    @Slot(str)
    def _on_library_conversion_started(self, source: str) -> None:
        self._show_conversion(True)
        self._update_buttons()
        self.status_changed.emit(
            QCoreApplication.translate("ModelPage", "Preparing {name} for OpenVINO…").format(
                name=Path(source).stem
            )
        )

    @Slot(str, float)
    def _on_library_conversion_progressed(self, stage: str, fraction: float) -> None:
        self.conversion_progress.setValue(round(fraction * 1000))
        running = self._library.converting
        self.status_changed.emit(
            QCoreApplication.translate(
                "ModelPage", "Preparing {name} for OpenVINO: {stage}…"
            ).format(name=running.stem if running else "", stage=self._stage_text(stage))
        )

    @Slot(str, str)
    def _on_library_conversion_finished(self, _source: str, target: str) -> None:
        self._show_conversion(False)
        self._update_buttons()
        self.status_changed.emit(
            QCoreApplication.translate(
                "ModelPage", "Prepared {name}. {details}. Choose it in Settings → Model."
            ).format(name=Path(target).name, details=verification_of(Path(target)))
        )

    @Slot(str, str, str)
    def _on_library_conversion_failed(self, source: str, outcome: str, message: str) -> None:
        self._show_conversion(False)
        self._update_buttons()
        name = Path(source).stem
        if outcome == "cancelled":
            text = QCoreApplication.translate(
                "ModelPage", "Preparing {name} was cancelled; nothing was added."
            ).format(name=name)
        elif outcome == "rejected":
            text = QCoreApplication.translate(
                "ModelPage",
                "{name} was converted, but the result disagrees with llama.cpp too often, "
                "so it was not added. {error}",
            ).format(name=name, error=message)
        elif outcome == "disk":
            text = QCoreApplication.translate(
                "ModelPage", "Preparing {name} ran out of disk space; nothing was added. {error}"
            ).format(name=name, error=message)
        else:
            text = QCoreApplication.translate(
                "ModelPage", "{name} could not be prepared; nothing was added. {error}"
            ).format(name=name, error=message)
        self.status_changed.emit(text)
