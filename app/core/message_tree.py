"""The messages of a chat, in a tree: an edit or a regenerated answer is a sibling of the
message it replaces, and each parent remembers which child is shown.

Qt-free; `ConversationStore` hands its message calls to one `MessageTree`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any

from app.core import exporting
from app.core.chat_database import ChatDatabase
from app.core.chat_records import Attachment, StoredMessage
from app.core.chat_rows import (
    MESSAGE_COLUMNS,
    dump_stats,
    fetch_conversation,
    fetch_message,
    insert_attachments,
    insert_message,
    make_active,
    message_from_row,
    touch_conversation,
    with_stored_attachments,
)
from app.core.search import SearchIndex

__all__ = ["MessageTree"]

_ROLES = frozenset(exporting.ROLES)

# Walks down from the chosen root. COALESCE picks the newest child where none was chosen (an
# import without choices); the walk ends when a message has no children (NULL matches no row).
_ACTIVE_PATH_SQL = f"""
WITH RECURSIVE path(id, depth) AS (
    SELECT COALESCE(c.active_root_id, (SELECT max(r.id) FROM messages r
                    WHERE r.conversation_id = c.id AND r.parent_id IS NULL)), 0
    FROM conversations c WHERE c.id = :conversation
    UNION ALL
    SELECT COALESCE(p.active_child_id, (SELECT max(k.id) FROM messages k
                    WHERE k.parent_id = p.id)), path.depth + 1
    FROM messages p JOIN path ON p.id = path.id
)
SELECT {MESSAGE_COLUMNS} FROM path JOIN messages m ON m.id = path.id ORDER BY path.depth
"""

# (message id, parent id) from the message up to its root.
_ANCESTORS_SQL = """
WITH RECURSIVE up(id, parent_id) AS (
    SELECT id, parent_id FROM messages WHERE id = ?
    UNION ALL
    SELECT m.id, m.parent_id FROM messages m JOIN up ON m.id = up.parent_id
)
SELECT id, parent_id FROM up
"""


class MessageTree:
    """Adds, updates and reads messages; every write is one transaction of `db`."""

    def __init__(self, db: ChatDatabase, search: SearchIndex) -> None:
        self._db = db
        self._search = search

    def add(
        self,
        conversation_id: int,
        role: str,
        content: str,
        *,
        parent_id: int | None,
        reasoning: str,
        complete: bool,
        stats: dict[str, Any] | None,
        model: str | None,
        attachments: Sequence[Attachment] = (),
        thinking: bool | None = None,
    ) -> StoredMessage:
        """See ConversationStore.add_message."""
        if role not in _ROLES:
            raise ValueError(f"unknown role {role!r}")
        with self._db.write():
            self._check_parent(conversation_id, parent_id)
            message_id = insert_message(
                self._db.conn,
                conversation_id=conversation_id,
                parent_id=parent_id,
                role=role,
                content=content,
                reasoning=reasoning,
                created_at=time.time(),
                complete=complete,
                stats=dump_stats(stats),
                model=model,
                thinking_s=None,
                thinking=thinking,
            )
            insert_attachments(self._db.conn, message_id, attachments)
            make_active(self._db.conn, conversation_id, parent_id, message_id)
            touch_conversation(self._db.conn, conversation_id)
            self._search.index_message(message_id, content, attachments)
        return self.get(message_id)

    def update(
        self,
        message_id: int,
        *,
        content: str | None,
        reasoning: str | None,
        complete: bool | None,
        stats: dict[str, Any] | None,
        thinking_s: float | None,
        reasoning_unfinished: bool | None = None,
    ) -> StoredMessage:
        """See ConversationStore.update_message."""
        changes: dict[str, object] = {
            "content": content,
            "reasoning": reasoning,
            "complete": complete,
            "stats": dump_stats(stats),
            "thinking_s": thinking_s,
            "reasoning_unfinished": reasoning_unfinished,
        }
        changes = {k: v for k, v in changes.items() if v is not None}
        if changes:
            with self._db.write():
                message = self.get(message_id)
                assignments = ", ".join(f"{column} = ?" for column in changes)
                self._db.conn.execute(
                    f"UPDATE messages SET {assignments} WHERE id = ?",
                    [*changes.values(), message_id],
                )
                touch_conversation(self._db.conn, message.conversation_id)
                if content is not None:
                    self._search.index_message(message_id, content, message.attachments)
        return self.get(message_id)

    def get(self, message_id: int) -> StoredMessage:
        return fetch_message(self._db.conn, message_id)

    def active_path(self, conversation_id: int) -> list[StoredMessage]:
        rows = self._db.conn.execute(_ACTIVE_PATH_SQL, {"conversation": conversation_id})
        return self._filled(rows)

    def siblings(self, message_id: int) -> list[StoredMessage]:
        message = self.get(message_id)
        rows = self._db.conn.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages m"
            " WHERE m.conversation_id = ? AND m.parent_id IS ? ORDER BY m.id",
            (message.conversation_id, message.parent_id),
        )
        return self._filled(rows)

    def select_branch(self, message_id: int) -> None:
        message = self.get(message_id)
        chain = self._db.conn.execute(_ANCESTORS_SQL, (message_id,)).fetchall()
        with self._db.write(check_disk=False):
            for child_id, parent_id in chain:
                make_active(self._db.conn, message.conversation_id, parent_id, child_id)

    def all(self, conversation_id: int) -> list[StoredMessage]:
        rows = self._db.conn.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ? ORDER BY m.id",
            (conversation_id,),
        )
        return self._filled(rows)

    def incomplete(self) -> list[StoredMessage]:
        rows = self._db.conn.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages m"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE m.complete = 0 AND c.deleted_at IS NULL ORDER BY m.id"
        )
        return self._filled(rows)

    def active_ids(self, conversation_id: int) -> set[int]:
        """The chosen child of every parent, and the chosen root."""
        rows = self._db.conn.execute(
            "SELECT active_child_id FROM messages WHERE conversation_id = ?"
            " UNION SELECT active_root_id FROM conversations WHERE id = ?",
            (conversation_id, conversation_id),
        )
        return {row[0] for row in rows if row[0] is not None}

    def _filled(self, rows: Iterable[sqlite3.Row]) -> list[StoredMessage]:
        """Messages from rows, with their attachments (one more query for all of them)."""
        messages = [message_from_row(row) for row in rows]
        return with_stored_attachments(self._db.conn, messages)

    def _check_parent(self, conversation_id: int, parent_id: int | None) -> None:
        fetch_conversation(self._db.conn, conversation_id)
        if parent_id is not None and self.get(parent_id).conversation_id != conversation_id:
            raise ValueError(f"message {parent_id} belongs to another conversation")
