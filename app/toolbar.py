"""`MainToolbar`: the loaded model's name, load activity, the quick parameters (temperature,
max tokens), and the Models…, Settings… and About actions. It only holds the widgets; the main
window wires them."""
# Its sentences keep the main window's translation context (they moved out of it), so the
# translations made for them still apply.

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSpinBox,
    QToolBar,
    QWidget,
)


class MainToolbar(QToolBar):
    """No signals: the main window connects to the widgets' and actions' own."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(QCoreApplication.translate("MainWindow", "Model"))
        self.setObjectName("mainToolbar")
        self.setMovable(False)
        self.setFloatable(False)
        self.model_label = QLabel(QCoreApplication.translate("MainWindow", "No model loaded"), self)
        self.model_label.setObjectName("modelName")
        self.model_label.setContentsMargins(8, 0, 8, 0)
        self.model_label.setStyleSheet("font-weight: 600;")
        self.load_progress = QProgressBar(self)
        self.load_progress.setObjectName("loadProgress")
        self.load_progress.setRange(0, 0)  # the backends report no fraction: show activity
        self.load_progress.setFixedWidth(120)
        self.load_progress.setTextVisible(False)
        self.load_progress.setVisible(False)
        self.addWidget(self.model_label)
        self.load_progress_action = self.addWidget(self.load_progress)
        self.load_progress_action.setVisible(False)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self.addWidget(
            QLabel(" " + QCoreApplication.translate("MainWindow", "Temperature") + " ", self)
        )
        self.temperature = QDoubleSpinBox(self)
        self.temperature.setObjectName("temperature")
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setToolTip(
            QCoreApplication.translate(
                "MainWindow", "0 always picks the likeliest word; higher is more varied"
            )
        )
        self.addWidget(self.temperature)
        self.addWidget(
            QLabel("  " + QCoreApplication.translate("MainWindow", "Max tokens") + " ", self)
        )
        self.max_tokens = QSpinBox(self)
        self.max_tokens.setObjectName("maxTokens")
        self.max_tokens.setRange(16, 131072)
        self.max_tokens.setSingleStep(256)
        self.max_tokens.setToolTip(
            QCoreApplication.translate("MainWindow", "The longest answer, in tokens")
        )
        self.addWidget(self.max_tokens)
        self.addSeparator()
        self._add_actions()

    def _add_actions(self) -> None:
        self.models_action = QAction(QCoreApplication.translate("MainWindow", "Models…"), self)
        self.models_action.setObjectName("modelsAction")
        self.models_action.setToolTip(
            QCoreApplication.translate("MainWindow", "Import, delete, convert and download models")
        )
        self.settings_action = QAction(QCoreApplication.translate("MainWindow", "Settings…"), self)
        self.settings_action.setObjectName("settingsAction")
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.settings_action.setToolTip(
            QCoreApplication.translate(
                "MainWindow", "Model, generation and appearance settings (Ctrl+,)"
            )
        )
        self.about_action = QAction(
            QCoreApplication.translate("MainWindow", "About MiniCPM Chat"), self
        )
        self.about_action.setObjectName("aboutAction")
        self.about_action.setIconText(QCoreApplication.translate("MainWindow", "About"))
        self.about_action.setShortcut(QKeySequence("F1"))
        self.about_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.about_action.setToolTip(
            QCoreApplication.translate(
                "MainWindow", "Version, licenses and where your data is kept (F1)"
            )
        )
        self.addAction(self.models_action)
        self.addAction(self.settings_action)
        self.addAction(self.about_action)

    def show_loading(self, name: str) -> None:
        self.model_label.setText(
            QCoreApplication.translate("MainWindow", "Loading {name}…").format(name=name)
        )
        self.load_progress_action.setVisible(True)
        self.load_progress.setVisible(True)

    def show_loaded(self, name: str, path: str) -> None:
        self.load_progress_action.setVisible(False)
        self.model_label.setText(name)
        self.model_label.setToolTip(path)

    def show_load_failed(self) -> None:
        self.load_progress_action.setVisible(False)
        self.model_label.setText(QCoreApplication.translate("MainWindow", "No model loaded"))

    def show_values(self, temperature: float, max_tokens: int) -> None:
        """Shows settings from elsewhere without announcing them as edits. A box that already
        holds the value is left alone, so that text being typed is not reformatted."""
        if self.temperature.value() != temperature:
            self.temperature.blockSignals(True)
            self.temperature.setValue(temperature)
            self.temperature.blockSignals(False)
        if self.max_tokens.value() != max_tokens:
            self.max_tokens.blockSignals(True)
            self.max_tokens.setValue(max_tokens)
            self.max_tokens.blockSignals(False)
