"""The composer: where people type, send, stop, regenerate and choose thinking."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

MAX_VISIBLE_LINES = 8
# Marked for lupdate; translated where used (tests compare with the English source).
NO_THINKING_TOOLTIP = QT_TRANSLATE_NOOP("Composer", "The loaded model has no thinking mode.")
THINKING_TOOLTIP = QT_TRANSLATE_NOOP(
    "Composer", "Let the model think before it answers (saved for this chat)."
)


class ComposerEdit(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line, Esc stops. Signals:
    submitted(), escape_pressed()"""

    submitted = Signal()
    escape_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submitted.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class Composer(QFrame):
    """Signals:
    message_submitted(str text)   # the view clears the box once the message was accepted
    stop_clicked()
    regenerate_clicked()
    thinking_toggled(bool enabled)
    """

    message_submitted = Signal(str)
    stop_clicked = Signal()
    regenerate_clicked = Signal()
    thinking_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self._busy = False
        self.edit = ComposerEdit(self)
        self.edit.setObjectName("composerEdit")
        self.edit.setPlaceholderText(
            self.tr("Ask anything  (Enter sends, Shift+Enter adds a line)")
        )
        self.edit.setTabChangesFocus(True)
        self.edit.setFrameShape(QFrame.Shape.NoFrame)
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.edit.submitted.connect(self._on_edit_submitted)
        self.edit.escape_pressed.connect(self._on_edit_escape_pressed)
        self.edit.textChanged.connect(self._on_edit_text_changed)

        self.thinking = QToolButton(self)
        self.thinking.setObjectName("thinkingButton")
        self.thinking.setText(self.tr("Think"))
        self.thinking.setCheckable(True)
        # str(): PySide6 types QT_TRANSLATE_NOOP as returning object; it returns the str.
        self.thinking.setToolTip(self.tr(str(THINKING_TOOLTIP)))
        self.thinking.toggled.connect(self._on_thinking_toggled)
        self.regenerate = QPushButton(self.tr("Regenerate"), self)
        self.regenerate.setObjectName("regenerateButton")
        self.regenerate.setToolTip(self.tr("Write a new version of the last answer"))
        self.regenerate.clicked.connect(self._on_regenerate_clicked)
        self.send = QPushButton(self.tr("Send"), self)
        self.send.setObjectName("sendButton")
        self.send.setDefault(True)
        self.send.clicked.connect(self._on_send_clicked)

        buttons = QHBoxLayout()
        buttons.addWidget(self.thinking)
        buttons.addStretch(1)
        buttons.addWidget(self.regenerate)
        buttons.addWidget(self.send)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.edit)
        layout.addLayout(buttons)
        self._on_edit_text_changed()
        self.set_can_regenerate(False)

    # -- what the chat view calls ----------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    def text(self) -> str:
        return self.edit.toPlainText()

    def clear(self) -> None:
        self.edit.clear()

    def focus_input(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.send.setText(self.tr("Stop") if busy else self.tr("Send"))
        self.send.setToolTip(self.tr("Stop the answer (Esc)") if busy else self.tr("Send (Enter)"))
        self._update_send_enabled()

    def set_can_regenerate(self, can: bool) -> None:
        self.regenerate.setVisible(can)

    def set_thinking(self, checked: bool, available: bool) -> None:
        self.thinking.blockSignals(True)
        self.thinking.setChecked(checked and available)
        self.thinking.blockSignals(False)
        self.thinking.setEnabled(available)
        self.thinking.setToolTip(
            self.tr(str(THINKING_TOOLTIP if available else NO_THINKING_TOOLTIP))
        )

    # -- slots -----------------------------------------------------------------------------

    @Slot()
    def _on_edit_submitted(self) -> None:
        if not self._busy and self.text().strip():
            self.message_submitted.emit(self.text())

    @Slot()
    def _on_edit_escape_pressed(self) -> None:
        if self._busy:
            self.stop_clicked.emit()

    @Slot()
    def _on_send_clicked(self) -> None:
        if self._busy:
            self.stop_clicked.emit()
        else:
            self._on_edit_submitted()

    @Slot()
    def _on_regenerate_clicked(self) -> None:
        self.regenerate_clicked.emit()

    @Slot(bool)
    def _on_thinking_toggled(self, checked: bool) -> None:
        self.thinking_toggled.emit(checked)

    @Slot()
    def _on_edit_text_changed(self) -> None:
        # Grow with the text up to a few lines, then scroll inside.
        document = self.edit.document()
        lines = max(1, min(MAX_VISIBLE_LINES, int(document.size().height())))
        line_height = self.edit.fontMetrics().lineSpacing()
        margins = self.edit.contentsMargins()
        padding = 2 * int(document.documentMargin()) + margins.top() + margins.bottom() + 4
        self.edit.setFixedHeight(lines * line_height + padding)
        policy = (
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
            if document.size().height() > MAX_VISIBLE_LINES
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        self.edit.setVerticalScrollBarPolicy(policy)
        self._update_send_enabled()

    def _update_send_enabled(self) -> None:
        self.send.setEnabled(self._busy or bool(self.text().strip()))
