"""The chat history: SQLite (WAL), one row per message, messages in a tree, full-text search.

Users' top complaint about other chat apps is history that vanished, so every write is one
committed transaction (nothing half-written), the disk is checked before writes, the database is
copied before any schema upgrade, and a database from a newer app version is left untouched.

Qt-free. The GUI uses one store from its own thread only; the connection refuses other threads.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.core import exporting, migrations

# The records live in their own module so that exporting needs nothing from here; they are
# re-exported because callers know them as conversations.Conversation / StoredMessage.
from app.core.chat_records import Conversation, StoredMessage
from app.core.exporting import HistoryFormatError
from engine.sizes import format_size

__all__ = [
    "DEFAULT_TITLE",
    "Conversation",
    "ConversationStore",
    "DatabaseTooNewError",
    "HistoryFormatError",
    "LowDiskSpaceError",
    "StorageCode",
    "StorageError",
    "StorageNote",
    "StoredMessage",
    "title_from_text",
]

DEFAULT_TITLE = "New chat"
TITLE_LENGTH = 50
# disk_space_warning() speaks up this many times above the hard limit, while there is still room.
_WARN_FACTOR = 4
_TRIGRAM_SINCE = (3, 34, 0)
_ROLES = frozenset(exporting.ROLES)

_CONVERSATION_COLUMNS = "id, title, pinned, created_at, updated_at, system_prompt, thinking, model"
_MESSAGE_COLUMNS = (
    "m.id, m.conversation_id, m.parent_id, m.role, m.content, m.reasoning, m.created_at,"
    " m.complete, m.stats, m.model, m.thinking_s"
)


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


def title_from_text(text: str, limit: int = TITLE_LENGTH) -> str:
    """One line of at most `limit` characters, cut at a word break when there is one."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    # Chinese has no spaces; only back up to a word break that keeps most of the text.
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:!?，。；：！？、") + "…"


