"""read_attachment as the GUI and the CLI call it: every format read right, and every refusal
a clear AttachmentError with its code (never another exception). PDF, Word and HTML files go
through the converter's child process here, as in the app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.core.attachments import (
    SUPPORTED_SUFFIXES,
    AttachmentCode,
    AttachmentError,
    converting,
    read_attachment,
    reading,
)
from tests.app.core.attachments.attachment_files import (
    docx_bytes,
    encrypted_pdf_bytes,
    paragraph,
    pdf_bytes,
    report_docx,
    write,
)

PAGES = [["Quarterly report", "The secret city is Lisbon."], ["Page two says Porto."]]


def refused(path: Path) -> AttachmentError:
    with pytest.raises(AttachmentError) as caught:
        read_attachment(path)
    assert caught.value.file_name == path.name
    assert str(caught.value).endswith(".")  # one whole sentence
    return caught.value


# What is read


@pytest.mark.parametrize(
    ("name", "kind"),
    [("notes.txt", "text"), ("README.md", "markdown"), ("main.py", "code"), ("Makefile", "text")],
)
def test_text_files_by_name(tmp_path: Path, name: str, kind: str) -> None:
    path = write(tmp_path, name, "\n\nThe secret city is Lisbon.\r\n  indented\n\n")
    attachment = read_attachment(path)
    assert (attachment.name, attachment.kind) == (name, kind)
    assert attachment.text == "The secret city is Lisbon.\n  indented"
    assert attachment.size_bytes == path.stat().st_size


def test_a_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "report.pdf", pdf_bytes(PAGES))
    attachment = read_attachment(path)
    assert attachment.kind == "pdf"
    assert attachment.text == "Quarterly report\nThe secret city is Lisbon.\n\nPage two says Porto."
    assert attachment.size_bytes == path.stat().st_size


def test_a_pdf_with_an_empty_user_password_is_read(tmp_path: Path) -> None:
    """It opens in every viewer without asking; its flags only limit printing or copying."""
    path = write(tmp_path, "statement.pdf", encrypted_pdf_bytes(PAGES, user_password=""))
    assert "Lisbon" in read_attachment(path).text


def test_a_docx_keeps_headings_tables_and_chinese(tmp_path: Path) -> None:
    attachment = read_attachment(write(tmp_path, "report.docx", report_docx()))
    assert attachment.kind == "docx"
    assert attachment.text.startswith("# Quarterly report\n\nThe secret city is Lisbon.")
    assert "| MiniCPM5-1B | 131072 |" in attachment.text
    assert "本地模型可以离线回答问题。" in attachment.text


def test_html_keeps_the_page_and_drops_scripts(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="gb18030"><title>T</title><style>p{}</style></head><body>'
        "<script>var hidden = 1;</script><h1>Report</h1><p>snake_case &amp; 2*3</p>"
        '<p>去北京</p><img src="data:image/png;base64,AAAA" alt="a chart">'
        '<a href="https://example.org/">a link</a> <a href="javascript:go()">no link</a>'
        "</body></html>"
    )
    path = write(tmp_path, "page.html", page.encode("gb18030"))
    attachment = read_attachment(path)
    assert attachment.kind == "html"
    assert attachment.text == (
        "# Report\n\nsnake_case & 2*3\n\n去北京\n\na chart[a link](https://example.org/) no link"
    )


def test_a_pdf_without_its_suffix_is_still_a_pdf(tmp_path: Path) -> None:
    attachment = read_attachment(write(tmp_path, "download", pdf_bytes(PAGES)))
    assert attachment.kind == "pdf" and "Porto" in attachment.text


def test_a_docx_without_its_suffix_is_still_a_docx(tmp_path: Path) -> None:
    attachment = read_attachment(write(tmp_path, "report.bin", report_docx()))
    assert attachment.kind == "docx" and "Lisbon" in attachment.text


def test_the_file_dialog_offers_every_kind() -> None:
    for suffix in (".txt", ".md", ".py", ".pdf", ".docx", ".html", ".htm"):
        assert suffix in SUPPORTED_SUFFIXES
    assert len(set(SUPPORTED_SUFFIXES)) == len(SUPPORTED_SUFFIXES)


# What is refused, and why


def test_a_missing_file(tmp_path: Path) -> None:
    assert refused(tmp_path / "gone.txt").code == AttachmentCode.NOT_FOUND


def test_a_folder(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    assert refused(tmp_path / "folder.txt").code == AttachmentCode.NOT_FOUND


def test_binary_data_named_as_text(tmp_path: Path) -> None:
    assert refused(write(tmp_path, "notes.txt", b"\x00\x01\x02binary")).code == (
        AttachmentCode.BINARY
    )


@pytest.mark.parametrize("name", ["photo.png", "sheet.xlsx", "noname"])
def test_an_unknown_binary_format(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(512))
    assert refused(path).code == AttachmentCode.UNSUPPORTED


def test_an_old_word_document(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le")
    error = refused(write(tmp_path, "old.docx", ole))
    assert error.code == AttachmentCode.UNSUPPORTED and ".doc" in error.detail


def test_a_password_protected_word_document(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptionInfo".encode("utf-16-le")
    assert refused(write(tmp_path, "secret.docx", ole)).code == AttachmentCode.ENCRYPTED


def test_a_password_protected_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.pdf", encrypted_pdf_bytes(PAGES, user_password="secret"))
    error = refused(path)
    assert error.code == AttachmentCode.ENCRYPTED
    assert "password" in str(error)


@pytest.mark.parametrize(
    "data",
    [
        pdf_bytes(PAGES)[:300],  # truncated
        b"%PDF-1.4\n" + os.urandom(2000),
        os.urandom(3000),
        b"%PDF-",
    ],
    ids=["truncated", "header-then-noise", "random", "header-only"],
)
def test_a_damaged_pdf(tmp_path: Path, data: bytes) -> None:
    error = refused(write(tmp_path, "broken.pdf", data))
    assert error.code == AttachmentCode.DAMAGED and error.detail


@pytest.mark.parametrize(
    "data",
    [
        report_docx()[:200],  # truncated
        os.urandom(3000),
        docx_bytes(paragraph("x")).replace(b"word/document.xml", b"word/other_name.xml"),
        docx_bytes("<w:p><w:r><w:t>unclosed"),  # its XML is broken
    ],
    ids=["truncated", "random", "no-document-part", "broken-xml"],
)
def test_a_damaged_docx(tmp_path: Path, data: bytes) -> None:
    error = refused(write(tmp_path, "broken.docx", data))
    assert error.code == AttachmentCode.DAMAGED and error.detail


def test_a_scanned_pdf_has_no_text_layer(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "scan.pdf", pdf_bytes([[], []])))
    assert error.code == AttachmentCode.EMPTY
    assert error.params == {"scanned": 1} and "scanned" in str(error)


@pytest.mark.parametrize("data", [b"", b"  \n\r\n\t\n"], ids=["empty", "blank"])
def test_an_empty_file(tmp_path: Path, data: bytes) -> None:
    assert refused(write(tmp_path, "empty.txt", data)).code == AttachmentCode.EMPTY


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as sparse:  # takes no disk space
        sparse.truncate(reading.MAX_FILE_BYTES + 1)
    error = refused(path)
    assert error.code == AttachmentCode.TOO_LARGE
    assert error.params == {"size": reading.MAX_FILE_BYTES + 1, "max_size": reading.MAX_FILE_BYTES}
    assert "64.0 MB" in str(error)


def test_text_over_the_character_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_TEXT_CHARS", 10)
    error = refused(write(tmp_path, "long.md", "x" * 11))
    assert error.code == AttachmentCode.TOO_LARGE
    assert error.params == {"max_chars": 10} and "11 characters" in error.detail


def test_a_pdf_over_the_character_limit_stops_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_TEXT_CHARS", 30)
    many = [[f"Page {n} has a line of text on it."] for n in range(50)]
    error = refused(write(tmp_path, "book.pdf", pdf_bytes(many)))
    assert error.code == AttachmentCode.TOO_LARGE
    assert "first 1 pages" in error.detail


def test_a_file_that_takes_too_long(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(converting, "CONVERT_TIMEOUT_S", 0.001)
    error = refused(write(tmp_path, "slow.pdf", pdf_bytes(PAGES)))
    assert error.code == AttachmentCode.TOO_LARGE and "seconds" in str(error)


def test_a_reader_that_crashes_means_a_damaged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(converting, "CHILD_MODULE", "tests.app.core.attachments.crashing_child")
    error = refused(write(tmp_path, "crash.pdf", pdf_bytes(PAGES)))
    assert error.code == AttachmentCode.DAMAGED and "exit code" in error.detail
