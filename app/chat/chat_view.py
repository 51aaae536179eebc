"""`ChatView`: the middle of the window. Shows what `ChatController` says; asks it for changes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.chat.attachment_chips import ATTACHMENT_STYLE
from app.chat.composer import Composer
from app.chat.context_dialog import ContextDialog
from app.chat.context_meter import ContextReading
from app.chat.controller import NO_CONVERSATION, ChatController, ContextProblem
from app.chat.markdown import DARK, LIGHT, MarkdownRenderer
from app.chat.style import CHAT_STYLE
from app.chat.transcript import TranscriptView
from app.words.context import context_use_text
from engine.types import GenerationStats

# Typing in the system prompt box is saved after this pause.
SYSTEM_PROMPT_SAVE_DELAY_MS = 600


class Banner(QFrame):
    """A dismissable line for errors and warnings (load failures, a full disk)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip(self.tr("Dismiss"))
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def text(self) -> str:
        return self._label.text()

    def show_message(self, text: str) -> None:
        self._label.setText(text)
        self.show()


class ChatView(QWidget):
    """The transcript, the per-chat system prompt and the composer. Signals:
    answer_finished(GenerationStats)   # for the status bar
    context_streamed(int tokens)       # for the status bar: the answer's context so far
    """

    answer_finished = Signal(object)
    context_streamed = Signal(int)

    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(CHAT_STYLE + ATTACHMENT_STYLE)
        self._controller = controller
        self._draft = controller.draft
        self._meter = controller.meter
        # The "does not fit" question while it is open (tests answer it).
        self.context_dialog: ContextDialog | None = None
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        self._renderer = MarkdownRenderer(DARK if dark else LIGHT)

        self.banner = Banner(self)
        self._title = QLabel(self)
        self._title.setObjectName("chatTitle")
        self._title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._system_toggle = QToolButton(self)
        self._system_toggle.setObjectName("systemPromptToggle")
        self._system_toggle.setText(self.tr("System prompt"))
        self._system_toggle.setCheckable(True)
        self._system_toggle.setAutoRaise(True)
        self._system_toggle.setToolTip(self.tr("Instructions the model follows in this chat"))
        self._system_toggle.toggled.connect(self._on_system_toggle_toggled)
        self.system_prompt = QPlainTextEdit(self)
        self.system_prompt.setObjectName("systemPromptEdit")
        self.system_prompt.setPlaceholderText(
            self.tr("Default: {prompt}").format(
                prompt=controller.settings.system_prompt or self.tr("(none)")
            )
        )
        self.system_prompt.setMaximumHeight(90)
        self.system_prompt.setVisible(False)
        self.system_prompt.textChanged.connect(self._on_system_prompt_text_changed)
        self._system_prompt_owner = NO_CONVERSATION  # the chat a pending edit belongs to
        self._scroll_to_end_once = True
        self._system_save = QTimer(self)
        self._system_save.setSingleShot(True)
        self._system_save.setInterval(SYSTEM_PROMPT_SAVE_DELAY_MS)
        self._system_save.timeout.connect(self._on_system_save_timeout)

        self.transcript = TranscriptView(self._renderer, self)
        self.composer = Composer(self)

        header = QHBoxLayout()
        header.setContentsMargins(16, 6, 8, 2)
        header.addWidget(self._title, 1)
        header.addWidget(self._system_toggle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addLayout(header)
        layout.addWidget(self.system_prompt)
        layout.addWidget(self.transcript, 1)
        composer_row = QHBoxLayout()
        composer_row.setContentsMargins(16, 6, 16, 12)
        composer_row.addWidget(self.composer)
        layout.addLayout(composer_row)

        controller.conversation_opened.connect(self._on_controller_conversation_opened)
        controller.conversation_updated.connect(self._on_controller_conversation_updated)
        controller.transcript_changed.connect(self._on_controller_transcript_changed)
        controller.answer_streamed.connect(self._on_controller_answer_streamed)
        controller.answer_finished.connect(self._on_controller_answer_finished)
        controller.context_streamed.connect(self.context_streamed)
        controller.busy_changed.connect(self._on_controller_busy_changed)
        controller.thinking_changed.connect(self._on_controller_thinking_changed)
        controller.error_occurred.connect(self._on_controller_error_occurred)
        controller.message_sent.connect(self._on_controller_message_sent)
        controller.context_overflowed.connect(self._on_controller_context_overflowed)
        controller.notice_posted.connect(self._on_controller_notice_posted)
        self._draft.changed.connect(self._on_draft_changed)
        self._draft.attachment_failed.connect(self._on_draft_attachment_failed)
        self._meter.reading_changed.connect(self._on_meter_reading_changed)
        self.composer.files_chosen.connect(self._on_composer_files_chosen)
        self.composer.attachment_removed.connect(self._on_composer_attachment_removed)
        self.composer.edit.textChanged.connect(self._on_composer_text_changed)
        self.composer.message_submitted.connect(self._on_composer_message_submitted)
        self.composer.stop_clicked.connect(self._on_composer_stop_clicked)
        self.composer.regenerate_clicked.connect(self._on_composer_regenerate_clicked)
        self.composer.thinking_toggled.connect(self._on_composer_thinking_toggled)
        self.transcript.regenerate_requested.connect(self._on_transcript_regenerate_requested)
        self.transcript.regenerate_with_thinking_requested.connect(
            self._on_transcript_regenerate_with_thinking_requested
        )
        self.transcript.continue_requested.connect(self._on_transcript_continue_requested)
        self.transcript.edit_submitted.connect(self._on_transcript_edit_submitted)
        self.transcript.version_selected.connect(self._on_transcript_version_selected)

        self._on_controller_conversation_opened(controller.conversation_id)
        self._on_controller_transcript_changed()
        self._on_controller_thinking_changed(*controller.thinking_state())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        # Palette changes also arrive while __init__ runs, before the transcript exists.
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "transcript"):
            dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
            palette = DARK if dark else LIGHT
            if palette != self._renderer.palette:
                # Code blocks carry their colours in the HTML: render every message again.
                self._renderer.set_palette(palette)
                self.transcript.show_messages([])
                self._on_controller_transcript_changed()

    def focus_composer(self) -> None:
        self.composer.focus_input()

    def attach_files(self, paths: list[Path]) -> None:
        """Attach documents to the message being written (read in the background)."""
        self._draft.add_files(paths)

    def show_error(self, text: str) -> None:
        self.banner.show_message(text)

    # -- controller ------------------------------------------------------------------------

    @Slot(int)
    def _on_controller_conversation_opened(self, _conversation_id: int) -> None:
        self._flush_system_prompt()
        self._show_title()
        self.system_prompt.blockSignals(True)
        self.system_prompt.setPlainText(self._controller.system_prompt())
        self.system_prompt.blockSignals(False)
        self._system_toggle.setChecked(bool(self._controller.system_prompt()))
        self.composer.set_busy(self._controller.is_busy)
        self._scroll_to_end_once = True  # a chat opens at its latest message

    @Slot(int)
    def _on_controller_conversation_updated(self, conversation_id: int) -> None:
        if conversation_id == self._controller.conversation_id:
            self._show_title()

    @Slot()
    def _on_controller_message_sent(self) -> None:
        self.composer.clear()
        self._draft.clear()
        self.banner.hide()

    @Slot(object)
    def _on_controller_context_overflowed(self, problem: ContextProblem) -> None:
        if self.context_dialog is not None:
            self.context_dialog.reject()
        dialog = ContextDialog(problem, self)
        dialog.finished.connect(self._on_context_dialog_finished)
        self.context_dialog = dialog
        dialog.open()

    @Slot(int)
    def _on_context_dialog_finished(self, _result: int) -> None:
        dialog, self.context_dialog = self.context_dialog, None
        if dialog is None:
            return
        dialog.deleteLater()
        self._controller.resolve_context(dialog.choice)
        self.composer.focus_input()

    @Slot(str)
    def _on_controller_notice_posted(self, message: str) -> None:
        self.banner.show_message(message)

    @Slot()
    def _on_controller_transcript_changed(self) -> None:
        views = self._controller.transcript()
        scroll = self._controller.is_busy or self._scroll_to_end_once
        self._scroll_to_end_once = False
        self.transcript.show_messages(views, scroll_to_end=scroll)
        last = views[-1] if views else None
        self.composer.set_can_regenerate(
            last is not None and last.message.role == "assistant" and not last.streaming
        )
        if not self._controller.is_busy:
            self._meter.schedule()  # the conversation the draft would follow changed

    @Slot(int, str, str, object)
    def _on_controller_answer_streamed(
        self, message_id: int, reasoning: str, answer: str, thinking_s: float | None
    ) -> None:
        self.transcript.stream(message_id, reasoning, answer, thinking_s)

    @Slot(int, object)
    def _on_controller_answer_finished(self, _message_id: int, stats: GenerationStats) -> None:
        self.answer_finished.emit(stats)

    @Slot(bool)
    def _on_controller_busy_changed(self, busy: bool) -> None:
        self.composer.set_busy(busy)

    @Slot(bool, bool)
    def _on_controller_thinking_changed(self, checked: bool, available: bool) -> None:
        self.composer.set_thinking(checked, available)

    @Slot(str)
    def _on_controller_error_occurred(self, message: str) -> None:
        self.banner.show_message(message)

    # -- composer and transcript -----------------------------------------------------------

    @Slot(str)
    def _on_composer_message_submitted(self, text: str) -> None:
        self._flush_system_prompt()
        if self._draft.reading:
            return  # the button waits for the attachments; Enter does too
        # The composer is cleared once the message is stored (message_sent): a question that
        # does not fit, and is cancelled, stays in the composer with its attachments.
        self._controller.send(text, self._draft.attachments())

    @Slot(list)
    def _on_composer_files_chosen(self, paths: list[Path]) -> None:
        self.attach_files(paths)

    @Slot(int)
    def _on_composer_attachment_removed(self, key: int) -> None:
        self._draft.remove(key)

    @Slot()
    def _on_composer_text_changed(self) -> None:
        self._meter.set_draft(self.composer.text(), self._draft.attachments())

    @Slot()
    def _on_draft_changed(self) -> None:
        self.composer.show_attachments(self._draft.items())
        self._meter.set_draft(self.composer.text(), self._draft.attachments())

    @Slot(str)
    def _on_draft_attachment_failed(self, message: str) -> None:
        self.banner.show_message(message)

    @Slot(object)
    def _on_meter_reading_changed(self, reading: ContextReading | None) -> None:
        if reading is None:
            self.composer.show_usage("")
            return
        use = context_use_text(reading.use, reading.estimate_s)
        if reading.estimate_s is None:
            use = self.tr("{use} · time to read known after the first answer").format(use=use)
        tooltip = self.tr(
            "How much of the model's context this conversation and your message take, with "
            "room for the answer, and how long this PC takes to read them (measured on "
            "earlier answers)."
        )
        self.composer.show_usage(
            self.tr("Context: {use}").format(use=use), tooltip, fits=reading.use.fits
        )

    @Slot()
    def _on_composer_stop_clicked(self) -> None:
        self._controller.stop()

    @Slot()
    def _on_composer_regenerate_clicked(self) -> None:
        self._controller.regenerate()

    @Slot(bool)
    def _on_composer_thinking_toggled(self, enabled: bool) -> None:
        self._controller.set_thinking(enabled)

    @Slot(int)
    def _on_transcript_regenerate_requested(self, message_id: int) -> None:
        self._controller.regenerate(message_id)

    @Slot(int, bool)
    def _on_transcript_regenerate_with_thinking_requested(
        self, message_id: int, thinking: bool
    ) -> None:
        self._controller.regenerate(message_id, thinking=thinking)

    @Slot(int)
    def _on_transcript_continue_requested(self, message_id: int) -> None:
        self._controller.continue_thinking(message_id)

    @Slot(int, str)
    def _on_transcript_edit_submitted(self, message_id: int, text: str) -> None:
        self._controller.edit_and_resend(message_id, text)

    @Slot(int)
    def _on_transcript_version_selected(self, message_id: int) -> None:
        self._controller.select_version(message_id)

    # -- system prompt ---------------------------------------------------------------------

    @Slot(bool)
    def _on_system_toggle_toggled(self, checked: bool) -> None:
        self.system_prompt.setVisible(checked)

    @Slot()
    def _on_system_prompt_text_changed(self) -> None:
        self._system_prompt_owner = self._controller.conversation_id
        self._system_save.start()

    @Slot()
    def _on_system_save_timeout(self) -> None:
        text = self.system_prompt.toPlainText().strip()
        self._controller.set_system_prompt(text, self._system_prompt_owner)

    def _flush_system_prompt(self) -> None:
        """Save a pending edit now, before the chat changes or a message goes out."""
        if self._system_save.isActive():
            self._system_save.stop()
            self._on_system_save_timeout()

    def _show_title(self) -> None:
        conversation = self._controller.conversation()
        if self._controller.conversation_id == NO_CONVERSATION or conversation is None:
            self._title.setText(self.tr("New chat"))
        else:
            self._title.setText(conversation.title)
