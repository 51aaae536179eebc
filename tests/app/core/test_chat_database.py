"""The database file: WAL, numbered migrations with a snapshot first, files it must refuse, and
writes that never half-fail."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.core import migrations
from app.core.conversations import ConversationStore
from app.core.storage_errors import DatabaseTooNewError, LowDiskSpaceError, StorageError
from tests.app.core.stored_chats import chat, contents

# Crashes


def test_incomplete_answer_survives_a_crash(db_path: Path) -> None:
    store = ConversationStore(db_path)
    (question,) = chat(store, "hi")
    conversation_id = store.get_message(question).conversation_id
    answer = store.add_message(conversation_id, "assistant", "", parent_id=question, complete=False)
    store.update_message(answer.id, content="Half an ans")
    # No close(): the process dies; the next start opens the same file.
    with ConversationStore(db_path) as reopened:
        (saved,) = reopened.incomplete_messages()
        assert (saved.id, saved.content, saved.complete) == (answer.id, "Half an ans", False)
        assert contents(reopened, conversation_id) == ["hi", "Half an ans"]
    store.close()


def test_database_is_in_wal_mode(store: ConversationStore, db_path: Path) -> None:
    with sqlite3.connect(db_path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# Migrations


def make_database(path: Path, version: int | None = None) -> None:
    """A database at `version` (the latest by default) holding one chat called "old"."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        for step in migrations.MIGRATIONS:
            if version is None or step.version <= version:
                migrations.run(conn, step)
        conn.execute(
            "INSERT INTO conversations (title, created_at, updated_at) VALUES ('old', 1, 1)"
        )
    conn.close()


def add_next(monkeypatch: pytest.MonkeyPatch, *statements: str) -> int:
    """Append a test migration after the shipped ones; returns its version."""
    version = migrations.latest_version() + 1
    step = migrations.Migration(version, "test step", statements)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, step))
    return version


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    return version


def test_a_new_database_needs_no_backup(db_path: Path) -> None:
    ConversationStore(db_path).close()
    assert user_version(db_path) == migrations.latest_version()
    assert not (db_path.parent / "backups").exists()


def test_upgrade_takes_a_snapshot_first(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_database(db_path)
    current = migrations.latest_version()
    new = add_next(monkeypatch, "ALTER TABLE conversations ADD COLUMN color TEXT")
    with ConversationStore(db_path) as store:
        assert [c.title for c in store.list_conversations()] == ["old"]
    assert user_version(db_path) == new
    (backup,) = (db_path.parent / "backups").iterdir()
    assert backup.name.startswith(f"chat-v{current}-") and backup.suffix == ".sqlite3"
    assert user_version(backup) == current
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT title FROM conversations").fetchall() == [("old",)]
    conn.close()


def test_a_failed_upgrade_changes_nothing(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_database(db_path)
    current = migrations.latest_version()
    new = add_next(monkeypatch, "CREATE TABLE extra (x)", "THIS IS NOT SQL")
    with pytest.raises(StorageError, match=f"version {new} failed.*backups"):
        ConversationStore(db_path)
    assert user_version(db_path) == current
    with sqlite3.connect(db_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "extra" not in tables


def test_an_unversioned_database_is_backed_up_too(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    conn.close()
    ConversationStore(db_path).close()
    (backup,) = (db_path.parent / "backups").glob("chat-v0-*.sqlite3")
    assert user_version(db_path) == migrations.latest_version()


def test_a_newer_database_is_refused_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE future (x)")
        conn.execute(f"PRAGMA user_version = {migrations.latest_version() + 1}")
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(DatabaseTooNewError, match="newer version"):
        ConversationStore(db_path)
    assert db_path.read_bytes() == before
    assert not (db_path.parent / "backups").exists()


def test_a_file_that_is_not_a_database(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="not a MiniCPM Chat database"):
        ConversationStore(db_path)


# Safe writes


class FailingConnection:
    """Passes everything to SQLite but fails one statement the way a full disk does."""

    def __init__(self, conn: sqlite3.Connection, fail_on: str) -> None:
        self._conn, self._fail_on = conn, fail_on

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if self._fail_on in sql:
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_disk_full_mid_write_leaves_nothing_half_written(store: ConversationStore) -> None:
    question, answer = chat(store, "q", "a")
    conversation_id = store.get_message(question).conversation_id
    real = store._db.conn
    # The message row is inserted first; the next statement of the same write fails.
    store._db.conn = FailingConnection(real, "SET updated_at")  # type: ignore[assignment]
    with pytest.raises(StorageError, match="disk is full") as caught:
        store.add_message(conversation_id, "user", "lost?", parent_id=answer)
    assert not isinstance(caught.value, LowDiskSpaceError)
    store._db.conn = real
    assert len(store.messages(conversation_id)) == 2
    assert contents(store, conversation_id) == ["q", "a"]
    assert store.list_conversations("lost") == []


def test_real_sqlite_full_error_becomes_storage_error(store: ConversationStore) -> None:
    (question,) = chat(store, "q")
    conversation_id = store.get_message(question).conversation_id
    pages = store._db.conn.execute("PRAGMA page_count").fetchone()[0]
    store._db.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError, match="disk is full"):
        store.add_message(conversation_id, "assistant", "x" * 200_000, parent_id=question)
    assert len(store.messages(conversation_id)) == 1
