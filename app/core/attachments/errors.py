"""Why a file could not be attached: a code with parameters, and its English sentence.

The CLI prints the English; `app/words/attachments.py` words each code in the person's language
with the same English as its source, so the two must change together.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from engine.sizes import format_size

__all__ = ["AttachmentCode", "AttachmentError", "english_sentence"]

Params = Mapping[str, str | int]


class AttachmentCode(StrEnum):
    NOT_FOUND = "not_found"  # missing, a folder, or no permission
    UNSUPPORTED = "unsupported"  # a binary format the app does not read (.doc, .xlsx, images)
    BINARY = "binary"  # named like text, but holds binary data
    ENCRYPTED = "encrypted"  # needs a password to open
    DAMAGED = "damaged"  # truncated, random bytes, or not what its name says
    TOO_LARGE = "too_large"  # the file, its text, or the time to read it (see params)
    EMPTY = "empty"  # no text at all (params["scanned"]: a PDF without a text layer)


class AttachmentError(Exception):
    """A file that cannot be attached: nothing is sent. `code` says why, `file_name` which
    file, `detail` the English specifics (the OS's or a library's words, the numbers), and
    `params` the numbers the words module needs:

    - TOO_LARGE: `size` and `max_size` (bytes; the file), or `max_chars` (its text), or
      `seconds` (reading it took longer).
    - EMPTY: `scanned` = 1 for a PDF with pages but no text layer.

    str() is one whole English sentence."""

    def __init__(
        self,
        code: AttachmentCode,
        file_name: str,
        detail: str = "",
        params: Params | None = None,
    ) -> None:
        self.code = code
        self.file_name = file_name
        self.detail = detail
        self.params: Params = dict(params or {})
        super().__init__(english_sentence(code, file_name, detail, self.params))


def english_sentence(code: AttachmentCode, name: str, detail: str, params: Params) -> str:
    """The sentence for each code; app/words/attachments.py translates the same English."""
    if code == AttachmentCode.NOT_FOUND:
        return _with_detail(f"Could not open {name}: the file is missing or cannot be read", detail)
    if code == AttachmentCode.UNSUPPORTED:
        return _with_detail(
            f"{name} cannot be attached: only text, Markdown, source code, PDF, Word (.docx) "
            "and HTML files can be",
            detail,
        )
    if code == AttachmentCode.BINARY:
        return f"{name} cannot be attached: it holds binary data, not text."
    if code == AttachmentCode.ENCRYPTED:
        return (
            f"{name} is protected by a password and cannot be read: save a copy without the "
            "password and attach that."
        )
    if code == AttachmentCode.DAMAGED:
        return _with_detail(f"{name} cannot be read: the file is damaged", detail)
    if code == AttachmentCode.TOO_LARGE:
        return _too_large(name, params)
    if params.get("scanned"):
        return (
            f"{name} has no text layer (it may be a scanned document), so there is nothing to read."
        )
    return f"{name} has no text to read."


def size_text(params: Params, key: str) -> str:
    value = params.get(key, 0)
    return format_size(value if isinstance(value, int) else 0)


def count_text(params: Params, key: str) -> str:
    value = params.get(key, 0)
    return f"{value if isinstance(value, int) else 0:,}"


def _too_large(name: str, params: Params) -> str:
    if "max_size" in params:
        size, limit = size_text(params, "size"), size_text(params, "max_size")
        return f"{name} is too large to attach ({size}; the limit is {limit})."
    if "max_chars" in params:
        limit = count_text(params, "max_chars")
        return f"{name} holds too much text to attach (more than {limit} characters)."
    return f"{name} took too long to read (more than {params.get('seconds', 0)} seconds)."


def _with_detail(sentence: str, detail: str) -> str:
    return f"{sentence} ({detail})." if detail else f"{sentence}."
