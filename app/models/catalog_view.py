"""`DownloadPanel`: the MiniCPM catalog as cards with fit for this PC, the download queue below.
Everything it does goes through the `DownloadManager` it is given. One tab of the Models window.

Each model is a `CatalogCard` in a list that scrolls only vertically: its text wraps, so
nothing hides behind a horizontal scroll bar at any sensible window width.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QCoreApplication,
    QItemSelection,
    QModelIndex,
    Qt,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.models.catalog import Variant
from app.core.models.errors import DownloadError
from app.core.models.queue import DONE, DOWNLOADING, FAILED, PAUSED, QUEUED, VERIFYING
from app.models.catalog_card import CatalogCard, interface_language
from app.models.manager import DownloadManager
from app.models.queue_model import ID_ROLE, DownloadItemDelegate, DownloadQueueListModel
from app.words.downloads import error_text
from app.words.hardware import hardware_summary_text
from engine.machine import Hardware

CONTEXT_CHOICES = (2048, 4096, 8192, 16384, 32768, 65536, 131072)
# Cards as framed panels; the verdict coloured by its fit (palette colours follow the theme).
CARD_STYLE = """
QWidget#catalogCards { background: palette(window); }
QFrame#catalogCard { background: palette(base); border: 1px solid palette(mid);
    border-radius: 6px; }
