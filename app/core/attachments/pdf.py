"""The text of a PDF, page by page, with PDFium (pypdfium2).

Chosen by measurement (docs/attachments.md): the fastest of the libraries tried and the only
one without a fault in reading order, table rows or words on our test documents. PDFium is
native code, so it runs only in the converter's child process (app.core.attachments.child): a
crash or a file that takes too long ends the child, never the app.

A PDF that opens without a password (encrypted with an empty user password, which only
restricts printing or copying) is read like any other, as every PDF viewer shows it; one that
asks for a password is ENCRYPTED.
"""

from __future__ import annotations

from pathlib import Path

from app.core.attachments.errors import AttachmentCode, AttachmentError

__all__ = ["pdf_text"]

# PDFium writes a hyphen it removed at a line break as U+FFFE (get_text_range) or U+0002
# (get_text_bounded), and joins the word: "manip\ufffeulation" is "manipulation".
_SOFT_HYPHENS = str.maketrans({"\ufffe": None, "\x02": None})


def pdf_text(path: Path, max_chars: int) -> str:
    """Pages separated by a blank line. Raises AttachmentError: ENCRYPTED, DAMAGED, EMPTY (no
    text layer) or TOO_LARGE (more than `max_chars` characters, found before reading on)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        document = pdfium.PdfDocument(path.read_bytes())
    except pdfium.PdfiumError as error:
        code = getattr(error, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise AttachmentError(AttachmentCode.ENCRYPTED, path.name) from None
        raise AttachmentError(AttachmentCode.DAMAGED, path.name, _reason(error)) from None
    try:
        pages = _pages(document, path.name, max_chars)
    finally:
        document.close()
    if not pages:
        raise AttachmentError(AttachmentCode.EMPTY, path.name, params={"scanned": 1})
    return "\n\n".join(pages)


def _pages(document: object, name: str, max_chars: int) -> list[str]:
    """The pages that have text; stops as soon as there is too much."""
    import pypdfium2 as pdfium

    assert isinstance(document, pdfium.PdfDocument)
    pages: list[str] = []
    total = 0
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_range()
        finally:
            textpage.close()
            page.close()
        text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_SOFT_HYPHENS).strip()
        if not text:
            continue
        pages.append(text)
        total += len(text)
        if total > max_chars:
            detail = f"more than {max_chars:,} characters in the first {index + 1} pages"
            raise AttachmentError(
                AttachmentCode.TOO_LARGE, name, detail, params={"max_chars": max_chars}
            )
    return pages


def _reason(error: Exception) -> str:
    # "Failed to load document (PDFium: Data format error)." -> "PDFium: Data format error"
    text = str(error)
    start, end = text.find("("), text.rfind(")")
    return text[start + 1 : end] if 0 <= start < end else text
