"""The chat database file: one SQLite connection in WAL mode, upgraded by numbered migrations,
every write one transaction.

Users' top complaint about other chat apps is history that vanished, so every write is one
committed transaction (nothing half-written), the disk is checked before writes, the database is
copied before any schema upgrade, and a database from a newer app version is left untouched.

Qt-free. The connection refuses other threads: the store belongs to the GUI thread.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.core import migrations
from app.core.disk_space import DiskSpace
from app.core.storage_errors import (
    DatabaseTooNewError,
    StorageCode,
    StorageError,
    open_failed,
    sqlite_failure,
)

__all__ = ["ChatDatabase"]


class ChatDatabase:
    """The open file. `conn` is the connection; write through `write()` only."""

    def __init__(self, path: Path, *, min_free_bytes: int) -> None:
        self.path = Path(path)
        self.disk = DiskSpace(self.path.parent, min_free_bytes)
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = _connect(self.path)
        except (OSError, sqlite3.Error) as exc:
            raise open_failed(self.path, exc) from exc
        with self.closing_on_failure():
            self._prepare()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA optimize")
        self.conn.close()

    @contextmanager
    def closing_on_failure(self) -> Iterator[None]:
        """For the steps of opening: if one fails the file is let go again, and a SQLite error
        says that the database could not be opened."""
        try:
            yield
        except sqlite3.Error as exc:
            self.conn.close()
            raise open_failed(self.path, exc) from exc
        except BaseException:
            self.conn.close()
            raise

    # Safe writes

    @contextmanager
    def write(self, *, check_disk: bool = True) -> Iterator[None]:
        """One transaction: all of it is committed or none of it. SQLite errors (a full disk
        included) become StorageError with a message for the user."""
        if check_disk:
            self.disk.check()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            yield
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise sqlite_failure(exc) from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        # SQLite may already have rolled back by itself (it does on SQLITE_FULL).
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    # Opening and upgrading

    def _prepare(self) -> None:
        version = self._user_version()
        if version > migrations.latest_version():
            known = migrations.latest_version()
            raise DatabaseTooNewError(
                f"{self.path} was saved by a newer version of MiniCPM Chat (database version"
                f" {version}, this app knows up to {known}). Update the"
                " app; the file was not changed.",
                StorageCode.TOO_NEW,
                {"path": str(self.path), "version": version, "known": known},
            )
        self.conn.execute("PRAGMA journal_mode = WAL")
        # FULL also syncs the WAL on every commit: a power cut must not take the last answer.
        self.conn.execute("PRAGMA synchronous = FULL")
        self._migrate(version)

    def _user_version(self) -> int:
        try:
            return int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise StorageError(
                f"{self.path} is not a MiniCPM Chat database or is damaged ({exc}).",
                StorageCode.DAMAGED,
                {"path": str(self.path), "reason": str(exc)},
            ) from exc

    def _migrate(self, version: int) -> None:
        steps = migrations.pending(version)
        if not steps:
            return
        backup = None if migrations.is_empty(self.conn) else self._snapshot(version)
        for step in steps:
            try:
                with self.write():
                    migrations.run(self.conn, step)
            except StorageError as exc:
                kept = f" A copy from before the upgrade is in {backup}." if backup else ""
                raise type(exc)(
                    f"Upgrading the chat database to version {step.version} failed: {exc}{kept}",
                    StorageCode.UPGRADE_FAILED,
                    {"version": step.version, "backup": str(backup or "")},
                    exc,
                ) from exc

    def _snapshot(self, version: int) -> Path:
        self.disk.check(extra=self.path.stat().st_size)
        try:
            return migrations.snapshot(self.conn, self.path.parent / "backups", version)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(
                f"Could not back up the chat database before upgrading it ({exc});"
                " nothing was changed.",
                StorageCode.BACKUP_FAILED,
                {"reason": str(exc)},
            ) from exc


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; write() issues BEGIN and COMMIT itself.
    # check_same_thread stays on: the store belongs to the GUI thread.
    conn = sqlite3.connect(path, isolation_level=None, timeout=5.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn
