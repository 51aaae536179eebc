"""`DownloadsPage`: the Hugging Face token, the offline switch, a Hub mirror, source order.

The token is not a setting: Save and Remove write it to the system keyring at once through
`app.core.secrets`, and it never enters `Settings` (so never settings.json). The field never
shows a stored token; it only says one is saved.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core import secrets
from app.core.settings import Settings

SOURCES = (
    ("hf", "Hugging Face"),
    ("mirror", str(QT_TRANSLATE_NOOP("DownloadsPage", "Hub mirror (the address above)"))),
    ("modelscope", "ModelScope"),
)
SOURCE_ROLE = Qt.ItemDataRole.UserRole + 1


class DownloadsPage(QWidget):
    """Where models come from and how the Hub is reached. No signals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("downloadsPage")
        form = QFormLayout(self)

        self.token = QLineEdit(self)
        self.token.setObjectName("hfTokenEdit")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setClearButtonEnabled(True)
        self.token.setToolTip(
            self.tr("For gated or private models; kept only in the system keyring")
        )
        self.save_token_button = QPushButton(self.tr("Save"), self)
        self.save_token_button.setObjectName("saveTokenButton")
        self.save_token_button.clicked.connect(self._on_save_token_button_clicked)
        self.remove_token_button = QPushButton(self.tr("Remove"), self)
        self.remove_token_button.setObjectName("removeTokenButton")
        self.remove_token_button.clicked.connect(self._on_remove_token_button_clicked)
        self.token.textChanged.connect(self._on_token_text_changed)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(self.save_token_button)
        token_row.addWidget(self.remove_token_button)
        self.token_status = QLabel(self)
        self.token_status.setObjectName("tokenStatus")
        self.token_status.setWordWrap(True)

        self.offline = QCheckBox(self.tr("Work offline (hide everything that would connect)"), self)
        self.offline.setObjectName("offlineCheck")
        self.hub_endpoint = QLineEdit(self)
        self.hub_endpoint.setObjectName("hubEndpointEdit")
        self.hub_endpoint.setPlaceholderText("https://huggingface.co")
        self.hub_endpoint.setToolTip(
            self.tr("A Hugging Face mirror, used when the mirror is among the sources below")
        )
        self.sources = QListWidget(self)
        self.sources.setObjectName("sourceList")
        self.sources.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.sources.setToolTip(self.tr("Tried from the top on errors or stalls; tick to use"))
        # The list is still empty here (sizeHintForRow would be -1): size it from the font.
        row = self.sources.fontMetrics().height() + 10
        self.sources.setFixedHeight(row * (len(SOURCES) + 1))
        self.move_up_button = QPushButton(self.tr("Up"), self)
        self.move_up_button.clicked.connect(self._on_move_up_button_clicked)
        self.move_down_button = QPushButton(self.tr("Down"), self)
        self.move_down_button.clicked.connect(self._on_move_down_button_clicked)
        order_buttons = QVBoxLayout()
        order_buttons.addWidget(self.move_up_button)
        order_buttons.addWidget(self.move_down_button)
        order_buttons.addStretch(1)
        sources_row = QHBoxLayout()
        sources_row.addWidget(self.sources, 1)
        sources_row.addLayout(order_buttons)

        form.addRow(self.tr("Hugging Face token"), token_row)
        form.addRow("", self.token_status)
        form.addRow("", self.offline)
        form.addRow(self.tr("Hub mirror"), self.hub_endpoint)
        form.addRow(self.tr("Sources, in order"), sources_row)
        self._keyring_ok = False
        self.refresh_token_state()

    # -- settings --------------------------------------------------------------------------

    def load(self, settings: Settings) -> None:
        self.offline.setChecked(settings.offline)
        self.hub_endpoint.setText(settings.hub_endpoint)
        chosen = [n.strip() for n in settings.download_sources.split(",") if n.strip()]
        known = dict(SOURCES)
        self.sources.clear()
        order = [n for n in chosen if n in known] + [n for n in known if n not in chosen]
        for name in dict.fromkeys(order):
            item = QListWidgetItem(self.tr(known[name]), self.sources)
            item.setData(SOURCE_ROLE, name)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
            checked = name in chosen
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def apply(self, settings: Settings) -> Settings:
        sources = ",".join(self.source_order()) or settings.download_sources
        return replace(
            settings,
            offline=self.offline.isChecked(),
            hub_endpoint=self.hub_endpoint.text().strip().rstrip("/"),
            download_sources=sources,
        )

    def source_order(self) -> list[str]:
        """The ticked sources, top first."""
        names = []
        for row in range(self.sources.count()):
            item = self.sources.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                names.append(str(item.data(SOURCE_ROLE)))
        return names

    # -- the token -------------------------------------------------------------------------

    def refresh_token_state(self) -> None:
        """Asks the keyring whether it works and whether a token is saved; shows the answer."""
        self._keyring_ok, saved, message = secrets.token_state()
        self.token.setPlaceholderText(
            self.tr("A token is saved") if saved else self.tr("hf_… (none saved)")
        )
        self.token_status.setText(self._words(message))
        self.remove_token_button.setEnabled(saved)
        self._update_save_button()

    def _update_save_button(self) -> None:
        self.save_token_button.setEnabled(self._keyring_ok and bool(self.token.text().strip()))
        self.token.setEnabled(self._keyring_ok)
        if not self._keyring_ok:
            self.save_token_button.setToolTip(self.token_status.text())

    def _words(self, message: str) -> str:
        # app.core is Qt-free and speaks English; its one common message is translated here.
        if message == secrets.NO_KEYRING_MESSAGE:
            return self.tr(
                "No system keyring is available, so the token can't be saved; "
                "set HF_TOKEN for this session instead"
            )
        return message

    @Slot(str)
    def _on_token_text_changed(self, _text: str) -> None:
        self._update_save_button()

    @Slot()
    def _on_save_token_button_clicked(self) -> None:
        try:
            secrets.save_token(self.token.text())
        except secrets.KeyringUnavailableError as exc:
            self.refresh_token_state()
            self.token_status.setText(self._words(str(exc)))
            return
        except ValueError:
            self.token_status.setText(self.tr("Enter a token first."))
            return
        self.token.clear()  # the field never holds a saved token
        self.refresh_token_state()
        self.token_status.setText(self.tr("The token is saved in the system keyring."))

    @Slot()
    def _on_remove_token_button_clicked(self) -> None:
        try:
            secrets.delete_token()
        except secrets.KeyringUnavailableError as exc:
            self.token_status.setText(self._words(str(exc)))
            return
        self.refresh_token_state()
        self.token_status.setText(self.tr("The token was removed."))

    # -- source order ----------------------------------------------------------------------

    @Slot()
    def _on_move_up_button_clicked(self) -> None:
        self._move_current(-1)

    @Slot()
    def _on_move_down_button_clicked(self) -> None:
        self._move_current(1)

    def _move_current(self, step: int) -> None:
        row = self.sources.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.sources.count():
            return
        item = self.sources.takeItem(row)
        self.sources.insertItem(target, item)
        self.sources.setCurrentRow(target)
