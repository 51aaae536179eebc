"""`ConversationPanel`: the chat list on the left: new, search, rename, pin, delete with Undo,
export (Markdown or JSON) and import (JSON)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PySide6.QtCore import QItemSelection, QModelIndex, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.conversations.context_menu import ConversationMenu
from app.conversations.list_model import ID_ROLE, PINNED_ROLE, ConversationListModel
from app.conversations.style import PANEL_STYLE
from app.conversations.undo_bar import UndoDeleteBar
from app.core.conversations import ConversationStore
from app.core.exporting import HistoryFormatError, read_history_file
from app.core.files import write_text_atomically
from app.core.storage_errors import StorageError
from app.words.storage import reason_text, storage_error_text

SEARCH_DELAY_MS = 150
_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class ConversationPanel(QWidget):
    """Signals:
    conversation_selected(int conversation_id)   # the person picked a chat
    new_chat_requested()
    conversation_deleted(int conversation_id)    # soft-deleted; Undo may bring it back
    conversation_restored(int conversation_id)
    conversations_imported(int count)            # new chats were added from a file
    error_occurred(str message)
    """

    conversation_selected = Signal(int)
    new_chat_requested = Signal()
    conversation_deleted = Signal(int)
    conversation_restored = Signal(int)
    conversations_imported = Signal(int)
    error_occurred = Signal(str)

    def __init__(self, store: ConversationStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationPanel")
        self.setStyleSheet(PANEL_STYLE)
        self._store = store
        self._current = 0
        self._syncing = False
        self._last_dir = Path.home()
        self.model = ConversationListModel(store, self)
        self.model.rename_failed.connect(self._on_model_rename_failed)

        self.new_button = QPushButton(self.tr("New chat"), self)
        self.new_button.setObjectName("newChatButton")
        self.new_button.setToolTip(self.tr("Start a new chat (Ctrl+N)"))
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self._build_file_actions()
        self.search = QLineEdit(self)
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText(self.tr("Search chats"))
        self.search.setToolTip(self.tr("Search titles and messages (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_text_changed)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)

        self.list = QListView(self)
        self.list.setObjectName("conversationList")
        self.list.setModel(self.model)
        # After setModel: the view clears its selection on reset, then this restores it.
        self.model.modelReset.connect(self._on_model_model_reset)
        self.list.setUniformItemSizes(True)
        # A long title ends in "…" within the panel instead of widening the list behind a
        # horizontal scroll bar.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._on_list_custom_context_menu_requested)
        self.list.selectionModel().selectionChanged.connect(self._on_selection_changed)
        delete_action = QAction(self.tr("Delete"), self.list)
        delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete_action.triggered.connect(self._on_delete_action_triggered)
        self.list.addAction(delete_action)

        self._empty = QLabel(self.tr("No chats yet."), self)
        self._empty.setObjectName("emptyList")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)

        self.undo_bar = UndoDeleteBar(self)
        self.undo_bar.undo_clicked.connect(self._on_undo_bar_undo_clicked)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.new_button, 1)
        top.addWidget(self.more_button)
        layout.addLayout(top)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self._empty, 1)
        layout.addWidget(self.undo_bar)
        self._show_empty_state()

    # -- requests --------------------------------------------------------------------------

    @property
    def current_id(self) -> int:
        return self._current

    def refresh(self) -> None:
        """Reload from the store (a title or the order changed); the selection stays."""
        self.model.refresh()

    @Slot(int)
    def select(self, conversation_id: int) -> None:
        """Show `conversation_id` as selected without announcing it (0 clears)."""
        self._current = conversation_id
        self._sync_selection()

    @Slot(int)
    def on_conversation_changed(self, _conversation_id: int) -> None:
        self.refresh()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def rename(self, conversation_id: int, title: str) -> None:
        try:
            self._store.rename(conversation_id, title)
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
        self.refresh()

    def start_rename(self, conversation_id: int) -> None:
        row = self.model.row_of(conversation_id)
        if row >= 0:
            self.list.edit(self.model.index(row))

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        try:
            self._store.set_pinned(conversation_id, pinned)
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
        self.refresh()

    def delete(self, conversation_id: int) -> None:
        title = self._store.get_conversation(conversation_id).title
        try:
            self._store.delete(conversation_id)
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
            return
        self.undo_bar.show_deleted(conversation_id, title)
        if conversation_id == self._current:
            self._current = 0
        self.refresh()
        self.conversation_deleted.emit(conversation_id)

    def export_chats(self, conversation_ids: list[int] | None = None) -> bool:
        """Ask for a file and write these chats (None: all) to it, as Markdown or JSON by the
        chosen filter or suffix. Returns whether a file was written."""
        markdown_filter = self.tr("Markdown (*.md)")
        json_filter = self.tr("JSON, can be imported again (*.json)")
        if conversation_ids is not None and len(conversation_ids) == 1:
            title = self._store.get_conversation(conversation_ids[0]).title
            name = _UNSAFE_FILE_CHARS.sub(" ", title).strip(" .") or "chat"
            filters, suggested = [markdown_filter, json_filter], f"{name}.md"
        else:
            filters, suggested = [json_filter, markdown_filter], "minicpm-chats.json"
        chosen, selected = QFileDialog.getSaveFileName(
            self, self.tr("Export chats"), str(self._last_dir / suggested), ";;".join(filters)
        )
        if not chosen:
            return False
        path = Path(chosen)
        if path.suffix.lower() not in (".md", ".markdown", ".json"):
            path = path.with_name(path.name + (".md" if selected == markdown_filter else ".json"))
        try:
            if path.suffix.lower() == ".json":
                data = self._store.export_data(conversation_ids)
                text = json.dumps(data, indent=2, ensure_ascii=False)
            else:
                include = self.include_reasoning_action.isChecked()
                text = self._store.export_markdown(conversation_ids, include_reasoning=include)
            write_text_atomically(path, text if text.endswith("\n") else text + "\n")
        except (OSError, StorageError) as exc:
            self._warn(self.tr("Could not export"), reason_text(exc))
            return False
        self._last_dir = path.parent
        return True

    def import_chats(self) -> list[int]:
        """Ask for a JSON export and add its chats as new chats. A file that is not a valid
        export is refused as a whole: nothing is added. Returns the new ids."""
        chosen, _selected = QFileDialog.getOpenFileName(
            self,
            self.tr("Import chats"),
            str(self._last_dir),
            self.tr("MiniCPM Chat export (*.json);;All files (*)"),
        )
        if not chosen:
            return []
        path = Path(chosen)
        try:
            ids = self._store.import_data(read_history_file(path))
        except (HistoryFormatError, OSError, StorageError) as exc:
            self._warn(self.tr("Could not import chats"), reason_text(exc))
            return []
        self._last_dir = path.parent
        if self.search.text():
            self.search.clear()  # so the imported chats are not hidden by an old search
            self.model.set_query("")
        self.refresh()
        self.conversations_imported.emit(len(ids))
        if ids:
            self._current = ids[0]
            self._sync_selection()
            self.conversation_selected.emit(ids[0])
        return ids

    def undo_delete(self) -> None:
        conversation_id = self.undo_bar.take()
        if conversation_id is None:
            return
        try:
            self._store.undelete(conversation_id)
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
            return
        self.refresh()
        self.conversation_restored.emit(conversation_id)
        self._current = conversation_id
        self._sync_selection()
        self.conversation_selected.emit(conversation_id)

    # -- slots -----------------------------------------------------------------------------

    @Slot()
    def _on_new_button_clicked(self) -> None:
        self.new_chat_requested.emit()

    @Slot(str)
    def _on_search_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.model.set_query(self.search.text())

    @Slot()
    def _on_model_model_reset(self) -> None:
        self._sync_selection()
        self._show_empty_state()

    @Slot(str)
    def _on_model_rename_failed(self, message: str) -> None:
        self.error_occurred.emit(message)

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._syncing:
            return
        indexes = self.list.selectionModel().selectedIndexes()
        if not indexes:
            return
        conversation_id = int(indexes[0].data(ID_ROLE))
        if conversation_id != self._current:
            self._current = conversation_id
            self.conversation_selected.emit(conversation_id)

    @Slot(QPoint)
    def _on_list_custom_context_menu_requested(self, position: QPoint) -> None:
        index = self.list.indexAt(position)
        if not index.isValid():
            return
        menu = self._context_menu(index)
        menu.exec(self.list.viewport().mapToGlobal(position))
        menu.deleteLater()  # one menu per right-click: do not keep them all

    @Slot()
    def _on_delete_action_triggered(self) -> None:
        index = self.list.currentIndex()
        if index.isValid():
            self.delete(int(index.data(ID_ROLE)))

    @Slot()
    def _on_export_all_action_triggered(self) -> None:
        self.export_chats(None)

    @Slot()
    def _on_import_action_triggered(self) -> None:
        self.import_chats()

    @Slot()
    def _on_undo_bar_undo_clicked(self) -> None:
        self.undo_delete()

    # -- helpers ---------------------------------------------------------------------------

    def _build_file_actions(self) -> None:
        self.export_all_action = QAction(self.tr("Export all chats…"), self)
        self.export_all_action.triggered.connect(self._on_export_all_action_triggered)
        self.import_action = QAction(self.tr("Import chats…"), self)
        self.import_action.triggered.connect(self._on_import_action_triggered)
        # One checkable option, shown in both menus, read when a Markdown file is written
        # (JSON always keeps the reasoning: it is the lossless format).
        self.include_reasoning_action = QAction(self.tr("Include reasoning in Markdown"), self)
        self.include_reasoning_action.setCheckable(True)
        more_menu = QMenu(self)
        more_menu.addAction(self.export_all_action)
        more_menu.addAction(self.import_action)
        more_menu.addSeparator()
        more_menu.addAction(self.include_reasoning_action)
        self.more_button = QToolButton(self)
        self.more_button.setObjectName("moreButton")
        self.more_button.setText("⋯")
        self.more_button.setToolTip(self.tr("Export and import chats"))
        self.more_button.setAccessibleName(self.tr("Export and import chats"))
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setMenu(more_menu)

    def _warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    def _context_menu(self, index: QModelIndex) -> ConversationMenu:
        shared = [self.export_all_action, self.import_action, self.include_reasoning_action]
        menu = ConversationMenu(
            int(index.data(ID_ROLE)), bool(index.data(PINNED_ROLE)), shared, self
        )
        menu.rename_chosen.connect(self._on_menu_rename_chosen)
        menu.pin_chosen.connect(self._on_menu_pin_chosen)
        menu.export_chosen.connect(self._on_menu_export_chosen)
        menu.delete_chosen.connect(self._on_menu_delete_chosen)
        return menu

    @Slot(int)
    def _on_menu_rename_chosen(self, conversation_id: int) -> None:
        self.start_rename(conversation_id)

    @Slot(int, bool)
    def _on_menu_pin_chosen(self, conversation_id: int, pinned: bool) -> None:
        self.set_pinned(conversation_id, pinned)

    @Slot(int)
    def _on_menu_export_chosen(self, conversation_id: int) -> None:
        self.export_chats([conversation_id])

    @Slot(int)
    def _on_menu_delete_chosen(self, conversation_id: int) -> None:
        self.delete(conversation_id)

    def _sync_selection(self) -> None:
        self._syncing = True
        try:
            row = self.model.row_of(self._current)
            if row < 0:
                self.list.clearSelection()
                self.list.setCurrentIndex(QModelIndex())
            else:
                self.list.setCurrentIndex(self.model.index(row))
        finally:
            self._syncing = False

    def _show_empty_state(self) -> None:
        empty = self.model.rowCount() == 0
        self._empty.setText(
            self.tr("No chats match.") if self.model.query else self.tr("No chats yet.")
        )
        self._empty.setVisible(empty)
        self.list.setVisible(not empty)
