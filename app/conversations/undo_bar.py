"""`UndoDeleteBar`: "Deleted “Title”. [Undo]" under the chat list, for a few seconds after a
chat is deleted. It remembers which chat that was; the panel restores it."""
# Its sentences keep the panel's translation context (they moved out of it), so the
# translations made for them still apply.

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTimer, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

UNDO_VISIBLE_MS = 10_000


class UndoDeleteBar(QFrame):
    """Hidden until `show_deleted`; hides itself again after UNDO_VISIBLE_MS.

    Signals:
        undo_clicked()    # the person asked for the deleted chat back; `take()` names it
    """

    undo_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("undoBar")
        self._deleted: int | None = None
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.undo_button = QPushButton(
            QCoreApplication.translate("ConversationPanel", "Undo"), self
        )
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.undo_button)
        self.hide()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(UNDO_VISIBLE_MS)
        self.timer.timeout.connect(self._on_timer_timeout)

    def show_deleted(self, conversation_id: int, title: str) -> None:
        """Offer to undo this deletion (a previous offer is dropped: one Undo at a time)."""
        self._deleted = conversation_id
        self.label.setText(
            QCoreApplication.translate("ConversationPanel", "Deleted “{title}”.").format(
                title=title
            )
        )
        self.show()
        self.timer.start()

    def take(self) -> int | None:
        """The deleted chat to bring back, forgotten here, and the bar hidden; None when the
        offer has run out."""
        conversation_id, self._deleted = self._deleted, None
        if conversation_id is not None:
            self.hide()
        return conversation_id

    @Slot()
    def _on_undo_button_clicked(self) -> None:
        self.undo_clicked.emit()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.hide()
        self._deleted = None
