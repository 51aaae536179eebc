"""Numbered schema migrations for the chat database, tracked in `PRAGMA user_version`.

Rules for adding one: append a `Migration` with the next number, never edit a shipped one (a
user's database may already be at that version), and keep it to plain SQL so it runs inside the
single transaction `run()` gives it. The search index is not here: it is derived data that
`ConversationStore` rebuilds whenever it is missing or stale (see `conversations.py`).
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


_V1_TREE = (
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        pinned INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        deleted_at REAL,
        system_prompt TEXT NOT NULL DEFAULT '',
        thinking INTEGER,
        model TEXT,
        active_root_id INTEGER
    )
    """,
    # Each message is a row in a tree. `active_child_id` remembers which branch is shown below
    # it; it has no foreign key because messages are only ever deleted together with their whole
    # conversation, so it cannot dangle, and a key would cost an index on every insert.
    """
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        content TEXT NOT NULL DEFAULT '',
        reasoning TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        complete INTEGER NOT NULL DEFAULT 1,
        stats TEXT,
        model TEXT,
        thinking_s REAL,
        active_child_id INTEGER
    )
    """,
    "CREATE INDEX messages_by_conversation ON messages(conversation_id, parent_id)",
    # The foreign key on parent_id looks children up by parent when a message is deleted.
    "CREATE INDEX messages_by_parent ON messages(parent_id)",
    "CREATE INDEX messages_incomplete ON messages(complete) WHERE complete = 0",
    "CREATE INDEX conversations_listed ON conversations(deleted_at, pinned, updated_at)",
    # Small key/value facts about the file itself (for now: whether the search index is stale).
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)

# Documents attached to a (user) message, in the order they were attached. Their text is kept
# with the message, not a path: the model reads the same text after the file moved or changed,
# and an export carries it. Attachments never change after the message is written; an edit of
# the message is a new message with its own rows.
_V2_ATTACHMENTS = (
    """
    CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        UNIQUE (message_id, position)
    )
    """,
)

# An answer remembers the thinking choice it was generated with (NULL: unknown, as for every
# answer written before this version, or a model that cannot think; 0 off; 1 on), and whether
# it ended inside a think block that never closed (the model stopped while thinking).
_V3_ANSWER_THINKING = (
    "ALTER TABLE messages ADD COLUMN thinking INTEGER",
    "ALTER TABLE messages ADD COLUMN reasoning_unfinished INTEGER NOT NULL DEFAULT 0",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "conversations and message tree", _V1_TREE),
    Migration(2, "attachments", _V2_ATTACHMENTS),
    Migration(3, "answer thinking choice and unfinished reasoning", _V3_ANSWER_THINKING),
)


def latest_version() -> int:
    """Read at call time (not a module constant) so tests can append a migration."""
    return MIGRATIONS[-1].version if MIGRATIONS else 0


def pending(current: int) -> list[Migration]:
    return [m for m in MIGRATIONS if m.version > current]


def run(conn: sqlite3.Connection, migration: Migration) -> None:
    """Apply one migration; the caller holds the transaction so a failure leaves no trace."""
    for statement in migration.statements:
        conn.execute(statement)
    # PRAGMA takes no parameters; the version is an int from our own table.
    conn.execute(f"PRAGMA user_version = {int(migration.version)}")


def is_empty(conn: sqlite3.Connection) -> bool:
    count: int = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    return count == 0


def snapshot(conn: sqlite3.Connection, backups_dir: Path, version: int) -> Path:
    """Copy the database with SQLite's online backup API (consistent even in WAL mode).

    It is written to a `.part` file first, so a backup cut short by a full disk never looks
    like a complete one.
    """
    backups_dir.mkdir(parents=True, exist_ok=True)
    target = _unique_backup_path(backups_dir, version)
    part = target.with_name(target.name + ".part")
    dest = sqlite3.connect(part)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    os.replace(part, target)
    return target


def _unique_backup_path(backups_dir: Path, version: int) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = backups_dir / f"chat-v{version}-{stamp}.sqlite3"
    n = 1
    while target.exists():
        n += 1
        target = backups_dir / f"chat-v{version}-{stamp}-{n}.sqlite3"
    return target
