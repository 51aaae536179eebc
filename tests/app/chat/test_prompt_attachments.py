"""The prompt an answer is asked with reads each question's attachments."""

from __future__ import annotations

from app.chat.answer_runs import prompt_messages
from app.core.attachments import with_attachments
from app.core.chat_records import Attachment, StoredMessage
from engine.types import Message

NOTES = Attachment("notes.txt", "text", "The secret city is Lisbon.", 27)


def stored(message_id: int, role: str, content: str, *attachments: Attachment) -> StoredMessage:
    return StoredMessage(
        id=message_id,
        conversation_id=1,
        parent_id=message_id - 1 or None,
        role=role,
        content=content,
        reasoning="",
        created_at=0.0,
        complete=True,
        stats=None,
        model=None,
        thinking_s=None,
        attachments=attachments,
    )


def test_questions_carry_their_documents_on_every_turn() -> None:
    path = [
        stored(1, "user", "What is the secret city?", NOTES),
        stored(2, "assistant", "Lisbon."),
        stored(3, "user", "Spell it."),
    ]
    assert prompt_messages("", path) == [
        Message("user", with_attachments("What is the secret city?", [NOTES])),
        Message("assistant", "Lisbon."),
        Message("user", "Spell it."),
    ]
    assert "The secret city is Lisbon." in prompt_messages("", path)[0].content
