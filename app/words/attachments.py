"""Why a file could not be attached, in the person's language.

`app.core.attachments` refuses a file with an `AttachmentError` (a code, the file's name, an
English detail and numbers); this module turns it into a sentence through
`QCoreApplication.translate("AttachmentWords", ...)`, each with a literal string so lupdate
finds it. The English sources equal the core's own English (app/core/attachments/errors.py,
what the CLI prints). A detail in parentheses (the OS's or a library's words) stays English:
no translation knows them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.core.attachments import AttachmentCode, AttachmentError
from app.core.attachments.errors import count_text, size_text

__all__ = ["attachment_error_text"]


def attachment_error_text(error: AttachmentError) -> str:
    """The refusal as one sentence, naming the file."""
    name = error.file_name
    code = error.code
    if code == AttachmentCode.NOT_FOUND:
        return _with_detail(
            QCoreApplication.translate(
                "AttachmentWords", "Could not open {name}: the file is missing or cannot be read"
            ),
            name,
            error.detail,
        )
    if code == AttachmentCode.DAMAGED:
        return _with_detail(
            QCoreApplication.translate(
                "AttachmentWords", "{name} cannot be read: the file is damaged"
            ),
            name,
            error.detail,
        )
    if code == AttachmentCode.TOO_LARGE:
        return _too_large(error)
    if code == AttachmentCode.EMPTY:
        return _empty(error)
    if code == AttachmentCode.UNSUPPORTED:
        return _with_detail(
            QCoreApplication.translate(
                "AttachmentWords",
                "{name} cannot be attached: only text, Markdown, source code, PDF, Word (.docx) "
                "and HTML files can be",
            ),
            name,
            error.detail,
        )
    return _refused(code, name)


def _refused(code: AttachmentCode, name: str) -> str:
    if code == AttachmentCode.BINARY:
        text = QCoreApplication.translate(
            "AttachmentWords", "{name} cannot be attached: it holds binary data, not text."
        )
    else:
        text = QCoreApplication.translate(
            "AttachmentWords",
            "{name} is protected by a password and cannot be read: save a copy without the "
            "password and attach that.",
        )
    return text.format(name=name)


def _too_large(error: AttachmentError) -> str:
    params = error.params
    if "max_size" in params:
        return QCoreApplication.translate(
            "AttachmentWords", "{name} is too large to attach ({size}; the limit is {limit})."
        ).format(
            name=error.file_name,
            size=size_text(params, "size"),
            limit=size_text(params, "max_size"),
        )
    if "max_chars" in params:
        return QCoreApplication.translate(
            "AttachmentWords",
            "{name} holds too much text to attach (more than {limit} characters).",
        ).format(name=error.file_name, limit=count_text(params, "max_chars"))
    return QCoreApplication.translate(
        "AttachmentWords", "{name} took too long to read (more than {seconds} seconds)."
    ).format(name=error.file_name, seconds=params.get("seconds", 0))


def _empty(error: AttachmentError) -> str:
    if error.params.get("scanned"):
        text = QCoreApplication.translate(
            "AttachmentWords",
            "{name} has no text layer (it may be a scanned document), so there is nothing to read.",
        )
    else:
        text = QCoreApplication.translate("AttachmentWords", "{name} has no text to read.")
    return text.format(name=error.file_name)


def _with_detail(sentence: str, name: str, detail: str) -> str:
    text = sentence.format(name=name)
    return f"{text} ({detail})." if detail else f"{text}."
