"""The text of a Word document (.docx) as Markdown: mammoth turns it into HTML (headings,
lists, tables, footnotes; content controls and tracked insertions included, deletions left
out), then app.core.attachments.markup into Markdown. Chosen by measurement
(docs/attachments.md): python-docx was faster but lost content controls, tracked insertions and
nested tables.

Checked before mammoth sees it: a .docx is a ZIP holding word/document.xml; a password-protected
one is an OLE file instead (with an EncryptionInfo stream), as is an old binary .doc; the XML it
would unpack must fit a limit (a ZIP bomb would otherwise fill the memory).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from app.core.attachments.errors import AttachmentCode, AttachmentError
from app.core.attachments.markup import html_to_markdown

__all__ = ["MAX_UNPACKED_BYTES", "docx_markdown"]

MAX_UNPACKED_BYTES = 256_000_000
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream an encrypted Office file keeps its key data in, as the OLE directory names it.
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_MAIN_PART = "word/document.xml"


def docx_markdown(path: Path) -> str:
    """Raises AttachmentError: ENCRYPTED, UNSUPPORTED (an old .doc), DAMAGED, TOO_LARGE."""
    _check_package(path)
    import mammoth
    import mammoth.images

    # Images are left out (their alt text stays): no bytes of them reach the model.
    no_images = mammoth.images.img_element(lambda image: {})
    with path.open("rb") as file:
        html = mammoth.convert_to_html(file, convert_image=no_images).value
    return html_to_markdown(html)


def _check_package(path: Path) -> None:
    with path.open("rb") as file:
        head = file.read(len(_OLE_MAGIC))
    if head == _OLE_MAGIC:
        _refuse_ole(path)
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as error:
        raise AttachmentError(
            AttachmentCode.DAMAGED, path.name, f"not a ZIP file: {error}"
        ) from None
    if _MAIN_PART not in names:
        raise AttachmentError(AttachmentCode.DAMAGED, path.name, f"no {_MAIN_PART} inside")
    if unpacked > MAX_UNPACKED_BYTES:
        detail = f"{unpacked:,} bytes when unpacked; the limit is {MAX_UNPACKED_BYTES:,}"
        params = {"size": unpacked, "max_size": MAX_UNPACKED_BYTES}
        raise AttachmentError(AttachmentCode.TOO_LARGE, path.name, detail, params)


def _refuse_ole(path: Path) -> None:
    # The file is at most MAX_FILE_BYTES (checked before the child started); the directory's
    # stream names can sit anywhere in it.
    data = path.read_bytes()
    if _ENCRYPTION_INFO in data:
        raise AttachmentError(AttachmentCode.ENCRYPTED, path.name)
    raise AttachmentError(
        AttachmentCode.UNSUPPORTED, path.name, "an old Word (.doc) file; save it as .docx"
    )
