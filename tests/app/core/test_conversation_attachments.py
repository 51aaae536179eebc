"""Attachments in the chat history: stored with their message in one transaction, read back on
every path, kept by an upgrade, an edit, export and import, and findable by name."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.core import migrations
from app.core.chat_records import Attachment
from app.core.conversations import ConversationStore
from app.core.exporting import HistoryFormatError

NOTES = Attachment("notes.txt", "text", "The secret city is Lisbon.", 27)
REPORT = Attachment("report.pdf", "pdf", "Quarterly report\n\n本地模型", 48_007)


def ask(store: ConversationStore, *attachments: Attachment) -> tuple[int, int]:
    """A question with attachments and its answer; returns (conversation id, question id)."""
    conversation = store.create_conversation()
    question = store.add_message(
        conversation.id, "user", "What is the secret city?", attachments=attachments
    )
    store.add_message(conversation.id, "assistant", "Lisbon.", parent_id=question.id)
    return conversation.id, question.id


def attachment_rows(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        count: int = conn.execute("SELECT count(*) FROM attachments").fetchone()[0]
    conn.close()
    return count


def test_every_read_of_a_message_has_its_attachments(store: ConversationStore) -> None:
    conversation_id, question_id = ask(store, NOTES, REPORT)
    assert store.get_message(question_id).attachments == (NOTES, REPORT)
    path = store.active_path(conversation_id)
    assert [m.attachments for m in path] == [(NOTES, REPORT), ()]
    assert store.messages(conversation_id)[0].attachments == (NOTES, REPORT)
    assert store.siblings(question_id)[0].attachments == (NOTES, REPORT)


def test_a_message_without_attachments_has_none(store: ConversationStore) -> None:
    conversation = store.create_conversation()
    message = store.add_message(conversation.id, "user", "hi")
    assert message.attachments == ()


def test_a_path_reads_its_attachments_in_one_query(store: ConversationStore) -> None:
    conversation_id, question_id = ask(store, NOTES)
    parent = question_id
    for turn in range(10):
        role = "user" if turn % 2 else "assistant"
        extra = (NOTES,) if role == "user" else ()
        parent = store.add_message(
            conversation_id, role, f"turn {turn}", parent_id=parent, attachments=extra
        ).id
    statements: list[str] = []
    store._db.conn.set_trace_callback(statements.append)
    path = store.active_path(conversation_id)
    store._db.conn.set_trace_callback(None)
    assert sum(1 for m in path if m.attachments) == 6
    assert sum("FROM attachments" in s for s in statements) == 1


def test_an_edit_that_keeps_the_documents_has_them_too(store: ConversationStore) -> None:
    conversation_id, question_id = ask(store, NOTES)
    original = store.get_message(question_id)
    edited = store.add_message(
        conversation_id, "user", "Which city is secret?", attachments=original.attachments
    )
    assert [m.attachments for m in store.siblings(edited.id)] == [(NOTES,), (NOTES,)]
    assert store.active_path(conversation_id)[0].attachments == (NOTES,)


def test_a_failed_write_leaves_no_attachment_behind(
    store: ConversationStore, db_path: Path
) -> None:
    conversation = store.create_conversation()
    with pytest.raises(ValueError, match="unknown role"):
        store.add_message(conversation.id, "robot", "x", attachments=[NOTES])
    with pytest.raises(KeyError):
        store.add_message(conversation.id, "user", "x", parent_id=999, attachments=[NOTES])
    assert attachment_rows(db_path) == 0


def test_purging_a_chat_removes_its_attachments(store: ConversationStore, db_path: Path) -> None:
    conversation_id, _ = ask(store, NOTES, REPORT)
    assert attachment_rows(db_path) == 2
    store.delete(conversation_id)
    store.purge_deleted()
    assert attachment_rows(db_path) == 0


def test_a_chat_is_found_by_an_attachment_name_not_its_text(store: ConversationStore) -> None:
    conversation_id, _ = ask(store, REPORT)
    assert [c.id for c in store.list_conversations("report.pdf")] == [conversation_id]
    assert [c.id for c in store.list_conversations("本地")] == []  # LIKE (under 3 characters)
    assert store.list_conversations("Quarterly") == []


def test_a_rebuilt_search_index_finds_attachment_names(db_path: Path) -> None:
    with ConversationStore(db_path) as store:
        conversation_id, _ = ask(store, REPORT)
        with store._db.write():
            store._search.rebuild()
        assert [c.id for c in store.list_conversations("report.pdf")] == [conversation_id]


# The upgrade from the database before attachments


def make_version_1_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        migrations.run(conn, migrations.MIGRATIONS[0])
        conn.execute(
            "INSERT INTO conversations (title, created_at, updated_at) VALUES ('old', 1, 1)"
        )
        conn.execute(
            "INSERT INTO messages (conversation_id, role, content, created_at)"
            " VALUES (1, 'user', 'an old question', 1)"
        )
    conn.close()


def test_an_old_database_gets_the_attachments_table(db_path: Path) -> None:
    make_version_1_database(db_path)
    with ConversationStore(db_path) as store:
        (old,) = store.active_path(1)
        assert (old.content, old.attachments) == ("an old question", ())
        added = store.add_message(1, "user", "new", parent_id=old.id, attachments=[NOTES])
        assert store.get_message(added.id).attachments == (NOTES,)
    (backup,) = (db_path.parent / "backups").glob("chat-v1-*.sqlite3")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 2  # 2: attachments
    conn.close()


# Export and import


def test_export_and_import_keep_attachments(tmp_path: Path, store: ConversationStore) -> None:
    ask(store, NOTES, REPORT)
    exported = store.export_data()
    (question, _answer) = exported["conversations"][0]["messages"]
    assert question["attachments"] == [
        {"name": "notes.txt", "kind": "text", "size_bytes": 27, "text": NOTES.text},
        {"name": "report.pdf", "kind": "pdf", "size_bytes": 48_007, "text": REPORT.text},
    ]
    with ConversationStore(tmp_path / "other" / "chat.sqlite3") as other:
        (new_id,) = other.import_data(exported)
        assert [m.attachments for m in other.active_path(new_id)] == [(NOTES, REPORT), ()]
        assert [c.id for c in other.list_conversations("notes.txt")] == [new_id]


def old_export() -> dict[str, Any]:
    """As version 1 wrote it: no attachments anywhere."""
    message = {"id": 7, "parent_id": None, "role": "user", "content": "hi", "created_at": 1.0}
    chat = {"title": "Old", "created_at": 1.0, "messages": [message]}
    return {"format": "minicpm-chat-history", "version": 1, "conversations": [chat]}


def test_an_old_export_still_imports(store: ConversationStore) -> None:
    (new_id,) = store.import_data(old_export())
    (message,) = store.active_path(new_id)
    assert (message.content, message.attachments) == ("hi", ())


def test_an_unknown_kind_imports_as_text(store: ConversationStore) -> None:
    data = old_export()
    data["conversations"][0]["messages"][0]["attachments"] = [
        {"name": "a.xlsx", "kind": "xlsx", "text": "1,2"}
    ]
    (new_id,) = store.import_data(data)
    (message,) = store.active_path(new_id)
    assert message.attachments == (Attachment("a.xlsx", "text", "1,2", 3),)


@pytest.mark.parametrize(
    ("attachments", "words"),
    [
        ("notes.txt", "'attachments' must be of type list"),
        (["notes.txt"], "'attachments\\[1\\]' must be of type dict"),
        ([{"name": "a.txt"}], "'attachments\\[1\\].text' is missing"),
        ([{"text": "x"}], "'attachments\\[1\\].name' is missing"),
        ([{"name": "a", "text": "x", "size_bytes": "big"}], "'attachments\\[1\\].size_bytes' must"),
        ([{"name": "a", "text": "\ud800"}], "'attachments\\[1\\].text' is not valid Unicode"),
    ],
)
def test_a_broken_attachment_refuses_the_whole_file(
    store: ConversationStore, attachments: object, words: str
) -> None:
    data = old_export()
    data["conversations"].insert(0, {"title": "fine", "messages": []})
    data["conversations"][1]["messages"][0]["attachments"] = attachments
    with pytest.raises(HistoryFormatError, match=f"conversation 2, message 1: {words}"):
        store.import_data(data)
    assert store.list_conversations() == []


def test_markdown_shows_each_attachment_folded(store: ConversationStore) -> None:
    readme = Attachment("README.md", "markdown", "Build:\n```sh\nmake\n```", 22)
    ask(store, readme)
    markdown = store.export_markdown()
    assert (
        "What is the secret city?\n\n<details>\n<summary>Attached: README.md (22 bytes)</summary>"
        "\n\n````\nBuild:\n```sh\nmake\n```\n````\n\n</details>\n"
    ) in markdown
