"""One message of the transcript: text, thinking, stats, actions and its version switcher."""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.chat.attachment_chips import MessageAttachmentChip
from app.chat.controller import MessageView
from app.chat.formatting import describe_stats, preview, thinking_title
from app.chat.markdown import MarkdownRenderer
from app.chat.markdown_view import MarkdownView

# How long the Copy button says "Copied".
COPIED_FEEDBACK_MS = 1500
LONG_RUN = re.compile(r"\S{40}")
# User messages sit on the right, never closer than this to the left edge.
USER_BUBBLE_INDENT = 120
# The style's horizontal padding and border (26 px), the 7-8 px more QLabel's word wrap needed
# in measurements, and a little to spare: any less and every line wraps, doubling the height.
BUBBLE_PADDING = 40


def _small_button(text: str, tooltip: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tooltip)
    button.setAutoRaise(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setObjectName("messageAction")
    return button


class _Bubble(QLabel):
    """A word-wrapped label as wide as its text (up to what the row allows), so short
    messages get a small bubble; plain QLabel guesses a narrow width for wrapped text."""

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        lines = self.text().splitlines() or [""]
        natural = max(self.fontMetrics().horizontalAdvance(line) for line in lines)
        width = natural + BUBBLE_PADDING
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(min(self.sizeHint().width(), 120), super().minimumSizeHint().height())


class ThinkingSection(QWidget):
    """A collapsible "Thinking" block above an answer: open while the model thinks, closed
    once the answer starts, titled with how long the thinking took."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._toggle = QToolButton(self)
        self._toggle.setObjectName("thinkingToggle")
        self._toggle.setCheckable(True)
        self._toggle.setAutoRaise(True)
        self._toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._toggle.setArrowType(Qt.ArrowType.RightArrow)
        self._toggle.toggled.connect(self._on_toggle_toggled)
        self._body = QLabel(self)
        self._body.setObjectName("thinkingText")
        self._body.setWordWrap(True)
        self._body.setTextFormat(Qt.TextFormat.PlainText)
        self._body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._body.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self._body)
        self._was_thinking = False
        self._opened_unfinished = False
        self.setVisible(False)

    @property
    def expanded(self) -> bool:
        return self._toggle.isChecked()

    @property
    def title(self) -> str:
        return self._toggle.text()

    def set_expanded(self, expanded: bool) -> None:
        self._toggle.setChecked(expanded)

    def show_reasoning(
        self, text: str, thinking_s: float | None, thinking_now: bool, unfinished: bool = False
    ) -> None:
        """`unfinished`: the answer ended inside its think block, so the reasoning is all
        there is to read: it opens (once; the person may close it again)."""
        self.setVisible(bool(text))
        self._body.setText(text)
        self._toggle.setText(thinking_title(thinking_s, thinking_now))
        if thinking_now and not self._was_thinking:
            self.set_expanded(True)
        elif self._was_thinking and not thinking_now and not unfinished:
            self.set_expanded(False)  # the answer started: make room for it
        if unfinished and not self._opened_unfinished:
            self.set_expanded(True)
        self._opened_unfinished = unfinished
        self._was_thinking = thinking_now

    @Slot(bool)
    def _on_toggle_toggled(self, checked: bool) -> None:
        self._toggle.setArrowType(Qt.ArrowType.DownArrow if checked else Qt.ArrowType.RightArrow)
        self._body.setVisible(checked)


class MessageWidget(QFrame):
    """Shows one `MessageView`. Only a streaming answer re-renders, at most every 50 ms.

    Signals:
        regenerate_requested(int message_id)
        regenerate_with_thinking_requested(int message_id, bool thinking)
        continue_requested(int message_id)    # it stopped while thinking: let it go on
        edit_submitted(int message_id, str text)
        version_selected(int message_id)
    """

    regenerate_requested = Signal(int)
    regenerate_with_thinking_requested = Signal(int, bool)
    continue_requested = Signal(int)
    edit_submitted = Signal(int, str)
    version_selected = Signal(int)

    def __init__(
        self, view: MessageView, renderer: MarkdownRenderer, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._is_user = view.message.role == "user"
        self.setObjectName("userMessage" if self._is_user else "assistantMessage")
        self.render_count = 0  # how often the answer was rendered (tests check re-rendering)
        self._pending: tuple[str, str] | None = None
        # How long the model thought, as the chat controller measures (and stores) it; the
        # widget keeps no clock of its own, so the title does not change when the answer ends.
        self._streamed_thinking_s: float | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 4)
        layout.setSpacing(4)
        self._role = QLabel(self)
        self._role.setObjectName("messageRole")
        role_alignment = (
            Qt.AlignmentFlag.AlignRight if self._is_user else Qt.AlignmentFlag.AlignLeft
        )
        layout.addWidget(self._role, 0, role_alignment)

        self._thinking = ThinkingSection(self)
        self._waiting = QLabel(self.tr("Waiting for the model…"), self)
        self._waiting.setObjectName("waitingLabel")
        self._waiting.setVisible(False)
        self._answer = MarkdownView(renderer, self)
        self._answer.setObjectName("answerText")
        self._bubble = _Bubble(self)
        self._bubble.setObjectName("userBubble")
        self._bubble.setWordWrap(True)
        self._bubble.setTextFormat(Qt.TextFormat.PlainText)
        self._bubble.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._bubble.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._bubble.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Minimum)
        # Under a long message's bubble: that only its start is shown.
        self._preview_note = QLabel(self)
        self._preview_note.setObjectName("previewNote")
        self._preview_note.setVisible(False)
        self._editor = QPlainTextEdit(self)
        self._editor.setObjectName("messageEditor")
        self._editor.setVisible(False)
        # The documents sent with a question; a click shows the text the model read.
        self.attachment_chips = [
            MessageAttachmentChip(attachment, self) for attachment in view.message.attachments
        ]
        # Said on a message the person chose to leave out of what the model reads.
        self._left_out = QLabel(self.tr("Left out of what the model reads"), self)
        self._left_out.setObjectName("leftOutNote")
        self._left_out.setToolTip(
            self.tr("You chose to leave this message out when the conversation no longer fit.")
        )
        self._left_out.setVisible(False)
        if self._is_user:
            row = QHBoxLayout()
            row.addSpacing(USER_BUBBLE_INDENT)
            row.addStretch(1)
            row.addWidget(self._bubble)
            layout.addLayout(row)
            if self.attachment_chips:
                chips = QHBoxLayout()
                chips.setSpacing(6)
                chips.addStretch(1)
                for chip in self.attachment_chips:
                    chips.addWidget(chip)
                layout.addLayout(chips)
            layout.addWidget(self._preview_note, 0, Qt.AlignmentFlag.AlignRight)
            layout.addWidget(self._editor)
            self._thinking.setVisible(False)
            self._answer.setVisible(False)
        else:
            layout.addWidget(self._thinking)
            layout.addWidget(self._waiting)
            layout.addWidget(self._answer)
            self._bubble.setVisible(False)

        layout.addWidget(
            self._left_out,
            0,
            Qt.AlignmentFlag.AlignRight if self._is_user else Qt.AlignmentFlag.AlignLeft,
        )
        self._interrupted = QFrame(self)
        self._interrupted.setObjectName("interruptedBanner")
        banner = QHBoxLayout(self._interrupted)
        banner.setContentsMargins(8, 4, 8, 4)
        self._interrupted_label = QLabel(self._interrupted)
        self._interrupted_label.setWordWrap(True)
        banner.addWidget(self._interrupted_label, 1)
        self._interrupted_regenerate = QPushButton(self.tr("Regenerate"), self._interrupted)
        self._interrupted_regenerate.clicked.connect(self._on_regenerate_clicked)
        banner.addWidget(self._interrupted_regenerate)
        layout.addWidget(self._interrupted)

        # Under an answer that ended inside its think block (the reasoning above stays open).
        self.unfinished_note = QFrame(self)
        self.unfinished_note.setObjectName("unfinishedThinkingNote")
        note_row = QHBoxLayout(self.unfinished_note)
        note_row.setContentsMargins(8, 4, 8, 4)
        note = QLabel(
            self.tr("The model stopped while thinking, before it answered."), self.unfinished_note
        )
        note.setWordWrap(True)
        note_row.addWidget(note, 1)
        self.continue_button = QPushButton(self.tr("Continue"), self.unfinished_note)
        self.continue_button.setToolTip(
            self.tr("Write a new version that goes on from this thought, with twice the room")
        )
        self.continue_button.clicked.connect(self._on_continue_clicked)
        note_row.addWidget(self.continue_button)
        self.without_thinking_button = QPushButton(
            self.tr("Regenerate without thinking"), self.unfinished_note
        )
        self.without_thinking_button.clicked.connect(self._on_without_thinking_triggered)
        note_row.addWidget(self.without_thinking_button)
        self.unfinished_note.setVisible(False)
        layout.addWidget(self.unfinished_note)

        footer = QHBoxLayout()
        footer.setSpacing(2)
        self._stats = QLabel(self)
        self._stats.setObjectName("messageStats")
        self._previous = _small_button("‹", self.tr("Previous version"), self)
        self._previous.clicked.connect(self._on_previous_clicked)
        self._version = QLabel(self)
        self._version.setObjectName("versionLabel")
        self._next = _small_button("›", self.tr("Next version"), self)
        self._next.clicked.connect(self._on_next_clicked)
        self._copy = _small_button(self.tr("Copy"), self.tr("Copy this message"), self)
        self._copy.clicked.connect(self._on_copy_clicked)
        self._edit = _small_button(
            self.tr("Edit"), self.tr("Edit and send again as a new version"), self
        )
        self._edit.clicked.connect(self._on_edit_clicked)
        self._regenerate = _small_button(
            self.tr("Regenerate"), self.tr("Write a new version of this answer"), self
        )
        self._regenerate.clicked.connect(self._on_regenerate_clicked)
        # Offered where the answer's thinking choice is known (the model can think).
        self.regenerate_menu = QMenu(self)
        self.regenerate_menu.addAction(self.tr("Regenerate with thinking")).triggered.connect(
            self._on_with_thinking_triggered
        )
        self.regenerate_menu.addAction(self.tr("Regenerate without thinking")).triggered.connect(
            self._on_without_thinking_triggered
        )
        # The thinking choice the answer was generated with.
        self.thinking_choice = QLabel(self)
        self.thinking_choice.setObjectName("thinkingChoice")
        self.thinking_choice.setVisible(False)
        if self._is_user:
            footer.addStretch(1)
        else:
            footer.addWidget(self._stats)
            footer.addWidget(self.thinking_choice)
            footer.addStretch(1)
        for widget in (self._previous, self._version, self._next, self._copy):
            footer.addWidget(widget)
        footer.addWidget(self._edit if self._is_user else self._regenerate)
        (self._regenerate if self._is_user else self._edit).setVisible(False)
        layout.addLayout(footer)

        self._edit_buttons = QWidget(self)
        edit_row = QHBoxLayout(self._edit_buttons)
        edit_row.setContentsMargins(0, 0, 0, 0)
        edit_row.addStretch(1)
        cancel = QPushButton(self.tr("Cancel"), self._edit_buttons)
        cancel.clicked.connect(self._on_cancel_edit_clicked)
        self._send_edit = QPushButton(self.tr("Send"), self._edit_buttons)
        self._send_edit.setDefault(True)
        self._send_edit.clicked.connect(self._on_send_edit_clicked)
        edit_row.addWidget(cancel)
        edit_row.addWidget(self._send_edit)
        self._edit_buttons.setVisible(False)
        layout.addWidget(self._edit_buttons)

        self._show(view, force=True)

    # -- what the transcript calls ---------------------------------------------------------

    @property
    def message_id(self) -> int:
        return self._view.message.id

    @property
    def view(self) -> MessageView:
        return self._view

    @property
    def thinking(self) -> ThinkingSection:
        return self._thinking

    @property
    def answer_view(self) -> MarkdownView:
        return self._answer

    def update_view(self, view: MessageView) -> None:
        if view != self._view:
            self._show(view)

    def stream(self, reasoning: str, answer: str, thinking_s: float | None = None) -> None:
        """New text for the growing answer, and the thinking time so far; drawn at once.

        Streamed text is throttled once, before it leaves the engine worker (its coalescer
        hands text on at most every 50 ms), so every update that arrives here is drawn."""
        self._streamed_thinking_s = thinking_s
        self._pending = (reasoning, answer)
        self._draw_pending()

    def flush(self) -> None:
        """Draw pending streamed text now (kept for callers that want to be sure)."""
        self._draw_pending()

    # -- drawing ---------------------------------------------------------------------------

    def _show(self, view: MessageView, force: bool = False) -> None:
        self._view = view
        self._pending = None
        message = view.message
        self._role.setText(
            self.tr("You") if self._is_user else (message.model or self.tr("Assistant"))
        )
        if self._is_user:
            self._show_question(message.content)
        else:
            if force or self._answer.markdown != message.content:
                self._render_answer(message.content)
            self._show_reasoning(message.reasoning, view.streaming and not message.content)
        self._left_out.setVisible(view.left_out)
        self._stats.setText("" if view.streaming else describe_stats(message.stats))
        self._stats.setVisible(bool(self._stats.text()))
        self._interrupted.setVisible(not self._is_user and view.interrupted)
        self._show_thinking_choice(view)
        if view.failure:
            self._interrupted_label.setText(
                self.tr("This answer failed: {reason}").format(reason=view.failure)
            )
        else:
            self._interrupted_label.setText(
                self.tr("This answer was interrupted before it finished.")
            )
        has_versions = view.versions > 1
        for widget in (self._previous, self._version, self._next):
            widget.setVisible(has_versions)
        self._version.setText(f"{view.version}/{view.versions}")
        self._previous.setEnabled(view.previous_id is not None)
        self._next.setEnabled(view.next_id is not None)
        self._copy.setVisible(not view.streaming)
        self._copy.setEnabled(bool(message.content))
        self._show_waiting(message.reasoning, message.content)
        self._regenerate.setVisible(not self._is_user and not view.streaming)
        self._regenerate.setEnabled(not view.interrupted)

    def _show_question(self, text: str) -> None:
        """The person's message as plain text; a long one shows its start (Copy and Edit still
        take all of it)."""
        shown = preview(text)
        cut = shown != text
        self._preview_note.setVisible(cut)
        if not cut:
            self._bubble.setText(text)
            return
        # The start may be one long run without spaces, which a label does not wrap: let it
        # break every 40 characters (a zero-width space; Copy copies the text as it was).
        self._bubble.setText(LONG_RUN.sub("\\g<0>\u200b", shown) + " …")
        note = self.tr("Showing the first {shown} of {total} characters. Copy takes them all.")
        self._preview_note.setText(note.format(shown=f"{len(shown):,}", total=f"{len(text):,}"))

    def _show_reasoning(self, reasoning: str, thinking_now: bool) -> None:
        seconds = self._streamed_thinking_s if self._view.streaming else None
        if seconds is None:
            seconds = self._view.message.thinking_s
        unfinished = self._stopped_while_thinking()
        self._thinking.show_reasoning(reasoning, seconds, thinking_now, unfinished)

    def _stopped_while_thinking(self) -> bool:
        view = self._view
        return not self._is_user and not view.streaming and view.message.reasoning_unfinished

    def _show_thinking_choice(self, view: MessageView) -> None:
        """The note on an answer that stopped while thinking, the thinking choice it was
        generated with, and Regenerate's menu to change that choice."""
        self.unfinished_note.setVisible(self._stopped_while_thinking())
        thinking = None if self._is_user else view.message.thinking
        if thinking is None:
            self.thinking_choice.setVisible(False)
            self._regenerate.setMenu(None)  # type: ignore[arg-type]  # None removes it
            return
        self.thinking_choice.setText(
            self.tr("Thinking on") if thinking else self.tr("Thinking off")
        )
        self.thinking_choice.setVisible(not view.streaming)
        self._regenerate.setMenu(self.regenerate_menu)
        self._regenerate.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)

    def _show_waiting(self, reasoning: str, answer: str) -> None:
        """Until the first token, say that something is happening (a model may be loading)."""
        waiting = not self._is_user and self._view.streaming and not reasoning and not answer
        self._waiting.setVisible(waiting)
        # No answer came after the thought: the note below says so, with no empty gap above.
        no_answer = self._stopped_while_thinking() and not answer
        self._answer.setVisible(not self._is_user and not waiting and not no_answer)

    def _render_answer(self, text: str) -> None:
        self.render_count += 1
        self._answer.set_markdown(text)

    def _draw_pending(self) -> None:
        if self._pending is None:
            return
        reasoning, answer = self._pending
        self._pending = None
        if answer != self._answer.markdown:
            self._render_answer(answer)
        self._show_reasoning(reasoning, not answer)
        self._show_waiting(reasoning, answer)

    # -- actions ---------------------------------------------------------------------------

    @Slot()
    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self._view.message.content)
        self._copy.setText(self.tr("Copied"))
        QTimer.singleShot(COPIED_FEEDBACK_MS, self._on_copied_feedback_timeout)

    @Slot()
    def _on_copied_feedback_timeout(self) -> None:
        self._copy.setText(self.tr("Copy"))

    @Slot()
    def _on_regenerate_clicked(self) -> None:
        self.regenerate_requested.emit(self.message_id)

    @Slot()
    def _on_with_thinking_triggered(self) -> None:
        self.regenerate_with_thinking_requested.emit(self.message_id, True)

    @Slot()
    def _on_without_thinking_triggered(self) -> None:
        self.regenerate_with_thinking_requested.emit(self.message_id, False)

    @Slot()
    def _on_continue_clicked(self) -> None:
        self.continue_requested.emit(self.message_id)

    @Slot()
    def _on_previous_clicked(self) -> None:
        if self._view.previous_id is not None:
            self.version_selected.emit(self._view.previous_id)

    @Slot()
    def _on_next_clicked(self) -> None:
        if self._view.next_id is not None:
            self.version_selected.emit(self._view.next_id)

    @Slot()
    def _on_edit_clicked(self) -> None:
        self.start_editing()

    def start_editing(self) -> None:
        self._editor.setPlainText(self._view.message.content)
        self._set_editing(True)
        self._editor.setFocus()

    def submit_edit(self, text: str | None = None) -> None:
        if text is not None:
            self._editor.setPlainText(text)
        self._on_send_edit_clicked()

    @Slot()
    def _on_send_edit_clicked(self) -> None:
        text = self._editor.toPlainText().strip()
        if not text:
            return
        self._set_editing(False)
        self.edit_submitted.emit(self.message_id, text)

    @Slot()
    def _on_cancel_edit_clicked(self) -> None:
        self._set_editing(False)

    def _set_editing(self, editing: bool) -> None:
        self._editor.setVisible(editing)
        self._edit_buttons.setVisible(editing)
        self._bubble.setVisible(not editing)
        self._edit.setEnabled(not editing)