QLabel#cardBadge { border: 1px solid palette(mid); border-radius: 8px; padding: 0px 6px; }
QLabel#cardFacts, QLabel#cardStatus { color: palette(placeholder-text); }
QLabel#cardVerdict[fit="fits"] { color: #2e8b57; }
QLabel#cardVerdict[fit="tight"] { color: #c77c02; }
QLabel#cardVerdict[fit="too_large"] { color: #c0392b; }
"""

Confirm = Callable[[QWidget, str], bool]


def ask_user(parent: QWidget, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        QCoreApplication.translate("DownloadPanel", "Cancel download"),
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class DownloadPanel(QWidget):
    """Catalog cards and download queue. `confirm` asks before a cancel (tests replace it);
    `language` picks the catalog's descriptions (default: the translation in force)."""

    def __init__(
        self,
        manager: DownloadManager,
        parent: QWidget | None = None,
        *,
        confirm: Confirm = ask_user,
        language: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("downloadPanel")
        self.setStyleSheet(CARD_STYLE)
        self._manager = manager
        self._confirm = confirm
        # Each card's Download button, by catalog entry id.
        self.download_buttons: dict[str, QPushButton] = {}
        self.cards: list[CatalogCard] = []

        self.offline_note = QLabel(self)
        self.offline_note.setObjectName("offlineNote")
        self.offline_note.setWordWrap(True)
        self.offline_note.setText(
            self.tr("Offline mode is on: nothing is downloaded. Turn it off in Settings.")
        )
        self.hardware_label = QLabel(self)
        self.hardware_label.setObjectName("hardwareLabel")
        self.hardware_label.setWordWrap(True)
        self._show_hardware(manager.hardware)
        self.context = QComboBox(self)
        self.context.setObjectName("contextChoice")
        self.context.setToolTip(
            self.tr("Fit counts the KV cache, which grows with the context length")
        )
        choices = sorted({*CONTEXT_CHOICES, manager.settings.context_length})
        for tokens in choices:
            self.context.addItem(self.tr("{n:,} tokens").format(n=tokens), tokens)
        self.context.setCurrentIndex(choices.index(manager.settings.context_length))
        self.context.currentIndexChanged.connect(self._on_context_current_index_changed)
        context_label = QLabel(self.tr("Context"), self)
        context_label.setBuddy(self.context)
        self.catalog = self._make_catalog(language or interface_language())

        self.queue_model = DownloadQueueListModel(manager, self)
        self.queue = QListView(self)
        self.queue.setObjectName("downloadQueue")
        self.queue.setModel(self.queue_model)
        self.queue.setItemDelegate(DownloadItemDelegate(self.queue))
        self.queue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.queue.selectionModel().selectionChanged.connect(self._on_queue_selection_changed)
        self.queue_model.dataChanged.connect(self._on_queue_model_data_changed)
        self.queue_model.rowsInserted.connect(self._on_queue_model_rows_inserted)
        self.queue_model.rowsRemoved.connect(self._on_queue_model_rows_removed)
        self.pause_button = QPushButton(self.tr("Pause"), self)
        self.resume_button = QPushButton(self.tr("Resume"), self)
        self.cancel_button = QPushButton(self.tr("Cancel…"), self)
        self.retry_button = QPushButton(self.tr("Retry"), self)
        self.clear_button = QPushButton(self.tr("Clear finished"), self)
        self.pause_button.clicked.connect(self._on_pause_button_clicked)
        self.resume_button.clicked.connect(self._on_resume_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        self.message = QLabel(self)
        self.message.setObjectName("downloadMessage")
        self.message.setWordWrap(True)

        header = QHBoxLayout()
        header.addWidget(self.hardware_label, 1)
        header.addWidget(context_label)
        header.addWidget(self.context)
        bottom = QWidget(self)
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(QLabel(self.tr("Downloads"), self))
        bottom_layout.addWidget(self.queue)
        buttons = QHBoxLayout()
        for button in (
            self.pause_button,
            self.resume_button,
            self.cancel_button,
            self.retry_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        bottom_layout.addLayout(buttons)
        bottom_layout.addWidget(self.message)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.catalog)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.offline_note)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)

        for signal in (manager.item_added, manager.item_changed, manager.item_removed):
            signal.connect(self._on_manager_item_event)
        manager.offline_changed.connect(self._on_manager_offline_changed)
        manager.hardware_changed.connect(self._on_manager_hardware_changed)
        self._update_fit()
        self._show_downloads()
        self._show_offline(manager.offline)
        self._update_buttons()

    def _make_catalog(self, language: str) -> QScrollArea:
        """The cards in a list that scrolls down, never sideways: the cards wrap instead."""
        area = QScrollArea(self)
        area.setObjectName("catalogList")
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        cards = QWidget(area)
        cards.setObjectName("catalogCards")
        column = QVBoxLayout(cards)
        column.setContentsMargins(0, 0, 4, 0)
        column.setSpacing(8)
        for entry in self._manager.catalog.entries:
            card = CatalogCard(entry, language, cards)
            card.download_requested.connect(self._on_card_download_requested)
            card.variant_chosen.connect(self._on_card_variant_chosen)
            card.pause_requested.connect(self._on_card_pause_requested)
            card.resume_requested.connect(self._on_card_resume_requested)
            card.cancel_requested.connect(self._on_card_cancel_requested)
            self.cards.append(card)
            self.download_buttons[entry.id] = card.download_button
            column.addWidget(card)
        column.addStretch(1)
        area.setWidget(cards)
        return area

    # -- requests --------------------------------------------------------------------------

    def download(self, variant: Variant) -> str | None:
        """Queues a variant, as its Download button does; None when refused (offline)."""
        try:
            item_id = self._manager.enqueue(variant)
        except DownloadError as exc:
            self.message.setText(error_text(exc))
            return None
        self.message.clear()
        self.select(item_id)
        return item_id

    def select(self, item_id: str) -> None:
        row = self.queue_model.row_of(item_id)
        if row >= 0:
            self.queue.setCurrentIndex(self.queue_model.index(row, 0))

    def selected_id(self) -> str | None:
        index = self.queue.currentIndex()
        return str(index.data(ID_ROLE)) if index.isValid() else None

    def choose(self, repo: str, file: str | None) -> CatalogCard:
        """Choose a file on its model's card, as a person would; returns the card."""
        card = self.card_of(repo, file)
        card.choose(repo, file)
        return card

    # -- catalog ---------------------------------------------------------------------------

    def card_of(self, repo: str, file: str | None) -> CatalogCard:
        """The card that offers this file (KeyError if none does)."""
        for card in self.cards:
            if card.has(repo, file):
                return card
        raise KeyError((repo, file))

    def advice_text(self, repo: str, file: str | None) -> str:
        """Where one variant runs best, e.g. "llama · CUDA"."""
        return self.card_of(repo, file).advice_of(repo, file)

    def fit_text(self, repo: str, file: str | None) -> tuple[str, str]:
        """(verdict, explanation) for one variant; for tests and accessibility."""
        return self.card_of(repo, file).fit_of(repo, file)

    def _update_fit(self) -> None:
        context = int(self.context.currentData())
        for card in self.cards:
            card.update_fit(self._manager.hardware, context)

    def _show_hardware(self, hardware: Hardware) -> None:
        self.hardware_label.setText(
            self.tr("This PC: {summary}").format(summary=hardware_summary_text(hardware))
        )

    def _show_downloads(self) -> None:
        for card in self.cards:
            self._show_download_of(card)

    def _show_download_of(self, card: CatalogCard) -> None:
        variant = card.variant()
        card.show_download(self._manager.find(variant.repo, variant.file.name))

    def _show_offline(self, offline: bool) -> None:
        self.offline_note.setVisible(offline)
        tip = (
            self.tr(
                "Offline mode is on, so nothing connects to the internet. "
                "Turn it off in Settings to download models."
            )
            if offline
            else self.tr("Add this file to the download queue")
        )
        for card in self.cards:
            card.set_offline(offline, tip)

    # -- queue buttons ---------------------------------------------------------------------

    def _update_buttons(self) -> None:
        item_id = self.selected_id()
        item = self._manager.item(item_id) if item_id else None
        state = item.state if item else None
        self.pause_button.setEnabled(state in (QUEUED, DOWNLOADING, VERIFYING))
        self.resume_button.setEnabled(state == PAUSED)
        self.retry_button.setEnabled(state == FAILED)
        self.cancel_button.setEnabled(state is not None and state != DONE)
        self.clear_button.setEnabled(any(i.state == DONE for i in self._manager.items()))

    def _ask_and_cancel(self, item_id: str) -> None:
        item = self._manager.item(item_id)
        if item is None:
            return
        question = self.tr(
            "Cancel the download of {name}? The partially downloaded file is deleted."
        ).format(name=item.file or item.repo)
        if self._confirm(self, question):
            self._manager.cancel(item.id)

    # -- slots -----------------------------------------------------------------------------

    @Slot(object)
    def _on_card_download_requested(self, variant: Variant) -> None:
        self.download(variant)

    @Slot(object)
    def _on_card_variant_chosen(self, variant: Variant) -> None:
        self._show_download_of(self.card_of(variant.repo, variant.file.name))

    @Slot(str)
    def _on_card_pause_requested(self, item_id: str) -> None:
        self._manager.pause(item_id)

    @Slot(str)
    def _on_card_resume_requested(self, item_id: str) -> None:
        self._manager.resume(item_id)

    @Slot(str)
    def _on_card_cancel_requested(self, item_id: str) -> None:
        self._ask_and_cancel(item_id)

    @Slot(str)
    def _on_manager_item_event(self, _item_id: str) -> None:
        self._show_downloads()

    @Slot(int)
    def _on_context_current_index_changed(self, _index: int) -> None:
        self._update_fit()

    @Slot(object)
    def _on_manager_hardware_changed(self, hardware: Hardware) -> None:
        self._show_hardware(hardware)
        self._update_fit()

    @Slot(bool)
    def _on_manager_offline_changed(self, offline: bool) -> None:
        self._show_offline(offline)

    @Slot(QItemSelection, QItemSelection)
    def _on_queue_selection_changed(self, *_args: object) -> None:
        self._update_buttons()

    @Slot(QModelIndex, QModelIndex)
    def _on_queue_model_data_changed(self, *_args: object) -> None:
        self._update_buttons()

    @Slot(QModelIndex, int, int)
    def _on_queue_model_rows_inserted(self, *_args: object) -> None:
        self._update_buttons()

    @Slot(QModelIndex, int, int)
    def _on_queue_model_rows_removed(self, *_args: object) -> None:
        self._update_buttons()

    @Slot()
    def _on_pause_button_clicked(self) -> None:
        if item_id := self.selected_id():
            self._manager.pause(item_id)

    @Slot()
    def _on_resume_button_clicked(self) -> None:
        if item_id := self.selected_id():
            self._manager.resume(item_id)

    @Slot()
    def _on_retry_button_clicked(self) -> None:
        if item_id := self.selected_id():
            self._manager.retry(item_id)

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        if item_id := self.selected_id():
            self._ask_and_cancel(item_id)

    @Slot()
    def _on_clear_button_clicked(self) -> None:
        self._manager.clear_finished()
