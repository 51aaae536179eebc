"""Documents in the chat: read a file a person attaches into an `Attachment` (its text for the
model), or refuse it with an `AttachmentError` that says why; and put attachments into the user
message the model reads (`with_attachments`).

Qt-free. Reading is blocking (a PDF may take seconds): the GUI runs it on its task runner.
"""

from __future__ import annotations

from app.core.attachments.errors import AttachmentCode, AttachmentError
from app.core.attachments.prompt import with_attachments
from app.core.attachments.reading import SUPPORTED_SUFFIXES, read_attachment
from app.core.chat_records import Attachment

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Attachment",
    "AttachmentCode",
    "AttachmentError",
    "read_attachment",
    "with_attachments",
]
