"""Plain text from a file's bytes, or None when the bytes are not text.

UTF-8 first (with or without a byte-order mark), then UTF-16 / UTF-32 with a byte-order mark.
Files that are not UTF-8 are often in the system's legacy encoding: GB18030 (a superset of GBK,
the Chinese Windows default) and then Windows-1252 are tried strictly, so a file that fits
neither is refused rather than shown as garbage. Text with many control characters is binary.
"""

from __future__ import annotations

import codecs

__all__ = ["decode_text"]

_BOMS = (
    # UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LEGACY = ("gb18030", "cp1252")
# Tab, line feed, vertical tab, form feed, carriage return and escape (colours in logs) are
# normal in text; other C0 controls and DEL are not.
_CONTROLS = frozenset(chr(c) for c in (*range(0, 9), *range(14, 27), *range(28, 32), 127))
_MAX_CONTROL_SHARE = 0.01
_SAMPLE_CHARS = 1_000_000


def decode_text(data: bytes) -> str | None:
    """The text, with every line ending as "\\n"; None when `data` is binary."""
    text = _decode(data)
    if text is None or _looks_binary(text):
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _strict(data, codec)
    if b"\x00" in data:
        return None  # binary, or UTF-16 without a mark (which nothing else writes)
    text = _utf8(data)
    if text is not None:
        return text
    for codec in _LEGACY:
        text = _strict(data, codec)
        if text is not None:
            return text
    return None


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        # A file cut in the middle of its last character (a log being written) is still UTF-8.
        if error.reason == "unexpected end of data" and error.start >= len(data) - 3:
            return data[: error.start].decode("utf-8", "replace")
        return None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _looks_binary(text: str) -> bool:
    sample = text[:_SAMPLE_CHARS]
    if not sample:
        return False
    controls = sum(1 for char in sample if char in _CONTROLS)
    return controls > len(sample) * _MAX_CONTROL_SHARE
