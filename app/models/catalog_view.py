"""`DownloadPanel`: the MiniCPM catalog with fit for this PC on top, the download queue below.
Everything it does goes through the `DownloadManager` it is given. One tab of the Models window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QItemSelection,
    QModelIndex,
    Qt,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.models.catalog import CatalogEntry, Variant
from app.core.models.errors import DownloadError
from app.core.models.hardware import recommend_for
from app.core.models.queue import DONE, DOWNLOADING, FAILED, PAUSED, QUEUED, VERIFYING
from app.models.manager import DownloadManager
from app.models.queue_model import ID_ROLE, DownloadItemDelegate, DownloadQueueListModel
from app.words.downloads import error_text
from app.words.hardware import fit_text, hardware_summary_text, recommendation_text
from engine.machine import Hardware
from engine.sizes import format_size

CONTEXT_CHOICES = (2048, 4096, 8192, 16384, 32768, 65536, 131072)
# Marked for lupdate here, translated where the header is filled.
COLUMNS = (
    QT_TRANSLATE_NOOP("DownloadPanel", "Model / file"),
    QT_TRANSLATE_NOOP("DownloadPanel", "Size"),
    QT_TRANSLATE_NOOP("DownloadPanel", "Quantization"),
    QT_TRANSLATE_NOOP("DownloadPanel", "Backends"),
    QT_TRANSLATE_NOOP("DownloadPanel", "Source"),
    QT_TRANSLATE_NOOP("DownloadPanel", "Fit"),
    QT_TRANSLATE_NOOP("DownloadPanel", "Runs best on"),
    "",
)
DOWNLOAD_COLUMN = len(COLUMNS) - 1
FIT_COLUMN = 5
ADVICE_COLUMN = 6

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
    """Catalog browser and download queue. `confirm` asks before a cancel (tests replace it)."""

    def __init__(
        self,
        manager: DownloadManager,
        parent: QWidget | None = None,
        *,
        confirm: Confirm = ask_user,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("downloadPanel")
        self._manager = manager
        self._confirm = confirm
        self.download_buttons: dict[tuple[str, str | None], QPushButton] = {}
        self._variants: dict[tuple[str, str | None], Variant] = {}
        self._rows: list[tuple[QTreeWidgetItem, Variant]] = []

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
        self.catalog = QTreeWidget(self)
        self.catalog.setObjectName("catalogTree")
        self.catalog.setColumnCount(len(COLUMNS))
        self.catalog.setHeaderLabels([self.tr(str(c)) if c else "" for c in COLUMNS])
        self.catalog.setRootIsDecorated(True)
        self.catalog.setUniformRowHeights(True)
        self.catalog.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._fill_catalog()

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

        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.addWidget(self.hardware_label, 1)
        header.addWidget(QLabel(self.tr("Context"), self))
        header.addWidget(self.context)
        top_layout.addWidget(self.offline_note)
        top_layout.addLayout(header)
        top_layout.addWidget(self.catalog)
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
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        manager.offline_changed.connect(self._on_manager_offline_changed)
        manager.hardware_changed.connect(self._on_manager_hardware_changed)
        self._show_offline(manager.offline)
        self._update_buttons()

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

    # -- catalog ---------------------------------------------------------------------------

    def _fill_catalog(self) -> None:
        for entry in self._manager.catalog.entries:
            top = QTreeWidgetItem(self.catalog)
            top.setText(0, self._entry_title(entry))
            top.setToolTip(0, entry.notes or entry.display_name)
            top.setText(4, self.tr("official") if entry.official else self.tr("community"))
            for variant in entry.variants():
                self._add_variant(top, variant)
            top.setExpanded(entry.recommended)
        self._update_fit()

    def _entry_title(self, entry: CatalogEntry) -> str:
        title = entry.display_name
        if entry.recommended:
            title += "  ★ " + self.tr("Recommended")
        return title

    def _add_variant(self, parent: QTreeWidgetItem, variant: Variant) -> None:
        row = QTreeWidgetItem(parent)
        file = variant.file
        row.setText(
            0, file.name or self.tr("{repo} (OpenVINO IR folder)").format(repo=variant.repo)
        )
        row.setToolTip(0, f"{variant.repo}\n{file.note}".strip())
        row.setText(1, format_size(file.size_bytes))
        row.setText(2, file.quantization)
        row.setText(3, ", ".join(file.backends))
        badges = [self.tr("official") if variant.source.official else self.tr("community")]
        badges.append(
            self.tr("verified")
            if variant.source.verified and file.verified
            else self.tr("unverified")
        )
        if variant.source.experimental:
            badges.append(self.tr("experimental"))
        row.setText(4, ", ".join(badges))
        key = (variant.repo, file.name)
        button = QPushButton(self.tr("Download"), self.catalog)
        button.setObjectName(f"download:{variant.repo}:{file.name or ''}")
        button.clicked.connect(self._on_download_button_clicked)
        button.setProperty("variant_key", key)
        self.download_buttons[key] = button
        self._variants[key] = variant
        self._rows.append((row, variant))
        self.catalog.setItemWidget(row, DOWNLOAD_COLUMN, button)

    def _update_fit(self) -> None:
        context = int(self.context.currentData())
        for row, variant in self._rows:
            entry = variant.entry
            tokens = min(context, entry.context_length)
            advice = recommend_for(entry, variant.file, self._manager.hardware, tokens)
            row.setText(FIT_COLUMN, fit_text(advice.fit))
            explanation = recommendation_text(advice)
            if tokens < context:
                explanation += self.tr(" (capped at the model's {n:,}-token context)").format(
                    n=entry.context_length
                )
            row.setToolTip(FIT_COLUMN, explanation)
            row.setText(ADVICE_COLUMN, f"{advice.backend} · {advice.device}")
            row.setToolTip(ADVICE_COLUMN, explanation)

    def advice_text(self, repo: str, file: str | None) -> str:
        """The "Runs best on" cell of one variant, e.g. "llama · CUDA"."""
        for row, variant in self._rows:
            if (variant.repo, variant.file.name) == (repo, file):
                return row.text(ADVICE_COLUMN)
        raise KeyError((repo, file))

    def _show_hardware(self, hardware: Hardware) -> None:
        self.hardware_label.setText(
            self.tr("This PC: {summary}").format(summary=hardware_summary_text(hardware))
        )

    def fit_text(self, repo: str, file: str | None) -> tuple[str, str]:
        """(verdict, explanation) shown for one variant; for tests and accessibility."""
        for row, variant in self._rows:
            if (variant.repo, variant.file.name) == (repo, file):
                return row.text(FIT_COLUMN), row.toolTip(FIT_COLUMN)
        raise KeyError((repo, file))

    def _show_offline(self, offline: bool) -> None:
        self.offline_note.setVisible(offline)
        tip = (
            self.tr(
                "Offline mode is on, so nothing connects to the internet. "
                "Turn it off in Settings to download models."
            )
            if offline
            else ""
        )
        for button in self.download_buttons.values():
            button.setEnabled(not offline)
            button.setToolTip(tip or self.tr("Add this file to the download queue"))

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

    # -- slots -----------------------------------------------------------------------------

    @Slot()
    def _on_download_button_clicked(self) -> None:
        button = self.sender()
        key = button.property("variant_key") if button is not None else None
        if key is not None:
            self.download(self._variants[tuple(key)])  # type: ignore[index]

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
        item_id = self.selected_id()
        item = self._manager.item(item_id) if item_id else None
        if item is None:
            return
        question = self.tr(
            "Cancel the download of {name}? The partially downloaded file is deleted."
        ).format(name=item.file or item.repo)
        if self._confirm(self, question):
            self._manager.cancel(item.id)

    @Slot()
    def _on_clear_button_clicked(self) -> None:
        self._manager.clear_finished()
