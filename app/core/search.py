"""Finding chats: a trigram full-text index over titles and message text, and the WHERE
condition a search query becomes (the index where it can serve, LIKE where it cannot).

A message is found by its text and by the names of its attachments, not by their text: a
document can be 2 million characters, and indexing it would make the index (three rows per
character for trigrams) many times larger than the chats themselves.

Qt-free; the conversation store keeps the index up to date as it writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from app.core.chat_database import ChatDatabase
from app.core.chat_records import Attachment
from app.core.storage_errors import StorageError

__all__ = ["SearchIndex", "open_search_index"]

_TRIGRAM_SINCE = (3, 34, 0)

# The text a message is found by: its own and its attachments' names, one per line.
_SEARCHED_TEXT = (
    "m.content || coalesce((SELECT char(10) || group_concat(a.name, char(10))"
    " FROM attachments a WHERE a.message_id = m.id), '')"
)

_FTS_CONDITION = (
    "c.id IN (SELECT rowid FROM title_search WHERE title_search MATCH ?)"
    " OR c.id IN (SELECT m.conversation_id FROM message_search s"
    " JOIN messages m ON m.id = s.rowid WHERE message_search MATCH ?)"
)


class SearchIndex:
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
            f"INSERT INTO message_search(rowid, content) SELECT m.id, {_SEARCHED_TEXT}"
            " FROM messages m"
        )
        self._conn.execute(
            "INSERT INTO title_search(rowid, title) SELECT id, title FROM conversations"
        )
        self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('search_index', 'fresh')")

    def index_message(
        self, message_id: int, content: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        if self.enabled:
            text = "\n".join([content, *(a.name for a in attachments)])
            self._conn.execute("DELETE FROM message_search WHERE rowid = ?", (message_id,))
            self._conn.execute(
                "INSERT INTO message_search(rowid, content) VALUES (?, ?)", (message_id, text)
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
        contents = " AND ".join([f"{_SEARCHED_TEXT} LIKE ? ESCAPE '\\'"] * len(terms))
        condition = (
            f"({titles}) OR EXISTS (SELECT 1 FROM messages m"
            f" WHERE m.conversation_id = c.id AND {contents})"
        )
        return condition, patterns + patterns


def open_search_index(db: ChatDatabase) -> SearchIndex:
    """The index of an opened database, rebuilt when it is missing or went stale; marked stale
    when this SQLite cannot keep it (no trigram tokenizer)."""
    search = SearchIndex(db.conn)
    if not search.enabled:
        if not search.is_stale():
            with db.write(check_disk=False):
                search.mark_stale()
        return search
    if search.is_fresh():
        return search
    try:
        with db.write():
            search.rebuild()
    except StorageError:
        # Still usable: searches fall back to LIKE until a later start can rebuild.
        search.enabled = False
    return search


def _trigram_supported(conn: sqlite3.Connection) -> bool:
    if sqlite3.sqlite_version_info < _TRIGRAM_SINCE:
        return False
    try:  # FTS5 itself is a compile-time option, so ask rather than trust the version
        conn.execute("CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(x, tokenize='trigram')")
        conn.execute("DROP TABLE temp.trigram_probe")
    except sqlite3.Error:
        return False
    return True


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
