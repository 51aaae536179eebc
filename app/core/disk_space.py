"""Free space next to the chat database: refuse a write before the disk is full, and warn early.

A full disk in the middle of a write is safe (the transaction rolls back) but loses what the
user just typed; checking first lets the GUI say so before anything is lost. Qt-free.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from app.core.storage_errors import LowDiskSpaceError, StorageCode, StorageNote
from engine.sizes import format_size

__all__ = ["DiskSpace"]

# warning() speaks up this many times above the hard limit, while there is still room.
_WARN_FACTOR = 4


class DiskSpace:
    """The free space in `folder`, measured against `min_free` bytes that saving needs."""

    def __init__(self, folder: Path, min_free: int) -> None:
        self._folder = folder
        self._min_free = min_free

    def free_bytes(self) -> int | None:
        try:
            return shutil.disk_usage(self._folder).free
        except OSError:
            return None  # some network drives cannot tell; then SQLite's own error is the guard

    def check(self, extra: int = 0) -> None:
        """Raises LowDiskSpaceError unless `min_free` plus `extra` bytes are free."""
        free = self.free_bytes()
        needed = self._min_free + extra
        if free is not None and free < needed:
            raise LowDiskSpaceError(
                f"The disk is almost full ({format_size(free)} free in {self._folder}), so"
                f" the chat was not saved. Free up some space: saving needs at least"
                f" {format_size(needed)}.",
                StorageCode.LOW_DISK,
                {"free": free, "folder": str(self._folder), "needed": needed},
            )

    def warning(self) -> StorageNote | None:
        """A message for the GUI to show before saving starts to fail, or None when all is well."""
        free = self.free_bytes()
        if free is None or free >= self._min_free * _WARN_FACTOR:
            return None
        if free < self._min_free:
            return StorageNote(
                StorageCode.DISK_ALMOST_FULL,
                {"free": free},
                f"The disk is almost full ({format_size(free)} free): new messages cannot be saved"
                " until you free up some space.",
            )
        return StorageNote(
            StorageCode.DISK_FILLING_UP,
            {"free": free, "needed": self._min_free},
            f"The disk that holds your chats is almost full ({format_size(free)} free). Free up"
            f" some space soon: below {format_size(self._min_free)} new messages cannot be saved.",
        )
