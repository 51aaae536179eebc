"""Text files: which bytes are text (and in which encoding), and which are binary."""

from __future__ import annotations

import codecs
import os

import pytest

from app.core.attachments.text_files import decode_text

CHINESE = "本地模型可以离线回答问题。"


@pytest.mark.parametrize(
    "data",
    [
        "Café 本地\n".encode(),
        codecs.BOM_UTF8 + "Café 本地\n".encode(),
        "Café 本地\n".encode("utf-16"),  # with its byte-order mark
        codecs.BOM_UTF16_BE + "Café 本地\n".encode("utf-16-be"),
        "Café 本地\n".encode("utf-32"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "utf-32"],
)
def test_unicode_files_decode(data: bytes) -> None:
    assert decode_text(data) == "Café 本地\n"


def test_a_chinese_legacy_file_decodes_as_gb18030() -> None:
    assert decode_text(CHINESE.encode("gb18030")) == CHINESE


def test_a_western_legacy_file_decodes_as_windows_1252() -> None:
    text = "Le café coûte 3 €, à Zürich.\n"
    assert decode_text(text.encode("cp1252")) == text


def test_line_endings_become_newlines() -> None:
    assert decode_text(b"one\r\ntwo\rthree\n") == "one\ntwo\nthree\n"


def test_a_file_cut_inside_its_last_character_is_still_utf8() -> None:
    assert decode_text("log line 本".encode()[:-1]) == "log line "


def test_colour_escapes_and_tabs_are_text() -> None:
    assert decode_text(b"\x1b[31mred\x1b[0m\tok\x0c\n") == "\x1b[31mred\x1b[0m\tok\x0c\n"


@pytest.mark.parametrize(
    "data",
    [
        b"text\x00with a nul",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        bytes(range(1, 32)) * 20 + b"some words",
        codecs.BOM_UTF16_LE + b"\x00\xd8",  # a BOM, then a broken surrogate
    ],
    ids=["nul", "png", "controls", "bad-utf-16"],
)
def test_binary_is_not_text(data: bytes) -> None:
    assert decode_text(data) is None


def test_random_bytes_are_not_text() -> None:
    assert decode_text(os.urandom(4096)) is None
