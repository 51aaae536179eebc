"""SQLite's failures become StorageErrors that say what happened, with a code for the GUI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.core.storage_errors import StorageCode, open_failed, sqlite_failure


def failure(message: str, errorcode: int | None = None) -> sqlite3.Error:
    exc = sqlite3.OperationalError(message)
    if errorcode is not None:
        exc.sqlite_errorcode = errorcode
    return exc


@pytest.mark.parametrize(
    ("exc", "code", "english"),
    [
        (failure("database or disk is full"), StorageCode.DISK_FULL, "disk is full"),
        (failure("whatever", sqlite3.SQLITE_FULL), StorageCode.DISK_FULL, "disk is full"),
        (failure("database is locked"), StorageCode.BUSY, "running twice"),
        # Extended codes carry the primary code in the low byte.
        (failure("x", sqlite3.SQLITE_BUSY | 0x100), StorageCode.BUSY, "busy"),
        (failure("attempt to write a readonly database"), StorageCode.READ_ONLY, "read-only"),
        (failure("no such table: messages"), StorageCode.SAVE_FAILED, "no such table"),
    ],
)
def test_sqlite_failures_are_told_apart(
    exc: sqlite3.Error, code: StorageCode, english: str
) -> None:
    error = sqlite_failure(exc)
    assert error.code == code
    assert english in str(error)


def test_a_save_failure_keeps_sqlites_reason_for_the_words() -> None:
    error = sqlite_failure(failure("no such table: messages"))
    assert error.params == {"reason": "no such table: messages"}


def test_open_failed_names_the_file_and_the_reason(tmp_path: Path) -> None:
    error = open_failed(tmp_path / "chat.db", OSError("permission denied"))
    assert error.code == StorageCode.OPEN_FAILED
    assert error.params == {"path": str(tmp_path / "chat.db"), "reason": "permission denied"}
    assert "permission denied" in str(error)