class ConversationStore:
    def __init__(self, path: Path, *, min_free_bytes: int = 50_000_000) -> None:
        self._path = Path(path)
        self._min_free = min_free_bytes
        self._closed = False
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = _connect(self._path)
        except (OSError, sqlite3.Error) as exc:
            raise _open_failed(self._path, exc) from exc
        try:
            self._prepare()
        except sqlite3.Error as exc:
            self._conn.close()
            raise _open_failed(self._path, exc) from exc
        except BaseException:
            self._conn.close()
            raise

    def __enter__(self) -> ConversationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("PRAGMA optimize")
        self._conn.close()

    # Opening and upgrading

    def _prepare(self) -> None:
        version = self._user_version()
        if version > migrations.latest_version():
            known = migrations.latest_version()
            raise DatabaseTooNewError(
                f"{self._path} was saved by a newer version of MiniCPM Chat (database version"
                f" {version}, this app knows up to {known}). Update the"
                " app; the file was not changed.",
                StorageCode.TOO_NEW,
                {"path": str(self._path), "version": version, "known": known},
            )
        self._conn.execute("PRAGMA journal_mode = WAL")
        # FULL also syncs the WAL on every commit: a power cut must not take the last answer.
        self._conn.execute("PRAGMA synchronous = FULL")
        self._migrate(version)
        self._search = _SearchIndex(self._conn)
        self._open_search()

    def _user_version(self) -> int:
        try:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise StorageError(
                f"{self._path} is not a MiniCPM Chat database or is damaged ({exc}).",
                StorageCode.DAMAGED,
                {"path": str(self._path), "reason": str(exc)},
            ) from exc

    def _migrate(self, version: int) -> None:
        steps = migrations.pending(version)
        if not steps:
            return
        backup = None if migrations.is_empty(self._conn) else self._snapshot(version)
        for step in steps:
            try:
                with self._write():
                    migrations.run(self._conn, step)
            except StorageError as exc:
                kept = f" A copy from before the upgrade is in {backup}." if backup else ""
                raise type(exc)(
                    f"Upgrading the chat database to version {step.version} failed: {exc}{kept}",
                    StorageCode.UPGRADE_FAILED,
                    {"version": step.version, "backup": str(backup or "")},
                    exc,
                ) from exc

    def _snapshot(self, version: int) -> Path:
        self._check_disk(extra=self._path.stat().st_size)
        try:
            return migrations.snapshot(self._conn, self._path.parent / "backups", version)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(
                f"Could not back up the chat database before upgrading it ({exc});"
                " nothing was changed.",
                StorageCode.BACKUP_FAILED,
                {"reason": str(exc)},
            ) from exc

    def _open_search(self) -> None:
        search = self._search
        if not search.enabled:
            if not search.is_stale():
                with self._write(check_disk=False):
                    search.mark_stale()
            return
        if search.is_fresh():
            return
        try:
            with self._write():
                search.rebuild()
        except StorageError:
            # Still usable: searches fall back to LIKE until a later start can rebuild.
            search.enabled = False

    # Safe writes

    @contextmanager
    def _write(self, *, check_disk: bool = True) -> Iterator[None]:
        """One transaction: all of it is committed or none of it. SQLite errors (a full disk
        included) become StorageError with a message for the user."""
        if check_disk:
            self._check_disk()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            yield
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise _storage_error(exc) from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        # SQLite may already have rolled back by itself (it does on SQLITE_FULL).
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    def _free_bytes(self) -> int | None:
        try:
            return shutil.disk_usage(self._path.parent).free
        except OSError:
            return None  # some network drives cannot tell; then SQLite's own error is the guard

    def _check_disk(self, extra: int = 0) -> None:
        free = self._free_bytes()
        if free is not None and free < self._min_free + extra:
            raise LowDiskSpaceError(
                f"The disk is almost full ({format_size(free)} free in {self._path.parent}), so"
                f" the chat was not saved. Free up some space: saving needs at least"
                f" {format_size(self._min_free + extra)}.",
                StorageCode.LOW_DISK,
                {"free": free, "folder": str(self._path.parent), "needed": self._min_free + extra},
            )

    def disk_space_warning(self) -> StorageNote | None:
        """A message for the GUI to show before saving starts to fail, or None when all is well."""
        free = self._free_bytes()
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

    # Conversations

    def create_conversation(
        self,
        title: str = DEFAULT_TITLE,
        *,
        system_prompt: str = "",
        thinking: bool | None = None,
        model: str | None = None,
    ) -> Conversation:
        now = time.time()
        with self._write():
            conversation_id = self._insert_conversation(
                title=title,
                pinned=False,
                created_at=now,
                updated_at=now,
                system_prompt=system_prompt,
                thinking=thinking,
                model=model,
            )
            self._search.index_title(conversation_id, title)
        return self.get_conversation(conversation_id)

    def list_conversations(self, query: str = "") -> list[Conversation]:
        """Pinned first, then most recently active. A query matches titles and message text."""
        condition, params = self._search.condition(query)
        rows = self._conn.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c"
            f" WHERE c.deleted_at IS NULL AND ({condition})"
            " ORDER BY c.pinned DESC, c.updated_at DESC, c.id DESC",
            params,
        )
        return [_conversation(row) for row in rows]

    def get_conversation(self, conversation_id: int) -> Conversation:
        """Deleted chats can still be read here until they are purged."""
        row = self._conn.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"no conversation {conversation_id}")
        return _conversation(row)

    def rename(self, conversation_id: int, title: str) -> None:
        title = title.strip() or DEFAULT_TITLE
        with self._write():
            self._set(conversation_id, "title", title)
            self._search.index_title(conversation_id, title)

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        with self._write(check_disk=False):
            self._set(conversation_id, "pinned", pinned)

    def set_system_prompt(self, conversation_id: int, system_prompt: str) -> None:
        with self._write():
            self._set(conversation_id, "system_prompt", system_prompt)

    def set_thinking(self, conversation_id: int, thinking: bool | None) -> None:
        with self._write(check_disk=False):
            self._set(conversation_id, "thinking", thinking)

    def set_model(self, conversation_id: int, model: str | None) -> None:
        with self._write(check_disk=False):
            self._set(conversation_id, "model", model)

    def delete(self, conversation_id: int) -> None:
        """Soft delete, so the GUI can offer Undo; purge_deleted() removes it for good.
        Deleting never checks the disk: it is how people make room."""
        with self._write(check_disk=False):
            self._set(conversation_id, "deleted_at", time.time())

    def undelete(self, conversation_id: int) -> None:
        with self._write(check_disk=False):
            self._set(conversation_id, "deleted_at", None)

    def purge_deleted(self, older_than_s: float = 0) -> int:
        """Remove chats deleted at least `older_than_s` ago; returns how many."""
        cutoff = time.time() - older_than_s
        with self._write(check_disk=False):
            ids = [
                row[0]
                for row in self._conn.execute(
                    "SELECT id FROM conversations WHERE deleted_at <= ?", (cutoff,)
                )
            ]
            self._search.forget(ids)
            # Messages go with their conversation (ON DELETE CASCADE).
            self._conn.executemany("DELETE FROM conversations WHERE id = ?", [(i,) for i in ids])
        return len(ids)

    def auto_title(self, conversation_id: int, first_user_text: str) -> str:
        """Name a chat after the user's first message, unless it has been named already."""
        current = self.get_conversation(conversation_id).title
        title = title_from_text(first_user_text)
        if current != DEFAULT_TITLE or not title:
            return current
        self.rename(conversation_id, title)
        return title

    def _set(self, conversation_id: int, column: str, value: object) -> None:
        # `column` is always one of our literals above, never user input.
        cur = self._conn.execute(
            f"UPDATE conversations SET {column} = ? WHERE id = ?", (value, conversation_id)
        )
        if cur.rowcount == 0:
            raise KeyError(f"no conversation {conversation_id}")

    def _touch(self, conversation_id: int) -> None:
        self._conn.execute(
            "UPDATE conversations SET updated_at = max(updated_at, ?) WHERE id = ?",
            (time.time(), conversation_id),
        )

    # Messages

    def add_message(
        self,
        conversation_id: int,
        role: str,
        content: str,
        *,
        parent_id: int | None = None,
        reasoning: str = "",
        complete: bool = True,
        stats: dict[str, Any] | None = None,
        model: str | None = None,
    ) -> StoredMessage:
        """Committed at once. It becomes the shown branch under its parent; with no parent it is
        a new root (an edit of the first message), so pass the active leaf to continue a chat."""
        if role not in _ROLES:
            raise ValueError(f"unknown role {role!r}")
        with self._write():
            self._check_parent(conversation_id, parent_id)
            message_id = self._insert_message(
                conversation_id=conversation_id,
                parent_id=parent_id,
                role=role,
                content=content,
                reasoning=reasoning,
                created_at=time.time(),
                complete=complete,
                stats=_dump_stats(stats),
                model=model,
                thinking_s=None,
            )
            self._make_active(conversation_id, parent_id, message_id)
            self._touch(conversation_id)
            self._search.index_message(message_id, content)
        return self.get_message(message_id)

    def update_message(
        self,
        message_id: int,
        *,
        content: str | None = None,
        reasoning: str | None = None,
        complete: bool | None = None,
        stats: dict[str, Any] | None = None,
        thinking_s: float | None = None,
    ) -> StoredMessage:
        """Change only the fields given. Call it while streaming (about once a second) so a
        crash loses at most the last second; `complete=True` with stats at the end."""
        changes: dict[str, object] = {
            "content": content,
            "reasoning": reasoning,
            "complete": complete,
            "stats": _dump_stats(stats),
            "thinking_s": thinking_s,
        }
        changes = {k: v for k, v in changes.items() if v is not None}
        if changes:
            with self._write():
                conversation_id = self.get_message(message_id).conversation_id
                assignments = ", ".join(f"{column} = ?" for column in changes)
                self._conn.execute(
                    f"UPDATE messages SET {assignments} WHERE id = ?",
                    [*changes.values(), message_id],
                )
                self._touch(conversation_id)
                if content is not None:
                    self._search.index_message(message_id, content)
        return self.get_message(message_id)

    def get_message(self, message_id: int) -> StoredMessage:
        row = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?", (message_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"no message {message_id}")
        return _message(row)

    def active_path(self, conversation_id: int) -> list[StoredMessage]:
        """Root to leaf along the shown branches; where none was chosen, the newest child."""
        rows = self._conn.execute(_ACTIVE_PATH_SQL, {"conversation": conversation_id})
        return [_message(row) for row in rows]

    def siblings(self, message_id: int) -> list[StoredMessage]:
        """The versions of a message (same parent; for roots, all roots), oldest first, itself
        included: what a "‹ 2/3 ›" switcher pages through."""
        message = self.get_message(message_id)
        rows = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages m"
            " WHERE m.conversation_id = ? AND m.parent_id IS ? ORDER BY m.id",
            (message.conversation_id, message.parent_id),
        )
        return [_message(row) for row in rows]

    def select_branch(self, message_id: int) -> None:
        """Show this message: it and each of its ancestors become the chosen child of their
        parent. Below it, the branch it showed last (or its newest) comes back."""
        message = self.get_message(message_id)
        chain = self._conn.execute(_ANCESTORS_SQL, (message_id,)).fetchall()
        with self._write(check_disk=False):
            for child_id, parent_id in chain:
                self._make_active(message.conversation_id, parent_id, child_id)

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        """Every message of every branch, oldest first."""
        rows = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ? ORDER BY m.id",
            (conversation_id,),
        )
        return [_message(row) for row in rows]

    def incomplete_messages(self) -> list[StoredMessage]:
        """Answers cut off by a crash or a stop (in chats that are not deleted)."""
        rows = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages m"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE m.complete = 0 AND c.deleted_at IS NULL ORDER BY m.id"
        )
        return [_message(row) for row in rows]

    def _check_parent(self, conversation_id: int, parent_id: int | None) -> None:
        self.get_conversation(conversation_id)
        if parent_id is not None and self.get_message(parent_id).conversation_id != conversation_id:
            raise ValueError(f"message {parent_id} belongs to another conversation")

    def _make_active(self, conversation_id: int, parent_id: int | None, child_id: int) -> None:
        if parent_id is None:
            self._set(conversation_id, "active_root_id", child_id)
        else:
            self._conn.execute(
                "UPDATE messages SET active_child_id = ? WHERE id = ?", (child_id, parent_id)
            )

    def _active_ids(self, conversation_id: int) -> set[int]:
        rows = self._conn.execute(
            "SELECT active_child_id FROM messages WHERE conversation_id = ?"
            " UNION SELECT active_root_id FROM conversations WHERE id = ?",
            (conversation_id, conversation_id),
        )
        return {row[0] for row in rows if row[0] is not None}

    # Export and import

    def export_data(self, ids: list[int] | None = None) -> dict[str, Any]:
        """Every branch, role, reasoning text, timestamp and stat: a lossless, JSON-able dict.
        Without ids: all chats that are not deleted."""
        chats = [
            exporting.conversation_to_dict(c, self.messages(c.id), self._active_ids(c.id))
            for c in self._chosen(ids)
        ]
        return exporting.history_to_dict(chats)

    def import_data(self, data: dict[str, Any]) -> list[int]:
        """Add the chats of an export_data() dict as new chats; returns their new ids. The whole
        file is checked first (HistoryFormatError, a ValueError) and written in one go."""
        chats = exporting.parse_history(data)
        with self._write():
            return [self._insert_chat(chat) for chat in chats]

    def export_markdown(
        self, ids: list[int] | None = None, *, include_reasoning: bool = False
    ) -> str:
        """Each chat as shown (its active branch); reasoning only when asked for."""
        chats = [(c, self.active_path(c.id)) for c in self._chosen(ids)]
        return exporting.render_markdown(chats, include_reasoning=include_reasoning)

    def _chosen(self, ids: Sequence[int] | None) -> list[Conversation]:
        if ids is None:
            return self.list_conversations()
        return [self.get_conversation(i) for i in ids]

    def _insert_conversation(self, **values: object) -> int:
        cur = self._conn.execute(
            "INSERT INTO conversations (title, pinned, created_at, updated_at, system_prompt,"
            " thinking, model) VALUES (:title, :pinned, :created_at, :updated_at,"
            " :system_prompt, :thinking, :model)",
            values,
        )
        return _lastrowid(cur)

    def _insert_message(self, **values: object) -> int:
        cur = self._conn.execute(
            "INSERT INTO messages (conversation_id, parent_id, role, content, reasoning,"
            " created_at, complete, stats, model, thinking_s) VALUES (:conversation_id,"
            " :parent_id, :role, :content, :reasoning, :created_at, :complete, :stats, :model,"
            " :thinking_s)",
            values,
        )
        return _lastrowid(cur)

    def _insert_chat(self, chat: exporting.ImportedConversation) -> int:
        conversation_id = self._insert_conversation(
            title=chat.title,
            pinned=chat.pinned,
            created_at=chat.created_at,
            updated_at=chat.updated_at,
            system_prompt=chat.system_prompt,
            thinking=chat.thinking,
            model=chat.model,
        )
        self._search.index_title(conversation_id, chat.title)
        new_ids: dict[int, int] = {}
        for message in chat.messages:  # parents come first, so their new ids are known
            parent_id = None if message.parent_key is None else new_ids[message.parent_key]
            new_ids[message.key] = self._insert_imported(conversation_id, parent_id, message)
        return conversation_id

    def _insert_imported(
        self, conversation_id: int, parent_id: int | None, message: exporting.ImportedMessage
    ) -> int:
        message_id = self._insert_message(
            conversation_id=conversation_id,
            parent_id=parent_id,
            role=message.role,
            content=message.content,
            reasoning=message.reasoning,
            created_at=message.created_at,
            complete=message.complete,
            stats=_dump_stats(message.stats),
            model=message.model,
            thinking_s=message.thinking_s,
        )
        if message.active:
            self._make_active(conversation_id, parent_id, message_id)
        self._search.index_message(message_id, message.content)
        return message_id


