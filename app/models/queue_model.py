"""`DownloadQueueListModel`: a thin Qt list model over the `DownloadManager`'s queue, and the
delegate that draws each row with its progress bar."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Slot,
)
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QWidget,
)

from app.core.models.queue import (
    DONE,
    DOWNLOADING,
    FAILED,
    PAUSED,
    QUEUED,
    VERIFYING,
    QueuedDownload,
)
from app.models.manager import DownloadManager
from app.words.downloads import sentence_text
from engine.sizes import format_size

ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_ROLE = Qt.ItemDataRole.UserRole + 2
PERMILLE_ROLE = Qt.ItemDataRole.UserRole + 3  # progress, 0..1000
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 4  # speed, ETA, source, or why it failed

_Index = QModelIndex | QPersistentModelIndex


def _tr(text: str) -> str:
    return QCoreApplication.translate("DownloadQueue", text)


def state_label(state: str) -> str:
    labels = {
        QUEUED: _tr("Queued"),
        DOWNLOADING: _tr("Downloading"),
        PAUSED: _tr("Paused"),
        FAILED: _tr("Failed"),
        VERIFYING: _tr("Verifying"),
        DONE: _tr("Done"),
    }
    return labels.get(state, state)


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{seconds // 60}:{seconds % 60:02d}"


def detail_text(item: QueuedDownload) -> str:
    sizes = f"{format_size(item.done_bytes)} / {format_size(item.size_bytes)}"
    state = state_label(item.state)
    if item.state == DOWNLOADING:
        via = _tr(" · via {source}").format(source=item.source) if item.source else ""
        text = _tr("{state} · {sizes} · {speed}/s · {eta} left{via}").format(
            state=state,
            sizes=sizes,
            speed=format_size(item.speed_bps),
            eta=_eta(item.eta_s),
            via=via,
        )
    elif item.state == FAILED:
        why = sentence_text(item.error_sentence) if item.error_sentence else item.error
        text = f"{state} · {sizes} · {why}"
    elif item.state == DONE:
        text = f"{state} · {format_size(item.size_bytes)}"
    else:
        text = f"{state} · {sizes}"
    if item.note and item.state in (DOWNLOADING, VERIFYING):
        text += f" · {sentence_text(item.note)}"
    return text


class DownloadQueueListModel(QAbstractListModel):
    """One row per queue item, in queue order; rows follow the manager's signals."""

    def __init__(self, manager: DownloadManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._manager = manager
        self._ids = [i.id for i in manager.items()]
        manager.item_added.connect(self._on_manager_item_added)
        manager.item_changed.connect(self._on_manager_item_changed)
        manager.item_removed.connect(self._on_manager_item_removed)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        item = self._manager.item(self._ids[index.row()])
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            name = item.file or item.repo
            return f"{item.title} — {name}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.repo}/{item.file or ''}\n{detail_text(item)}"
        if role == ID_ROLE:
            return item.id
        if role == STATE_ROLE:
            return item.state
        if role == PERMILLE_ROLE:
            if item.state == DONE:
                return 1000
            return int(1000 * item.done_bytes / item.size_bytes) if item.size_bytes else 0
        if role == DETAIL_ROLE:
            return detail_text(item)
        return None

    def row_of(self, item_id: str) -> int:
        return self._ids.index(item_id) if item_id in self._ids else -1

    @Slot(str)
    def _on_manager_item_added(self, item_id: str) -> None:
        row = len(self._ids)
        self.beginInsertRows(QModelIndex(), row, row)
        self._ids.append(item_id)
        self.endInsertRows()

    @Slot(str)
    def _on_manager_item_changed(self, item_id: str) -> None:
        row = self.row_of(item_id)
        if row >= 0:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)

    @Slot(str)
    def _on_manager_item_removed(self, item_id: str) -> None:
        row = self.row_of(item_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._ids[row]
            self.endRemoveRows()


class DownloadItemDelegate(QStyledItemDelegate):
    """Title, a progress bar, and a line with speed, ETA and source (or the failure)."""

    PADDING = 6
    BAR_HEIGHT = 12

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:  # noqa: N802
        line = option.fontMetrics.height()
        return QSize(200, 2 * line + self.BAR_HEIGHT + 4 * self.PADDING)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        style = option.widget.style() if option.widget else QApplication.style()
        base = QStyleOptionViewItem(option)
        self.initStyleOption(base, index)
        base.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, base, painter, option.widget)
        pad, line = self.PADDING, option.fontMetrics.height()
        rect = option.rect.adjusted(pad, pad, -pad, -pad)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.setPen(option.palette.highlightedText().color())
        title = QRect(rect.left(), rect.top(), rect.width(), line)
        painter.drawText(title, Qt.AlignmentFlag.AlignLeft, str(index.data() or ""))
        bar = QStyleOptionProgressBar()
        bar.rect = QRect(rect.left(), title.bottom() + pad, rect.width(), self.BAR_HEIGHT)
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(index.data(PERMILLE_ROLE) or 0)
        # Qt 6 dropped the orientation field: without State_Horizontal, styles draw it vertical.
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        bar.palette = option.palette
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
        detail = QRect(rect.left(), bar.rect.bottom() + pad, rect.width(), line)
        text = option.fontMetrics.elidedText(
            str(index.data(DETAIL_ROLE) or ""), Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.drawText(detail, Qt.AlignmentFlag.AlignLeft, text)
        painter.restore()
