"""read_attachment: a file a person picked, as an Attachment, or an AttachmentError saying why
not. Text, Markdown and source code are decoded here (app.core.attachments.text_files); PDF,
Word and HTML files are converted in a child process (app.core.attachments.converting). A file
with an unknown name is read when it is a PDF or text inside.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from app.core.attachments.converting import convert_document
from app.core.attachments.errors import AttachmentCode, AttachmentError
from app.core.attachments.kinds import DOCUMENT_KINDS, SUPPORTED_SUFFIXES, kind_for_name
from app.core.attachments.text_files import decode_text
from app.core.chat_records import Attachment

__all__ = ["MAX_FILE_BYTES", "MAX_TEXT_CHARS", "SUPPORTED_SUFFIXES", "read_attachment"]

# Bigger files are refused before they are read (a PDF full of scans can be large and still
# hold little text, so this is generous).
MAX_FILE_BYTES = 64_000_000
# The largest MiniCPM context, 131,072 tokens, holds about 500,000 characters of English
# (4 a token) or about 200,000 of Chinese; four times that leaves room for any text that could
# still fit while refusing what never can. The engine's own room check has the last word.
MAX_TEXT_CHARS = 2_000_000


def read_attachment(path: Path) -> Attachment:
    """Blocking (a PDF may take seconds); raises AttachmentError only."""
    size = _file_size(path)
    if size > MAX_FILE_BYTES:
        detail = f"{size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
        params = {"size": size, "max_size": MAX_FILE_BYTES}
        raise AttachmentError(AttachmentCode.TOO_LARGE, path.name, detail, params)
    if size == 0:
        raise AttachmentError(AttachmentCode.EMPTY, path.name)
    kind = kind_for_name(path)
    if kind in DOCUMENT_KINDS:
        text = convert_document(path, kind, MAX_TEXT_CHARS)
    else:
        kind, text = _read_text(path, kind)
    return Attachment(path.name, kind, _checked(text, path.name), size)


def _file_size(path: Path) -> int:
    try:
        stat = path.stat()
    except OSError as error:
        raise AttachmentError(AttachmentCode.NOT_FOUND, path.name, _os_reason(error)) from None
    if not path.is_file():
        raise AttachmentError(AttachmentCode.NOT_FOUND, path.name, "not a file")
    return stat.st_size


def _read_text(path: Path, kind: str | None) -> tuple[str, str]:
    """(kind, text) of a text file, or of a PDF / Word file with a name that does not say so."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AttachmentError(AttachmentCode.NOT_FOUND, path.name, _os_reason(error)) from None
    if kind is None:
        sniffed = _sniff_document(path, data)
        if sniffed is not None:
            return sniffed, convert_document(path, sniffed, MAX_TEXT_CHARS)
    text = decode_text(data)
    if text is None:
        # Named like text but is not: say so; any other binary file is a format we do not read.
        code = AttachmentCode.BINARY if kind is not None else AttachmentCode.UNSUPPORTED
        raise AttachmentError(code, path.name)
    return kind or "text", text


def _sniff_document(path: Path, data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as package:
                return "docx" if "word/document.xml" in package.namelist() else None
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
    return None


def _checked(text: str, name: str) -> str:
    # Blank lines around the text carry nothing; indentation of the first line may (code).
    text = text.strip("\n").rstrip()
    if not text.strip():
        raise AttachmentError(AttachmentCode.EMPTY, name)
    if len(text) > MAX_TEXT_CHARS:
        detail = f"{len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}"
        raise AttachmentError(
            AttachmentCode.TOO_LARGE, name, detail, params={"max_chars": MAX_TEXT_CHARS}
        )
    return text


def _os_reason(error: OSError) -> str:
    return error.strerror or type(error).__name__
