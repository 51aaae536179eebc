"""Storage errors, the disk-space warning and refused history files become words through tr();
the English words say what the store's English says."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication

from app.core.exporting import FORMAT, HistoryCode, HistoryFormatError, parse_history
from app.core.storage_errors import StorageCode, StorageError, StorageNote
from app.words.storage import disk_warning_text, history_error_text, storage_error_text

PARAMS: dict[str, str | int] = {
    "path": "/c.db", "reason": "boom", "version": 3, "known": 2, "backup": "/b", "free": 5,
    "folder": "/", "needed": 9, "conversation": 1, "message": 2, "key": "title", "type": "str",
    "role": "robot", "id": 4, "file": "f.json", "depth": 64, "format": FORMAT,
}  # fmt: skip


MARKED_CONTEXT = "StorageWords"  # for the `marking` fixture (conftest.py)


@pytest.mark.parametrize("code", [c for c in StorageCode if c != StorageCode.OTHER])
def test_every_storage_code_is_translated(marking: None, code: StorageCode) -> None:
    cause = StorageError("ENGLISH", StorageCode.DISK_FULL)
    if code.name.startswith("DISK_") and code != StorageCode.DISK_FULL:
        text = disk_warning_text(StorageNote(code, PARAMS, "ENGLISH"))
    else:
        text = storage_error_text(StorageError("ENGLISH", code, PARAMS, cause))
    assert text.startswith("«") and "ENGLISH" not in text


@pytest.mark.parametrize("code", list(HistoryCode))
def test_every_history_code_is_translated(marking: None, code: HistoryCode) -> None:
    text = history_error_text(HistoryFormatError("ENGLISH", code, PARAMS))
    assert text.startswith("«") and "ENGLISH" not in text


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"format": FORMAT},
        {"format": FORMAT, "version": 99},
        {"format": FORMAT, "version": 1, "conversations": {}},
        {"format": FORMAT, "version": 1, "conversations": [{"messages": []}]},
        {"format": FORMAT, "version": 1, "conversations": [{"title": "t", "messages": [3]}]},
        {"format": FORMAT, "version": 1, "conversations": [{"title": "\ud800"}]},
        {
            "format": FORMAT,
            "version": 1,
            "conversations": [{"title": "t", "messages": [{"role": "robot"}]}],
        },
    ],
)
def test_history_words_in_english_match_the_importers_english(
    qapp: QCoreApplication,  # noqa: ARG001
    data: object,
) -> None:
    with pytest.raises(HistoryFormatError) as refused:
        parse_history(data)
    assert history_error_text(refused.value) == str(refused.value)


def test_an_upgrade_failure_words_its_cause(qapp: QCoreApplication) -> None:  # noqa: ARG001
    full = StorageError(
        "The disk is full, so the chat was not saved (nothing was half-saved). Free up some"
        " disk space and try again.",
        StorageCode.DISK_FULL,
    )
    english = f"Upgrading the chat database to version 3 failed: {full} A copy from before"
    error = StorageError(
        f"{english} the upgrade is in /b.", StorageCode.UPGRADE_FAILED, PARAMS, full
    )
    assert storage_error_text(error) == str(error)
