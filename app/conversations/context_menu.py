"""`ConversationMenu`: the right-click menu of one chat in the list: rename, pin or unpin,
export, delete, then the panel's export / import actions."""
# Its sentences keep the panel's translation context (they moved out of it), so the
# translations made for them still apply.

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget


class ConversationMenu(QMenu):
    """Acts on the chat it was opened for; it only says what was chosen.

    Signals:
        rename_chosen(int conversation_id)
        pin_chosen(int conversation_id, bool pinned)    # pinned: what the chat should become
        export_chosen(int conversation_id)
        delete_chosen(int conversation_id)
    """

    rename_chosen = Signal(int)
    pin_chosen = Signal(int, bool)
    export_chosen = Signal(int)
    delete_chosen = Signal(int)

    def __init__(
        self,
        conversation_id: int,
        pinned: bool,
        shared_actions: Sequence[QAction],
        parent: QWidget | None = None,
    ) -> None:
        """`shared_actions` (export all, import, include reasoning) come last, after a
        separator; they belong to the panel and act on every chat."""
        super().__init__(parent)
        self._conversation_id = conversation_id
        self._pinned = pinned
        # Each sentence written out in full (no helper) so that lupdate finds it.
        self.addAction(
            QCoreApplication.translate("ConversationPanel", "Rename"), self._on_rename_triggered
        )
        if pinned:
            pin = QCoreApplication.translate("ConversationPanel", "Unpin")
        else:
            pin = QCoreApplication.translate("ConversationPanel", "Pin")
        self.addAction(pin, self._on_pin_triggered)
        self.addAction(
            QCoreApplication.translate("ConversationPanel", "Export…"), self._on_export_triggered
        )
        self.addSeparator()
        self.addAction(
            QCoreApplication.translate("ConversationPanel", "Delete"), self._on_delete_triggered
        )
        self.addSeparator()
        for action in shared_actions:
            self.addAction(action)

    @Slot()
    def _on_rename_triggered(self) -> None:
        self.rename_chosen.emit(self._conversation_id)

    @Slot()
    def _on_pin_triggered(self) -> None:
        self.pin_chosen.emit(self._conversation_id, not self._pinned)

    @Slot()
    def _on_export_triggered(self) -> None:
        self.export_chosen.emit(self._conversation_id)

    @Slot()
    def _on_delete_triggered(self) -> None:
        self.delete_chosen.emit(self._conversation_id)
