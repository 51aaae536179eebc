"""The plain records of a stored chat, shared by the store and the export formats.

Their own module so that `conversations` (the SQLite store) and `exporting` (the history files)
both depend on it and not on each other. Qt-free and import-free, like the records themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Attachment", "Conversation", "StoredMessage"]


@dataclass(frozen=True)
class Attachment:
    """A document attached to a user message: what its chip shows and the text the model reads."""

    name: str  # the file's name, as its chip shows it
    kind: str  # "text" | "markdown" | "code" | "pdf" | "docx" | "html"
    text: str  # the extracted text the model reads
    size_bytes: int  # the original file's size


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    pinned: bool
    created_at: float
    updated_at: float
    system_prompt: str
    thinking: bool | None  # None: follow the app setting
    model: str | None


@dataclass(frozen=True)
class StoredMessage:
    id: int
    conversation_id: int
    parent_id: int | None
    role: str
    content: str
    reasoning: str
    created_at: float
    complete: bool  # False while streaming, and for good if the app died mid-answer
    stats: dict[str, Any] | None
    model: str | None
    thinking_s: float | None
    attachments: tuple[Attachment, ...] = ()
    # The thinking choice an answer was generated with; None: unknown (older answers, models
    # that cannot think, questions).
    thinking: bool | None = None
    # The answer ended inside a think block that never closed: no answer text was given.
    reasoning_unfinished: bool = False
