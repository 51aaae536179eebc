"""The converter's child, in this process: its report format, and the limits it checks that
the parent cannot see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.attachments import AttachmentCode, AttachmentError, child, word
from app.core.attachments.converting import _text_or_raise
from tests.app.core.attachments.attachment_files import pdf_bytes, report_docx, write


def test_the_child_reports_one_marked_json_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.pdf", pdf_bytes([["Hello"]]))
    assert child.main(["pdf", str(path), "1000"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(child.RESULT_MARK) and line.isascii()
    assert json.loads(line.removeprefix(child.RESULT_MARK)) == {"text": "Hello"}


def test_a_refusal_comes_back_as_its_code(tmp_path: Path) -> None:
    report = child.result_of("pdf", write(tmp_path, "scan.pdf", pdf_bytes([[]])), 1000)
    assert report == {"code": "empty", "detail": "", "params": {"scanned": 1}}
    with pytest.raises(AttachmentError) as caught:
        _text_or_raise(report, "scan.pdf")
    assert caught.value.code == AttachmentCode.EMPTY and caught.value.params == {"scanned": 1}


def test_any_library_error_means_damaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(path: Path) -> str:
        raise KeyError("word/numbering.xml")

    monkeypatch.setattr(word, "docx_markdown", explode)
    report = child.result_of("docx", write(tmp_path, "a.docx", report_docx()), 1000)
    assert report == {"code": "damaged", "detail": "KeyError: 'word/numbering.xml'"}


def test_an_unknown_code_from_the_child_means_damaged() -> None:
    with pytest.raises(AttachmentError) as caught:
        _text_or_raise({"code": "from-the-future", "detail": "?"}, "a.pdf")
    assert caught.value.code == AttachmentCode.DAMAGED


def test_a_docx_that_would_unpack_too_much_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ZIP bomb: a small file whose XML unpacks to gigabytes."""
    monkeypatch.setattr(word, "MAX_UNPACKED_BYTES", 1000)
    path = write(tmp_path, "bomb.docx", report_docx())
    with pytest.raises(AttachmentError) as caught:
        word.docx_markdown(path)
    assert caught.value.code == AttachmentCode.TOO_LARGE
    assert caught.value.params["max_size"] == 1000
