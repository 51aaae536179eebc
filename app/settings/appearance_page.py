"""`AppearancePage`: theme, language, and where the data lives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from app.core.settings import Settings
from app.settings.choices import fill, select

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


class AppearancePage(QWidget):
    """Theme, language, and where the data lives. No signals."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appearancePage")
        form = QFormLayout(self)
        self.theme = QComboBox(self)
        self.theme.setObjectName("themeCombo")
        fill(self.theme, THEMES, "AppearancePage")
        self.language = QComboBox(self)
        self.language.setObjectName("languageCombo")
        fill(self.language, LANGUAGES, "AppearancePage")
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
        select(self.theme, settings.theme)
        select(self.language, settings.language)

    def apply(self, settings: Settings) -> Settings:
        return replace(
            settings, theme=self.theme.currentData(), language=self.language.currentData()
        )