class _SearchIndex:
    """Trigram FTS5 over titles and message text, so substrings match in Chinese too.

    The store updates it itself rather than through triggers: a trigger would make every write
    fail if the file were ever opened by a SQLite without the trigram tokenizer. Such a session
    marks the index stale instead, and the next capable one rebuilds it. It is derived data, so
    it lives outside the numbered migrations.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.enabled = _trigram_supported(conn)

    def _state(self) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'search_index'").fetchone()
        return None if row is None else str(row[0])

    def is_fresh(self) -> bool:
        return self._state() == "fresh"

    def is_stale(self) -> bool:
        return self._state() == "stale"

    def mark_stale(self) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('search_index', 'stale')")

    def rebuild(self) -> None:
        for table, column in (("message_search", "content"), ("title_search", "title")):
            self._conn.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({column},"
                " tokenize='trigram')"
            )
            self._conn.execute(f"DELETE FROM {table}")
        self._conn.execute(
            "INSERT INTO message_search(rowid, content) SELECT id, content FROM messages"
        )
        self._conn.execute(
            "INSERT INTO title_search(rowid, title) SELECT id, title FROM conversations"
        )
        self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('search_index', 'fresh')")

    def index_message(self, message_id: int, content: str) -> None:
        if self.enabled:
            self._conn.execute("DELETE FROM message_search WHERE rowid = ?", (message_id,))
            self._conn.execute(
                "INSERT INTO message_search(rowid, content) VALUES (?, ?)", (message_id, content)
            )

    def index_title(self, conversation_id: int, title: str) -> None:
        if self.enabled:
            self._conn.execute("DELETE FROM title_search WHERE rowid = ?", (conversation_id,))
            self._conn.execute(
                "INSERT INTO title_search(rowid, title) VALUES (?, ?)", (conversation_id, title)
            )

    def forget(self, conversation_ids: list[int]) -> None:
        if not self.enabled:
            return
        for conversation_id in conversation_ids:
            self._conn.execute(
                "DELETE FROM message_search WHERE rowid IN"
                " (SELECT id FROM messages WHERE conversation_id = ?)",
                (conversation_id,),
            )
            self._conn.execute("DELETE FROM title_search WHERE rowid = ?", (conversation_id,))

    def condition(self, query: str) -> tuple[str, list[str]]:
        """A WHERE condition on `conversations c`: every word of the query in the title, or
        every word in one message. Trigrams need 3 characters, so shorter words use LIKE."""
        terms = query.split()
        if not terms:
            return "1", []
        if self.enabled and all(len(term) >= 3 for term in terms):
            match = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
            return _FTS_CONDITION, [match, match]
        patterns = ["%" + _escape_like(term) + "%" for term in terms]
        titles = " AND ".join(["c.title LIKE ? ESCAPE '\\'"] * len(terms))
        contents = " AND ".join(["m.content LIKE ? ESCAPE '\\'"] * len(terms))
        condition = (
            f"({titles}) OR EXISTS (SELECT 1 FROM messages m"
            f" WHERE m.conversation_id = c.id AND {contents})"
        )
        return condition, patterns + patterns


_FTS_CONDITION = (
    "c.id IN (SELECT rowid FROM title_search WHERE title_search MATCH ?)"
    " OR c.id IN (SELECT m.conversation_id FROM message_search s"
    " JOIN messages m ON m.id = s.rowid WHERE message_search MATCH ?)"
)

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
SELECT {_MESSAGE_COLUMNS} FROM path JOIN messages m ON m.id = path.id ORDER BY path.depth
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


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; _write() issues BEGIN and COMMIT itself.
    # check_same_thread stays on: the store belongs to the GUI thread.
    conn = sqlite3.connect(path, isolation_level=None, timeout=5.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _trigram_supported(conn: sqlite3.Connection) -> bool:
    if sqlite3.sqlite_version_info < _TRIGRAM_SINCE:
        return False
    try:  # FTS5 itself is a compile-time option, so ask rather than trust the version
        conn.execute("CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(x, tokenize='trigram')")
        conn.execute("DROP TABLE temp.trigram_probe")
    except sqlite3.Error:
        return False
    return True


def _storage_error(exc: sqlite3.Error) -> StorageError:
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


def _open_failed(path: Path, exc: Exception) -> StorageError:
    return StorageError(
        f"Could not open the chat database {path} ({exc}).",
        StorageCode.OPEN_FAILED,
        {"path": str(path), "reason": str(exc)},
    )


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _lastrowid(cur: sqlite3.Cursor) -> int:
    assert cur.lastrowid is not None  # always set after a single-row INSERT
    return cur.lastrowid


def _dump_stats(stats: dict[str, Any] | None) -> str | None:
    return None if stats is None else json.dumps(stats)


def _load_stats(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None  # stats are nice to have; a damaged value must not hide the message
    return value if isinstance(value, dict) else None


def _conversation(row: sqlite3.Row) -> Conversation:
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


def _message(row: sqlite3.Row) -> StoredMessage:
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
    )
