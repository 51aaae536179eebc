"""The rows of the chat tables: the SQL that reads, inserts and updates one conversation or
message, and the records a row becomes. Callers hold the transaction (`ChatDatabase.write`).

Qt-free. Shared by the conversation store, the message tree and the history import.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from app.core.chat_records import Attachment, Conversation, StoredMessage

__all__ = [
    "CONVERSATION_COLUMNS",
    "MESSAGE_COLUMNS",
    "conversation_from_row",
    "dump_stats",
    "fetch_conversation",
    "fetch_message",
    "insert_attachments",
    "insert_conversation",
    "insert_message",
    "make_active",
    "message_from_row",
    "set_conversation_column",
    "touch_conversation",
    "with_stored_attachments",
]

CONVERSATION_COLUMNS = "id, title, pinned, created_at, updated_at, system_prompt, thinking, model"
# SQLite allows 999 parameters in a statement on old builds.
_IDS_PER_QUERY = 500
MESSAGE_COLUMNS = (
    "m.id, m.conversation_id, m.parent_id, m.role, m.content, m.reasoning, m.created_at,"
    " m.complete, m.stats, m.model, m.thinking_s, m.thinking, m.reasoning_unfinished"
)


def fetch_conversation(conn: sqlite3.Connection, conversation_id: int) -> Conversation:
    """Deleted chats can still be read here until they are purged."""
    row = conn.execute(
        f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    if row is None:
        raise KeyError(f"no conversation {conversation_id}")
    return conversation_from_row(row)


def fetch_message(conn: sqlite3.Connection, message_id: int) -> StoredMessage:
    row = conn.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?", (message_id,)
    ).fetchone()
    if row is None:
        raise KeyError(f"no message {message_id}")
    (message,) = with_stored_attachments(conn, [message_from_row(row)])
    return message


def insert_attachments(
    conn: sqlite3.Connection, message_id: int, attachments: Iterable[Attachment]
) -> None:
    conn.executemany(
        "INSERT INTO attachments (message_id, position, name, kind, text, size_bytes)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (message_id, position, a.name, a.kind, a.text, a.size_bytes)
            for position, a in enumerate(attachments)
        ],
    )


def with_stored_attachments(
    conn: sqlite3.Connection, messages: Sequence[StoredMessage]
) -> list[StoredMessage]:
    """The messages with their attachments filled in: one query for up to 500 messages (a
    whole branch, usually), not one per message."""
    found: dict[int, list[Attachment]] = {}
    ids = [m.id for m in messages]
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT message_id, name, kind, text, size_bytes FROM attachments"
            f" WHERE message_id IN ({marks}) ORDER BY message_id, position",
            chunk,
        )
        for row in rows:
            attachment = Attachment(row["name"], row["kind"], row["text"], row["size_bytes"])
            found.setdefault(row["message_id"], []).append(attachment)
    return [replace(m, attachments=tuple(found[m.id])) if m.id in found else m for m in messages]


def insert_conversation(conn: sqlite3.Connection, **values: object) -> int:
    cur = conn.execute(
        "INSERT INTO conversations (title, pinned, created_at, updated_at, system_prompt,"
        " thinking, model) VALUES (:title, :pinned, :created_at, :updated_at,"
        " :system_prompt, :thinking, :model)",
        values,
    )
    return _lastrowid(cur)


def insert_message(conn: sqlite3.Connection, **values: object) -> int:
    cur = conn.execute(
        "INSERT INTO messages (conversation_id, parent_id, role, content, reasoning,"
        " created_at, complete, stats, model, thinking_s, thinking, reasoning_unfinished)"
        " VALUES (:conversation_id, :parent_id, :role, :content, :reasoning, :created_at,"
        " :complete, :stats, :model, :thinking_s, :thinking, :reasoning_unfinished)",
        {"thinking": None, "reasoning_unfinished": False, **values},
    )
    return _lastrowid(cur)


def set_conversation_column(
    conn: sqlite3.Connection, conversation_id: int, column: str, value: object
) -> None:
    # `column` is always one of the store's literals, never user input.
    cur = conn.execute(
        f"UPDATE conversations SET {column} = ? WHERE id = ?", (value, conversation_id)
    )
    if cur.rowcount == 0:
        raise KeyError(f"no conversation {conversation_id}")


def touch_conversation(conn: sqlite3.Connection, conversation_id: int) -> None:
    conn.execute(
        "UPDATE conversations SET updated_at = max(updated_at, ?) WHERE id = ?",
        (time.time(), conversation_id),
    )


def make_active(
    conn: sqlite3.Connection, conversation_id: int, parent_id: int | None, child_id: int
) -> None:
    """Show `child_id` under its parent; a root is chosen on the conversation itself."""
    if parent_id is None:
        set_conversation_column(conn, conversation_id, "active_root_id", child_id)
    else:
        conn.execute("UPDATE messages SET active_child_id = ? WHERE id = ?", (child_id, parent_id))


def dump_stats(stats: dict[str, Any] | None) -> str | None:
    return None if stats is None else json.dumps(stats)


def conversation_from_row(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        pinned=bool(row["pinned"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        system_prompt=row["system_prompt"],
        thinking=None if row["thinking"] is None else bool(row["thinking"]),
        model=row["model"],
    )


def message_from_row(row: sqlite3.Row) -> StoredMessage:
    return StoredMessage(
        id=row["id"],
        conversation_id=row["conversation_id"],
        parent_id=row["parent_id"],
        role=row["role"],
        content=row["content"],
        reasoning=row["reasoning"],
        created_at=row["created_at"],
        complete=bool(row["complete"]),
        stats=_load_stats(row["stats"]),
        model=row["model"],
        thinking_s=row["thinking_s"],
        thinking=None if row["thinking"] is None else bool(row["thinking"]),
        reasoning_unfinished=bool(row["reasoning_unfinished"]),
    )


def _load_stats(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None  # stats are nice to have; a damaged value must not hide the message
    return value if isinstance(value, dict) else None


def _lastrowid(cur: sqlite3.Cursor) -> int:
    assert cur.lastrowid is not None  # always set after a single-row INSERT
    return cur.lastrowid
