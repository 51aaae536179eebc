"""`ConversationListModel`: a thin Qt list model over `ConversationStore.list_conversations`."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPixmap

from app.core.chat_records import Conversation
from app.core.conversations import ConversationStore
from app.core.storage_errors import StorageError
from app.words.storage import storage_error_text

ID_ROLE = Qt.ItemDataRole.UserRole + 1
PINNED_ROLE = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


def _pin_icon() -> QIcon:
    """A small drawn pin, so no icon file or emoji font is needed."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor("#d97706")
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(4, 1, 8, 8)
    path = QPainterPath()
    path.moveTo(6, 8)
    path.lineTo(10, 8)
    path.lineTo(8, 15)
    path.closeSubpath()
    painter.drawPath(path)
    painter.end()
    return QIcon(pixmap)


def describe_age(timestamp: float, now: float | None = None) -> str:
    seconds = max(0.0, (now or time.time()) - timestamp)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return time.strftime("%Y-%m-%d", time.localtime(timestamp))


class ConversationListModel(QAbstractListModel):
    """Rows are the store's conversations for the current search query, pinned first.

    Renaming through the view (EditRole) saves to the store. Signals:
        rename_failed(str message): why the rename was not saved, in the person's language
    """

    rename_failed = Signal(str)

    def __init__(self, store: ConversationStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._query = ""
        self._rows: list[Conversation] = []
        self._pin: QIcon | None = None  # drawn on first use: pixmaps need a running GUI
        self.refresh()

    @property
    def query(self) -> str:
        return self._query

    def set_query(self, query: str) -> None:
        self._query = query.strip()
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self._rows = self._store.list_conversations(self._query)
        self.endResetModel()

    def conversation(self, row: int) -> Conversation:
        return self._rows[row]

    def row_of(self, conversation_id: int) -> int:
        for row, conversation in enumerate(self._rows):
            if conversation.id == conversation_id:
                return row
        return -1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        conversation = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return conversation.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{conversation.title}\nLast active {describe_age(conversation.updated_at)}"
        if role == Qt.ItemDataRole.DecorationRole:
            if not conversation.pinned:
                return None
            if self._pin is None:
                self._pin = _pin_icon()
            return self._pin
        if role == Qt.ItemDataRole.FontRole and conversation.pinned:
            font = QFont()
            font.setBold(True)
            return font
        if role == ID_ROLE:
            return conversation.id
        if role == PINNED_ROLE:
            return conversation.pinned
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802 (Qt API)
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        title = str(value).strip()
        conversation = self._rows[index.row()]
        if not title or title == conversation.title:
            return False
        try:
            self._store.rename(conversation.id, title)
        except StorageError as exc:
            self.rename_failed.emit(storage_error_text(exc))
            return False
        self._rows[index.row()] = self._store.get_conversation(conversation.id)
        self.dataChanged.emit(index, index)
        return True
