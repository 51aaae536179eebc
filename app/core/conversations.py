"""The chat history store: one `ConversationStore` for the GUI and the CLI, composed of the
database file (`chat_database`: WAL, migrations, safe writes checked by `disk_space`), the
search index (`search`) and the message tree (`message_tree`). This module holds the
conversations themselves (create, list, rename, pin, delete and purge) and export / import
through `exporting`.

Qt-free. The GUI uses one store from its own thread only; the connection refuses other threads.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.core import exporting
from app.core.chat_database import ChatDatabase
from app.core.chat_records import Attachment, Conversation, StoredMessage
from app.core.chat_rows import (
    CONVERSATION_COLUMNS,
    conversation_from_row,
    dump_stats,
    fetch_conversation,
    insert_attachments,
    insert_conversation,
    insert_message,
    make_active,
    set_conversation_column,
)
from app.core.message_tree import MessageTree
from app.core.search import open_search_index
from app.core.storage_errors import StorageNote

__all__ = ["DEFAULT_TITLE", "ConversationStore", "title_from_text"]

DEFAULT_TITLE = "New chat"
TITLE_LENGTH = 50


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
    """Every chat on disk. Writes raise StorageError (app.core.storage_errors) and leave nothing
    half-written; unknown ids raise KeyError."""

    def __init__(self, path: Path, *, min_free_bytes: int = 50_000_000) -> None:
        self._db = ChatDatabase(path, min_free_bytes=min_free_bytes)
        with self._db.closing_on_failure():
            self._search = open_search_index(self._db)
        self._messages = MessageTree(self._db, self._search)

    def __enter__(self) -> ConversationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def disk_space_warning(self) -> StorageNote | None:
        """A message for the GUI to show before saving starts to fail, or None when all is well."""
        return self._db.disk.warning()

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
        with self._db.write():
            conversation_id = insert_conversation(
                self._db.conn,
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
        rows = self._db.conn.execute(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversations c"
            f" WHERE c.deleted_at IS NULL AND ({condition})"
            " ORDER BY c.pinned DESC, c.updated_at DESC, c.id DESC",
            params,
        )
        return [conversation_from_row(row) for row in rows]

    def get_conversation(self, conversation_id: int) -> Conversation:
        """Deleted chats can still be read here until they are purged."""
        return fetch_conversation(self._db.conn, conversation_id)

    def rename(self, conversation_id: int, title: str) -> None:
        title = title.strip() or DEFAULT_TITLE
        with self._db.write():
            self._set(conversation_id, "title", title)
            self._search.index_title(conversation_id, title)

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        with self._db.write(check_disk=False):
            self._set(conversation_id, "pinned", pinned)

    def set_system_prompt(self, conversation_id: int, system_prompt: str) -> None:
        with self._db.write():
            self._set(conversation_id, "system_prompt", system_prompt)

    def set_thinking(self, conversation_id: int, thinking: bool | None) -> None:
        with self._db.write(check_disk=False):
            self._set(conversation_id, "thinking", thinking)

    def set_model(self, conversation_id: int, model: str | None) -> None:
        with self._db.write(check_disk=False):
            self._set(conversation_id, "model", model)

    def delete(self, conversation_id: int) -> None:
        """Soft delete, so the GUI can offer Undo; purge_deleted() removes it for good.
        Deleting never checks the disk: it is how people make room."""
        with self._db.write(check_disk=False):
            self._set(conversation_id, "deleted_at", time.time())

    def undelete(self, conversation_id: int) -> None:
        with self._db.write(check_disk=False):
            self._set(conversation_id, "deleted_at", None)

    def purge_deleted(self, older_than_s: float = 0) -> int:
        """Remove chats deleted at least `older_than_s` ago; returns how many."""
        cutoff = time.time() - older_than_s
        conn = self._db.conn
        with self._db.write(check_disk=False):
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM conversations WHERE deleted_at <= ?", (cutoff,)
                )
            ]
            self._search.forget(ids)
            # Messages go with their conversation (ON DELETE CASCADE).
            conn.executemany("DELETE FROM conversations WHERE id = ?", [(i,) for i in ids])
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
        set_conversation_column(self._db.conn, conversation_id, column, value)

    # Messages (the tree lives in app.core.message_tree)

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
        attachments: Sequence[Attachment] = (),
        thinking: bool | None = None,
    ) -> StoredMessage:
        """Committed at once, with its attachments (in the order given). `thinking`: the
        thinking choice an answer is generated with (None: unknown, or a model that cannot
        think). It becomes the shown
        branch under its parent; with no parent it is a new root (an edit of the first
        message), so pass the active leaf to continue a chat. An edit that keeps the original's
        documents passes them again (`message.attachments`)."""
        return self._messages.add(
            conversation_id,
            role,
            content,
            parent_id=parent_id,
            reasoning=reasoning,
            complete=complete,
            stats=stats,
            model=model,
            attachments=attachments,
            thinking=thinking,
        )

    def update_message(
        self,
        message_id: int,
        *,
        content: str | None = None,
        reasoning: str | None = None,
        complete: bool | None = None,
        stats: dict[str, Any] | None = None,
        thinking_s: float | None = None,
        reasoning_unfinished: bool | None = None,
    ) -> StoredMessage:
        """Change only the fields given. Call it while streaming (about once a second) so a
        crash loses at most the last second; `complete=True` with stats at the end (and
        `reasoning_unfinished` when the answer ended inside its think block)."""
        return self._messages.update(
            message_id,
            content=content,
            reasoning=reasoning,
            complete=complete,
            stats=stats,
            thinking_s=thinking_s,
            reasoning_unfinished=reasoning_unfinished,
        )

    def get_message(self, message_id: int) -> StoredMessage:
        return self._messages.get(message_id)

    def active_path(self, conversation_id: int) -> list[StoredMessage]:
        """Root to leaf along the shown branches; where none was chosen, the newest child."""
        return self._messages.active_path(conversation_id)

    def siblings(self, message_id: int) -> list[StoredMessage]:
        """The versions of a message (same parent; for roots, all roots), oldest first, itself
        included: what a "‹ 2/3 ›" switcher pages through."""
        return self._messages.siblings(message_id)

    def select_branch(self, message_id: int) -> None:
        """Show this message: it and each of its ancestors become the chosen child of their
        parent. Below it, the branch it showed last (or its newest) comes back."""
        self._messages.select_branch(message_id)

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        """Every message of every branch, oldest first."""
        return self._messages.all(conversation_id)

    def incomplete_messages(self) -> list[StoredMessage]:
        """Answers cut off by a crash or a stop (in chats that are not deleted)."""
        return self._messages.incomplete()

    # Export and import

    def export_data(self, ids: list[int] | None = None) -> dict[str, Any]:
        """Every branch, role, reasoning text, timestamp and stat: a lossless, JSON-able dict.
        Without ids: all chats that are not deleted."""
        chats = [
            exporting.conversation_to_dict(
                c, self._messages.all(c.id), self._messages.active_ids(c.id)
            )
            for c in self._chosen(ids)
        ]
        return exporting.history_to_dict(chats)

    def import_data(self, data: dict[str, Any]) -> list[int]:
        """Add the chats of an export_data() dict as new chats; returns their new ids. The whole
        file is checked first (HistoryFormatError, a ValueError) and written in one go."""
        chats = exporting.parse_history(data)
        with self._db.write():
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

    def _insert_chat(self, chat: exporting.ImportedConversation) -> int:
        conversation_id = insert_conversation(
            self._db.conn,
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
        message_id = insert_message(
            self._db.conn,
            conversation_id=conversation_id,
            parent_id=parent_id,
            role=message.role,
            content=message.content,
            reasoning=message.reasoning,
            created_at=message.created_at,
            complete=message.complete,
            stats=dump_stats(message.stats),
            model=message.model,
            thinking_s=message.thinking_s,
            thinking=message.thinking,
            reasoning_unfinished=message.reasoning_unfinished,
        )
        insert_attachments(self._db.conn, message_id, message.attachments)
        if message.active:
            make_active(self._db.conn, conversation_id, parent_id, message_id)
        self._search.index_message(message_id, message.content, message.attachments)
        return message_id
