"""Refused attachments become words through tr(); the English words are the core's English,
what the CLI prints."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication

from app.core.attachments import AttachmentCode, AttachmentError
from app.words.attachments import attachment_error_text

MARKED_CONTEXT = "AttachmentWords"  # for the `marking` fixture (conftest.py)

ERRORS = [
    AttachmentError(AttachmentCode.NOT_FOUND, "a.txt", "No such file or directory"),
    AttachmentError(AttachmentCode.NOT_FOUND, "a.txt"),
    AttachmentError(AttachmentCode.UNSUPPORTED, "b.xlsx"),
    AttachmentError(AttachmentCode.UNSUPPORTED, "c.doc", "an old Word (.doc) file"),
    AttachmentError(AttachmentCode.BINARY, "d.txt"),
    AttachmentError(AttachmentCode.ENCRYPTED, "e.pdf"),
    AttachmentError(AttachmentCode.DAMAGED, "f.pdf", "PDFium: Data format error"),
    AttachmentError(
        AttachmentCode.TOO_LARGE, "g.log", "x", {"size": 70_000_000, "max_size": 64_000_000}
    ),
    AttachmentError(AttachmentCode.TOO_LARGE, "h.md", "x", {"max_chars": 2_000_000}),
    AttachmentError(AttachmentCode.TOO_LARGE, "i.pdf", "x", {"seconds": 30}),
    AttachmentError(AttachmentCode.EMPTY, "j.txt"),
    AttachmentError(AttachmentCode.EMPTY, "k.pdf", params={"scanned": 1}),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: f"{e.code}-{e.file_name}")
def test_every_refusal_is_translated(marking: None, error: AttachmentError) -> None:
    text = attachment_error_text(error)
    assert text.startswith("«")
    assert error.file_name in text  # the translation keeps the file's name


def test_every_code_has_words() -> None:
    assert {e.code for e in ERRORS} == set(AttachmentCode)


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: f"{e.code}-{e.file_name}")
def test_english_words_match_the_cores_english(
    qapp: QCoreApplication,  # noqa: ARG001
    error: AttachmentError,
) -> None:
    assert attachment_error_text(error) == str(error)


def test_numbers_are_in_the_words(qapp: QCoreApplication) -> None:  # noqa: ARG001
    texts = [attachment_error_text(e) for e in ERRORS]
    assert "g.log is too large to attach (70.0 MB; the limit is 64.0 MB)." in texts
    assert "h.md holds too much text to attach (more than 2,000,000 characters)." in texts
