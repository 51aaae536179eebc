"""Settings pages. Each shows part of `Settings`: `load(settings)` fills the widgets and
`apply(settings)` returns a copy with the widgets' values (the rest left as it was)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from app.core.model_store import ModelStore
from app.core.settings import Settings

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
BACKENDS = (("Automatic", "auto"), ("llama.cpp", "llama"), ("OpenVINO", "openvino"))
DEVICES = (("CPU", "CPU"), ("GPU", "GPU"), ("NPU", "NPU"), ("Automatic", "AUTO"))
THEMES = (("Follow the system", "system"), ("Light", "light"), ("Dark", "dark"))
LANGUAGES = (("Follow the system", "system"), ("English", "en"), ("简体中文", "zh_CN"))


def _fill(combo: QComboBox, items: tuple[tuple[str, str], ...]) -> None:
    for label, value in items:
        combo.addItem(label, value)


def _select(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(index if index >= 0 else 0)


class ModelPage(QWidget):
    """Which model, and how it is loaded. No signals."""

    def __init__(self, models: ModelStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelPage")
        self._models = models
        self._loaded_index = -1
        form = QFormLayout(self)
        self.model = QComboBox(self)
        self.model.setObjectName("modelCombo")
        for installed in models.list():
            label = installed.name + (self.tr(" (bundled)") if installed.bundled else "")
            self.model.addItem(label, installed.name)
            row = self.model.count() - 1
            self.model.setItemData(row, str(installed.path), PATH_ROLE)
            self.model.setItemData(row, str(installed.path), Qt.ItemDataRole.ToolTipRole)
        self.backend = QComboBox(self)
        _fill(self.backend, BACKENDS)
        self.device = QComboBox(self)
        _fill(self.device, DEVICES)
        self.device.setToolTip(
            self.tr("Used by OpenVINO; llama.cpp runs on the CPU unless GPU layers > 0")
        )
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
        form.addRow(self.tr("Model"), self.model)
        form.addRow(self.tr("Backend"), self.backend)
        form.addRow(self.tr("Device"), self.device)
        form.addRow(self.tr("Context length"), self.context_length)
        form.addRow(self.tr("CPU threads"), self.cpu_threads)
        form.addRow(self.tr("GPU layers"), self.gpu_layers)
        if self.model.count() == 0:
            self.model.setEnabled(False)
            self.model.setPlaceholderText(self.tr("No model is installed"))

    def load(self, settings: Settings) -> None:
        self._select_model(settings.model)
        _select(self.backend, settings.backend)
        _select(self.device, settings.device)
        self.context_length.setValue(settings.context_length)
        self.cpu_threads.setValue(settings.cpu_threads)
        self.gpu_layers.setValue(settings.gpu_layers)

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
        form.addRow(self.tr("Temperature"), self.temperature)
        form.addRow(self.tr("Top p"), self.top_p)
        form.addRow(self.tr("Top k"), self.top_k)
        form.addRow(self.tr("Repetition penalty"), self.repetition_penalty)
        form.addRow(self.tr("Max new tokens"), self.max_new_tokens)
        form.addRow(self.tr("Seed"), self.seed)
        form.addRow(self.tr("System prompt"), self.system_prompt)
        form.addRow("", self.thinking)

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
        _fill(self.theme, THEMES)
        self.language = QComboBox(self)
        self.language.setObjectName("languageCombo")
        _fill(self.language, LANGUAGES)
        self.data_dir = QLineEdit(str(data_dir), self)
        self.data_dir.setObjectName("dataDirEdit")
        self.data_dir.setReadOnly(True)
        self.data_dir.setToolTip(self.tr("Set MINICPM_CHAT_HOME to move it"))
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Data folder"), self.data_dir)

    def load(self, settings: Settings) -> None:
        _select(self.theme, settings.theme)
        _select(self.language, settings.language)

    def apply(self, settings: Settings) -> Settings:
        return replace(
            settings, theme=self.theme.currentData(), language=self.language.currentData()
        )
