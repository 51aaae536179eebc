"""The composer: where people type, attach documents, send, stop, regenerate and choose
thinking; under the text, how much of the context the message would take."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QMimeData, Qt, Signal, Slot
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.chat.attachment_chips import OVERFLOW_STYLE, DraftChip, paperclip_icon
from app.chat.draft import DraftItem
from app.core.attachments import SUPPORTED_SUFFIXES

MAX_VISIBLE_LINES = 8
ATTACH_SHORTCUT = "Ctrl+Shift+A"
# Model files dropped on the window are imported as models (app/models/drop_target.py), also
# when they land on the composer; everything else dropped here is attached.
MODEL_SUFFIXES = (".gguf",)
# Marked for lupdate; translated where used (tests compare with the English source).
NO_THINKING_TOOLTIP = QT_TRANSLATE_NOOP("Composer", "The loaded model has no thinking mode.")
THINKING_TOOLTIP = QT_TRANSLATE_NOOP(
    "Composer", "Let the model think before it answers (saved for this chat)."
)


def dropped_documents(mime: QMimeData) -> list[Path]:
    """The local files being dragged in that the composer attaches: not folders and not model
    files (those go on to the window, which imports them)."""
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.is_file() and p.suffix.lower() not in MODEL_SUFFIXES]


class ComposerEdit(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line, Esc stops; dropped documents are attached
    (not pasted as their file names). Signals:
    submitted(), escape_pressed(), files_dropped(list[Path])"""

    submitted = Signal()
    escape_pressed = Signal()
    files_dropped = Signal(list)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if dropped_documents(event.mimeData()):
            event.acceptProposedAction()
        elif event.mimeData().hasUrls():
            event.ignore()  # model files: the window takes them
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt override)
        if dropped_documents(event.mimeData()):
            event.acceptProposedAction()
        elif event.mimeData().hasUrls():
            event.ignore()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        documents = dropped_documents(event.mimeData())
        if documents:
            event.acceptProposedAction()
            self.files_dropped.emit(documents)
        elif event.mimeData().hasUrls():
            event.ignore()
        else:
            super().dropEvent(event)

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
    """Shows the draft's attachments as chips (`show_attachments`) and the context use
    (`show_usage`); the view keeps the attachments themselves. Signals:
    message_submitted(str text)   # the view clears the box once the message was stored
    stop_clicked()
    regenerate_clicked()
    thinking_toggled(bool enabled)
    files_chosen(list[Path])      # picked with the attach button or dropped on the composer
    attachment_removed(int key)   # a chip's × (DraftItem.key)
    """

    message_submitted = Signal(str)
    stop_clicked = Signal()
    regenerate_clicked = Signal()
    thinking_toggled = Signal(bool)
    files_chosen = Signal(list)
    attachment_removed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.setAcceptDrops(True)
        self._busy = False
        self._items: list[DraftItem] = []
        self._last_dir = Path.home()
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
        self.edit.files_dropped.connect(self._on_edit_files_dropped)

        self.chips = QWidget(self)
        self.chips.setObjectName("attachmentChips")
        self._chips_layout = QHBoxLayout(self.chips)
        self._chips_layout.setContentsMargins(0, 0, 0, 0)
        self._chips_layout.setSpacing(6)
        self._chips_layout.addStretch(1)
        self.chips.setVisible(False)
        self.attach = QToolButton(self)
        self.attach.setObjectName("attachButton")
        self.attach.setText(self.tr("Attach"))
        self.attach.setIcon(paperclip_icon(self.palette().color(QPalette.ColorRole.Text)))
        self.attach.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.attach.setAutoRaise(True)
        self.attach.setShortcut(QKeySequence(ATTACH_SHORTCUT))
        self.attach.setToolTip(
            self.tr("Attach documents: text, Markdown, code, PDF, Word, HTML ({keys})").format(
                keys=QKeySequence(ATTACH_SHORTCUT).toString(QKeySequence.SequenceFormat.NativeText)
            )
        )
        self.attach.clicked.connect(self._on_attach_clicked)
        self.usage = QLabel(self)
        self.usage.setObjectName("contextUsage")
        self.usage.setVisible(False)

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
        buttons.addWidget(self.attach)
        buttons.addWidget(self.thinking)
        buttons.addWidget(self.usage, 1)
        buttons.addWidget(self.regenerate)
        buttons.addWidget(self.send)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.chips)
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

    @property
    def reading(self) -> bool:
        """An attachment is still being read: the message cannot go yet."""
        return any(item.reading for item in self._items)

    def chip_widgets(self) -> list[DraftChip]:
        chips = []
        for index in range(self._chips_layout.count()):
            item = self._chips_layout.itemAt(index)
            widget = item.widget() if item is not None else None
            if isinstance(widget, DraftChip):
                chips.append(widget)
        return chips

    def show_attachments(self, items: Sequence[DraftItem]) -> None:
        """One chip per attachment of the draft, in order."""
        self._items = list(items)
        for chip in self.chip_widgets():
            self._chips_layout.removeWidget(chip)
            chip.hide()
            chip.deleteLater()
        for position, item in enumerate(self._items):
            chip = DraftChip(item, self.chips)
            chip.remove_clicked.connect(self._on_chip_remove_clicked)
            self._chips_layout.insertWidget(position, chip)
        self.chips.setVisible(bool(self._items))
        self._update_send_enabled()

    def show_usage(self, text: str, tooltip: str = "", *, fits: bool = True) -> None:
        """The context use line; "" hides it. In a warning colour when it does not fit."""
        self.usage.setText(text)
        self.usage.setToolTip(tooltip)
        self.usage.setStyleSheet("" if fits else OVERFLOW_STYLE)
        self.usage.setVisible(bool(text))

    def choose_files(self) -> list[Path]:
        """Ask for documents to attach (the attach button); announced as `files_chosen`."""
        patterns = " ".join(f"*{suffix}" for suffix in SUPPORTED_SUFFIXES)
        filters = ";;".join(
            [self.tr("Documents ({patterns})").format(patterns=patterns), self.tr("All files (*)")]
        )
        chosen, _selected = QFileDialog.getOpenFileNames(
            self, self.tr("Attach documents"), str(self._last_dir), filters
        )
        paths = [Path(name) for name in chosen]
        if paths:
            self._last_dir = paths[0].parent
            self.files_chosen.emit(paths)
        return paths

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
        if not self._busy and self._can_send():
            self.message_submitted.emit(self.text())

    @Slot()
    def _on_attach_clicked(self) -> None:
        self.choose_files()

    @Slot(list)
    def _on_edit_files_dropped(self, paths: list[Path]) -> None:
        self.files_chosen.emit(paths)

    @Slot(int)
    def _on_chip_remove_clicked(self, key: int) -> None:
        self.attachment_removed.emit(key)

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

    def _can_send(self) -> bool:
        """Text or an attachment to send, and no attachment still being read."""
        return bool(self.text().strip() or self._items) and not self.reading

    def _update_send_enabled(self) -> None:
        self.send.setEnabled(self._busy or self._can_send())
        if self.reading and not self._busy:
            self.send.setToolTip(self.tr("Wait until the attachments are read"))
        elif not self._busy:
            self.send.setToolTip(self.tr("Send (Enter)"))

    # -- drops on the composer's frame and buttons (the text box handles its own) ---------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if dropped_documents(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt override)
        if dropped_documents(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        documents = dropped_documents(event.mimeData())
        if documents:
            event.acceptProposedAction()
            self.files_chosen.emit(documents)
        else:
            event.ignore()
