"""`AboutDialog`: the app's name, version and license, where its data lives, and the licenses of
the components and the starter model it ships with."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.licenses import APP_LICENSE, Component, Licenses
from resources import app_icon_path

APP_NAME = "MiniCPM Chat"  # a name, not a sentence: never translated
ICON_SIZE = 64


class AboutDialog(QDialog):
    """No signals: it only shows what it is given."""

    def __init__(
        self,
        version: str,
        licenses: Licenses,
        data_dir: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(self.tr("About {name}").format(name=APP_NAME))
        self.setMinimumSize(560, 520)
        self.version_label = QLabel(self.tr("Version {version}").format(version=version), self)
        self.version_label.setObjectName("aboutVersion")
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model_label = self._starter_model_label(licenses.models)
        self.data_dir_label = self._data_dir_label(data_dir)
        self.components = self._components_table(licenses.components)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self._header())
        layout.addWidget(
            self._wrapped(
                self.tr("A private chat with language models that run on this computer, offline.")
            )
        )
        layout.addWidget(
            self._wrapped(
                self.tr("{name} is free software under the {license} license.").format(
                    name=APP_NAME, license=APP_LICENSE
                )
            )
        )
        layout.addWidget(self.model_label)
        layout.addWidget(self.data_dir_label)
        layout.addWidget(QLabel(self.tr("Bundled components and their licenses:"), self))
        if not licenses.readable:
            layout.addWidget(
                self._wrapped(self.tr("The list of bundled components could not be read."))
            )
        layout.addWidget(self.components, 1)
        layout.addWidget(self.buttons)

    # -- parts -----------------------------------------------------------------------------

    def _header(self) -> QHBoxLayout:
        icon = QLabel(self)
        icon.setObjectName("aboutIcon")
        icon.setPixmap(QIcon(str(app_icon_path())).pixmap(ICON_SIZE, ICON_SIZE))
        name = QLabel(APP_NAME, self)
        name.setObjectName("aboutName")
        name.setStyleSheet("font-size: 18pt; font-weight: 600;")
        text = QVBoxLayout()
        text.addWidget(name)
        text.addWidget(self.version_label)
        header = QHBoxLayout()
        header.addWidget(icon)
        header.addSpacing(12)
        header.addLayout(text, 1)
        return header

    def _starter_model_label(self, models: tuple[Component, ...]) -> QLabel:
        if not models:
            return self._wrapped("")
        lines = [
            self.tr("The bundled starter model {name} is licensed under {license}.").format(
                name=_linked(model.name, model.homepage), license=escape(model.license)
            )
            for model in models
        ]
        label = self._wrapped("<br>".join(lines))
        label.setObjectName("aboutModels")
        label.setTextFormat(Qt.TextFormat.RichText)
        # A click opens the model's page in the browser; nothing is fetched otherwise.
        label.setOpenExternalLinks(True)
        return label

    def _data_dir_label(self, data_dir: Path) -> QLabel:
        label = self._wrapped(
            self.tr("Your chats, settings and models are kept in {folder}").format(
                folder=str(data_dir)
            )
        )
        label.setObjectName("aboutDataDir")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _components_table(self, components: tuple[Component, ...]) -> QTableWidget:
        table = QTableWidget(len(components), 3, self)
        table.setObjectName("aboutComponents")
        table.setHorizontalHeaderLabels(
            [self.tr("Component"), self.tr("Version"), self.tr("License")]
        )
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        # One line per component, compact: the list is long (about 75 rows).
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        for row, component in enumerate(components):
            name = QTableWidgetItem(component.name)
            name.setToolTip(component.homepage)
            table.setItem(row, 0, name)
            table.setItem(row, 1, QTableWidgetItem(component.version))
            table.setItem(row, 2, QTableWidgetItem(component.license))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        return table

    def _wrapped(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        # A folder named "<b>" is shown as typed; only the model line is rich text, escaped.
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    # -- for tests and people reading them ---------------------------------------------------

    def component_rows(self) -> list[tuple[str, str, str]]:
        """(name, version, license) of each row, as shown."""
        table = self.components
        return [
            (_cell(table, row, 0), _cell(table, row, 1), _cell(table, row, 2))
            for row in range(table.rowCount())
        ]


def _linked(name: str, homepage: str) -> str:
    if not homepage.startswith(("https://", "http://")):
        return escape(name)
    return f'<a href="{escape(homepage, quote=True)}">{escape(name)}</a>'


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""
