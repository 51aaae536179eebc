"""Download errors and notes become words through tr(): every code has its own sentence, and
the English words say what the downloader's English says."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from app.core.models.errors import DownloadCode, DownloadError, Sentence
from app.core.models.layout import check_relative, split_repo
from app.core.models.queue import FAILED, QueuedDownload
from app.core.models.sources import RemoteFile, listing_http_error, unexpected_listing
from app.core.models.transfer import disk_full_as_error, verify
from app.words.downloads import error_text, sentence_text

SAMPLE_PARAMS: dict[str, str | int] = {
    "repo": "openbmb/x",
    "file": "x.gguf",
    "host": "",
    "source": "hf",
    "next": "modelscope",
    "status": 500,
    "reason": "timed out",
    "site": "hf",
    "failures": 3,
    "seconds": 30,
    "got": "0" * 12,
    "expected": "1" * 12,
    "folder": "/m",
    "needed": 10,
    "free": 5,
    "reserve": 1,
    "short": 6,
    "variable": "X",
    "name": "ftp",
    "known": "hf",
    "before": "hf",
    "sha256": "a" * 12,
    "held_sha256": "b" * 12,
    "error": "RuntimeError()",
}


MARKED_CONTEXT = "DownloadWords"  # for the `marking` fixture (conftest.py)


@pytest.mark.parametrize("code", [c for c in DownloadCode if c != DownloadCode.OTHER])
def test_every_code_has_its_own_translated_sentence(marking: None, code: DownloadCode) -> None:
    cause = Sentence(DownloadCode.STALLED, {"seconds": 30}, "no data for 30 s")
    sentence = Sentence(code, SAMPLE_PARAMS, "ENGLISH", (("hf", cause),))
    text = sentence_text(sentence)
    assert text.startswith("«") and "ENGLISH" not in text


def test_a_sentence_without_a_code_keeps_its_english(qapp: QCoreApplication) -> None:  # noqa: ARG001
    assert sentence_text(Sentence(DownloadCode.OTHER, {}, "as it was")) == "as it was"


def _raised(action: object) -> DownloadError:
    with pytest.raises(DownloadError) as caught:
        action()  # type: ignore[operator]
    return caught.value


def test_english_words_match_the_downloaders_english(
    qapp: QCoreApplication,  # noqa: ARG001
    tmp_path: Path,
) -> None:
    part = tmp_path / ".x.part"
    part.write_bytes(b"abc")
    remote = RemoteFile("x.gguf", 3, "0" * 64, None, "http://x")
    errors = [
        listing_http_error(404, "", "openbmb/x", "hf", False),
        listing_http_error(502, "https://m.example", "openbmb/x", "hf", False),
        unexpected_listing("https://www.modelscope.cn", "OpenBMB/x"),
        _raised(lambda: check_relative("../x")),
        _raised(lambda: split_repo("nobody")),
        _raised(lambda: verify(remote, part)),
    ]
    full = OSError(28, "No space left on device")
    with pytest.raises(DownloadError) as disk_full, disk_full_as_error():
        raise full
    errors.append(disk_full.value)
    for error in errors:
        assert error.code != DownloadCode.OTHER
        assert error_text(error) == str(error)


def test_a_failed_row_shows_the_words_not_the_saved_english(marking: None) -> None:
    from app.models.queue_model import detail_text  # Qt widgets module: after the app exists

    why = Sentence(DownloadCode.EMPTY_REPO, {"repo": "openbmb/x"}, "The repository ...")
    item = QueuedDownload("i", "X", "openbmb/x", "x.gguf", 10, state=FAILED, error=why.english)
    assert "The repository ..." in detail_text(item)
    coded = detail_text(replace(item, error_sentence=why))
    assert "«The repository openbmb/x has no files.»" in coded and "..." not in coded
