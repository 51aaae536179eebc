"""`GenerationPage`: how answers are sampled, and the defaults of a new chat."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from app.core.settings import Settings


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
