"""`ContextDialog`: a question does not fit the context; the person picks the way out before
anything is cut or sent (raise the context, leave out the oldest messages, a new chat with a
summary), or cancels and keeps the draft."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.chat.controller import ContextChoice, ContextProblem
from app.chat.formatting import preview
from app.words.context import choice_texts

# How much of each left-out message the dialog quotes, and how many it lists.
QUOTE_CHARS = 60
QUOTED_MESSAGES = 6


def quote(text: str) -> str:
    """The first words of a message, on one line."""
    line = " ".join(preview(text, QUOTE_CHARS, 1).split())
    return line + " …" if len(" ".join(text.split())) > len(line) else line


class ContextDialog(QDialog):
    """Window-modal; `choice` holds the answer once it is finished (CANCEL when closed)."""

    def __init__(self, problem: ContextProblem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contextDialog")
        self.setWindowTitle(self.tr("The conversation does not fit"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(480)  # room for the choices' sentences on two or three lines
        self.choice = ContextChoice.CANCEL
        texts = choice_texts(problem.use, problem.choices)
        headline = QLabel(texts.headline, self)
        headline.setObjectName("contextHeadline")
        headline.setWordWrap(True)
        self.headline = headline
        layout = QVBoxLayout(self)
        self._layout = layout
        layout.addWidget(headline)
        self.buttons: dict[ContextChoice, QCommandLinkButton] = {}
        self.left_out: QLabel | None = None
        if texts.raise_context is not None:
            self._add(ContextChoice.RAISE, self.tr("Raise the context"), texts.raise_context)
        if texts.drop_oldest is not None:
            title = self.tr("Leave out the oldest messages")
            self._add(ContextChoice.DROP, title, texts.drop_oldest)
            left_out = QLabel(self._left_out_text(problem), self)
            left_out.setObjectName("leftOutMessages")
            left_out.setWordWrap(True)
            left_out.setTextFormat(Qt.TextFormat.PlainText)
            left_out.setContentsMargins(24, 0, 0, 0)
            layout.addWidget(left_out)
            self.left_out = left_out
        if texts.new_chat is not None:
            title = self.tr("Start a new chat with a summary")
            self._add(ContextChoice.SUMMARIZE, title, texts.new_chat)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        box.button(QDialogButtonBox.StandardButton.Cancel).setToolTip(
            self.tr("Send nothing; the message and its attachments stay in the composer")
        )
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.cancel_button = box.button(QDialogButtonBox.StandardButton.Cancel)

    def _add(self, choice: ContextChoice, title: str, description: str) -> None:
        button = QCommandLinkButton(title, description, self)
        button.setObjectName(f"contextChoice_{choice.value}")
        button.clicked.connect(self._on_choice_clicked)
        button.setProperty("choice", choice.value)
        self._layout.addWidget(button)
        self.buttons[choice] = button

    def _left_out_text(self, problem: ContextProblem) -> str:
        shown = problem.left_out[:QUOTED_MESSAGES]
        lines = []
        for message in shown:
            who = self.tr("You") if message.role == "user" else self.tr("Assistant")
            lines.append(self.tr("{who}: “{words}”").format(who=who, words=quote(message.content)))
        rest = len(problem.left_out) - len(shown)
        if rest > 0:
            lines.append(self.tr("… and {count} more").format(count=rest))
        note = self.tr("They stay in the chat, marked; the model no longer reads them.")
        return "\n".join([*lines, note])

    @Slot()
    def _on_choice_clicked(self) -> None:
        button = self.sender()
        if isinstance(button, QCommandLinkButton):
            self.choice = ContextChoice(str(button.property("choice")))
            self.accept()
