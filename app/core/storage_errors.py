"""What can go wrong with the chat database, as typed codes with parameters and English text.

The GUI words each code (`app/words/storage.py`); the CLI prints the English. Qt-free.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

__all__ = [
    "DatabaseTooNewError",
    "LowDiskSpaceError",
    "StorageCode",
    "StorageError",
    "StorageNote",
    "open_failed",
    "sqlite_failure",
]


class StorageCode(StrEnum):
    """What went wrong with the chat database, or what the disk-space warning says; the GUI
    words each (`app/words/storage.py`), the CLI prints the English."""

    OTHER = "other"  # the English is all there is
    OPEN_FAILED = "open_failed"  # path, reason
    TOO_NEW = "too_new"  # path, version, known
    DAMAGED = "damaged"  # path, reason
    UPGRADE_FAILED = "upgrade_failed"  # version, backup ("" = none); cause: why
    BACKUP_FAILED = "backup_failed"  # reason
    LOW_DISK = "low_disk"  # free, folder, needed (bytes)
    DISK_FULL = "disk_full"
    BUSY = "busy"
    READ_ONLY = "read_only"
    SAVE_FAILED = "save_failed"  # reason
    # The disk-space warning (no error: saving still works, or is about to stop working).
    DISK_ALMOST_FULL = "disk_almost_full"  # free
    DISK_FILLING_UP = "disk_filling_up"  # free, needed


@dataclass(frozen=True)
class StorageNote:
    """A storage message that is no error (the disk-space warning): code, params, English."""

    code: StorageCode
    params: Mapping[str, str | int] = field(default_factory=dict)
    english: str = ""

    def __str__(self) -> str:
        return self.english


class StorageError(Exception):
    """Chats could not be read or saved. `str()` is the English message (the CLI's); `code` and
    `params` say it for the GUI's words; `cause` is the failure an upgrade error wraps."""

    def __init__(
        self,
        message: str,
        code: StorageCode = StorageCode.OTHER,
        params: Mapping[str, str | int] | None = None,
        cause: StorageError | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.params: Mapping[str, str | int] = dict(params or {})
        self.cause = cause


class LowDiskSpaceError(StorageError):
    """Refused before writing: too little free space left next to the database."""


class DatabaseTooNewError(StorageError):
    """The database was upgraded by a newer app version; this one must not touch it."""


def sqlite_failure(exc: sqlite3.Error) -> StorageError:
    """A failed write, said for the user: a full disk, a second app holding the lock, a
    read-only file, or SQLite's own words."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc)
    if code == sqlite3.SQLITE_FULL or "disk is full" in text:
        return StorageError(
            "The disk is full, so the chat was not saved (nothing was half-saved). Free up some"
            " disk space and try again.",
            StorageCode.DISK_FULL,
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text:
        return StorageError(
            "The chat database is busy (is MiniCPM Chat running twice?); nothing was saved.",
            StorageCode.BUSY,
        )
    if code == sqlite3.SQLITE_READONLY or "readonly" in text:
        return StorageError(
            "The chat database is read-only, so nothing can be saved.", StorageCode.READ_ONLY
        )
    return StorageError(
        f"The chat could not be saved ({text}).", StorageCode.SAVE_FAILED, {"reason": text}
    )


def open_failed(path: Path, exc: Exception) -> StorageError:
    return StorageError(
        f"Could not open the chat database {path} ({exc}).",
        StorageCode.OPEN_FAILED,
        {"path": str(path), "reason": str(exc)},
    )
