"""The conversation store: the message tree, search, migrations, saving that never half-fails."""

from __future__ import annotations

import shutil
import sqlite3
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core import migrations
from app.core.conversations import (
    DEFAULT_TITLE,
    ConversationStore,
    DatabaseTooNewError,
    HistoryFormatError,
    LowDiskSpaceError,
    StorageCode,
    StorageError,
    title_from_text,
)

DiskUsage = namedtuple("DiskUsage", "total used free")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "chat.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(db_path) as opened:
        yield opened


def chat(store: ConversationStore, *turns: str) -> list[int]:
    """Alternating user/assistant messages, each a child of the previous; returns their ids."""
    conversation = store.create_conversation()
    ids: list[int] = []
    for i, text in enumerate(turns):
        role = "user" if i % 2 == 0 else "assistant"
        parent = ids[-1] if ids else None
        ids.append(store.add_message(conversation.id, role, text, parent_id=parent).id)
    return ids


def contents(store: ConversationStore, conversation_id: int) -> list[str]:
    return [m.content for m in store.active_path(conversation_id)]


def low_disk(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: DiskUsage(10**12, 10**12 - free, free))


# Conversations


def test_create_list_rename_pin(store: ConversationStore) -> None:
    first = store.create_conversation()
    second = store.create_conversation("Recipes", system_prompt="Be brief", thinking=True)
    assert first.title == DEFAULT_TITLE
    assert (second.system_prompt, second.thinking, second.model) == ("Be brief", True, None)
    assert [c.id for c in store.list_conversations()] == [second.id, first.id]

    store.rename(first.id, "  Holiday  ")
    store.set_pinned(first.id, True)
    store.set_model(first.id, "MiniCPM4")
    store.set_thinking(first.id, None)
    got = store.get_conversation(first.id)
    assert (got.title, got.pinned, got.model, got.thinking) == ("Holiday", True, "MiniCPM4", None)
    assert [c.id for c in store.list_conversations()] == [first.id, second.id]


def test_new_messages_move_a_chat_up(store: ConversationStore) -> None:
    older = chat(store, "hi")
    chat(store, "hello")
    conversation_id = store.get_message(older[0]).conversation_id
    store.add_message(conversation_id, "assistant", "hey", parent_id=older[0])
    assert store.list_conversations()[0].id == conversation_id


def test_delete_is_undoable_until_purged(store: ConversationStore) -> None:
    ids = chat(store, "keep me", "ok")
    conversation_id = store.get_message(ids[0]).conversation_id
    store.delete(conversation_id)
    assert store.list_conversations() == []
    assert store.list_conversations("keep") == []
    store.undelete(conversation_id)
    assert [c.id for c in store.list_conversations()] == [conversation_id]

    store.delete(conversation_id)
    assert store.purge_deleted(older_than_s=3600) == 0  # deleted just now: kept for undo
    assert store.purge_deleted() == 1
    with pytest.raises(KeyError):
        store.get_conversation(conversation_id)
    assert store.messages(conversation_id) == []


def test_unknown_ids_raise_key_error(store: ConversationStore) -> None:
    with pytest.raises(KeyError):
        store.rename(42, "x")
    with pytest.raises(KeyError):
        store.add_message(42, "user", "x")
    with pytest.raises(KeyError):
        store.get_message(42)


def test_auto_title_uses_the_user_text_once(store: ConversationStore) -> None:
    conversation = store.create_conversation()
    long = "Plan a three day trip to Beijing with museums, food markets and the Great Wall"
    title = store.auto_title(conversation.id, long)
    assert title == store.get_conversation(conversation.id).title
    assert len(title) <= 51 and title.endswith("…") and title.startswith("Plan a three day")
    assert store.auto_title(conversation.id, "something else") == title


def test_title_from_text_cuts_chinese_without_spaces() -> None:
    assert title_from_text("  我想去\n北京旅游 ") == "我想去 北京旅游"
    assert len(title_from_text("北" * 80)) == 51


# The message tree


def test_editing_a_question_keeps_the_old_branch(store: ConversationStore) -> None:
    question, answer, follow_up, _ = chat(store, "2+2?", "4", "and 3+3?", "6")
    conversation_id = store.get_message(question).conversation_id
    edited = store.add_message(conversation_id, "user", "and 4+4?", parent_id=answer)
    store.add_message(conversation_id, "assistant", "8", parent_id=edited.id)

    assert contents(store, conversation_id) == ["2+2?", "4", "and 4+4?", "8"]
    assert [m.id for m in store.siblings(edited.id)] == [follow_up, edited.id]
    assert len(store.messages(conversation_id)) == 6

    store.select_branch(follow_up)  # "‹ 1/2"
    assert contents(store, conversation_id) == ["2+2?", "4", "and 3+3?", "6"]
    store.select_branch(edited.id)  # its most recent answer comes back with it
    assert contents(store, conversation_id) == ["2+2?", "4", "and 4+4?", "8"]


def test_regenerating_an_answer_adds_a_sibling(store: ConversationStore) -> None:
    question, first = chat(store, "name a colour", "red")
    conversation_id = store.get_message(question).conversation_id
    second = store.add_message(conversation_id, "assistant", "blue", parent_id=question)
    assert contents(store, conversation_id) == ["name a colour", "blue"]
    assert [m.content for m in store.siblings(first)] == ["red", "blue"]
    store.select_branch(first)
    assert contents(store, conversation_id) == ["name a colour", "red"]
    assert len(store.siblings(second.id)) == 2


def test_editing_the_first_message_makes_root_siblings(store: ConversationStore) -> None:
    first, _ = chat(store, "hi", "hello")
    conversation_id = store.get_message(first).conversation_id
    other = store.add_message(conversation_id, "user", "good morning")
    assert contents(store, conversation_id) == ["good morning"]
    assert [m.id for m in store.siblings(other.id)] == [first, other.id]
    store.select_branch(first)
    assert contents(store, conversation_id) == ["hi", "hello"]


def test_selecting_a_deep_message_selects_its_ancestors(store: ConversationStore) -> None:
    question, answer = chat(store, "q", "a1")
    conversation_id = store.get_message(question).conversation_id
    deep = store.add_message(conversation_id, "user", "more", parent_id=answer)
    store.add_message(conversation_id, "assistant", "a2", parent_id=question)
    store.select_branch(deep.id)
    assert contents(store, conversation_id) == ["q", "a1", "more"]


def test_parent_must_be_in_the_same_chat(store: ConversationStore) -> None:
    (elsewhere,) = chat(store, "other chat")
    conversation = store.create_conversation()
    with pytest.raises(ValueError):
        store.add_message(conversation.id, "user", "x", parent_id=elsewhere)
    with pytest.raises(ValueError):
        store.add_message(conversation.id, "robot", "x")
    assert store.messages(conversation.id) == []


# Streaming and crashes


def test_streamed_answer_is_saved_and_completed(store: ConversationStore) -> None:
    (question,) = chat(store, "tell me a story")
    conversation_id = store.get_message(question).conversation_id
    answer = store.add_message(
        conversation_id, "assistant", "", parent_id=question, complete=False, model="MiniCPM4"
    )
    store.update_message(answer.id, content="Once", reasoning="a story about")
    store.update_message(answer.id, content="Once upon a time")
    assert [m.id for m in store.incomplete_messages()] == [answer.id]

    stats = {"backend": "llama", "generated_tokens": 4, "finish_reason": "stop"}
    done = store.update_message(answer.id, complete=True, stats=stats, thinking_s=1.5)
    assert (done.content, done.reasoning, done.complete) == (
        "Once upon a time",
        "a story about",
        True,
    )
    assert (done.stats, done.thinking_s, done.model) == (stats, 1.5, "MiniCPM4")
    assert store.incomplete_messages() == []


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


# Search


def test_search_english_and_chinese(store: ConversationStore) -> None:
    beijing = store.get_message(chat(store, "我想去北京旅游", "好的")[0]).conversation_id
    cats = store.get_message(chat(store, "Tell me about cats")[0]).conversation_id
    store.rename(cats, "Pet questions")

    def found(query: str) -> list[int]:
        return [c.id for c in store.list_conversations(query)]

    assert found("北京") == [beijing]  # two characters: LIKE
    assert found("去北京") == [beijing]  # trigram index
    assert found("ABOUT cats") == [cats]  # every word, any case
    assert found("pet QUEST") == [cats]  # title
    assert found("ca") == [cats]
    assert found("dogs") == []
    assert found("100%") == []  # LIKE wildcards are literal
    assert found('"quoted"') == []


def test_search_falls_back_to_like_on_old_sqlite(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
        with ConversationStore(db_path) as old:
            chat(old, "我想去北京旅游")
            assert len(old.list_conversations("去北京")) == 1
    # A newer SQLite rebuilds the index, which missed the message written meanwhile.
    with ConversationStore(db_path) as new:
        assert new._search.enabled
        assert len(new.list_conversations("去北京")) == 1


# Migrations


def make_v1_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        migrations.run(conn, migrations.MIGRATIONS[0])
        conn.execute(
            "INSERT INTO conversations (title, created_at, updated_at) VALUES ('old', 1, 1)"
        )
    conn.close()


def add_v2(monkeypatch: pytest.MonkeyPatch, *statements: str) -> None:
    v2 = migrations.Migration(2, "test step", statements)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, v2))


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
    make_v1_database(db_path)
    add_v2(monkeypatch, "ALTER TABLE conversations ADD COLUMN color TEXT")
    with ConversationStore(db_path) as store:
        assert [c.title for c in store.list_conversations()] == ["old"]
    assert user_version(db_path) == 2
    (backup,) = (db_path.parent / "backups").iterdir()
    assert backup.name.startswith("chat-v1-") and backup.suffix == ".sqlite3"
    assert user_version(backup) == 1
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT title FROM conversations").fetchall() == [("old",)]
    conn.close()


def test_a_failed_upgrade_changes_nothing(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_v1_database(db_path)
    add_v2(monkeypatch, "CREATE TABLE extra (x)", "THIS IS NOT SQL")
    with pytest.raises(StorageError, match="version 2 failed.*backups"):
        ConversationStore(db_path)
    assert user_version(db_path) == 1
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


# Disk space


def test_low_disk_refuses_before_writing(
    store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    (question,) = chat(store, "hi")
    conversation_id = store.get_message(question).conversation_id
    low_disk(monkeypatch, free=10_000_000)
    with pytest.raises(LowDiskSpaceError, match="almost full"):
        store.add_message(conversation_id, "assistant", "hello", parent_id=question)
    with pytest.raises(LowDiskSpaceError):
        store.create_conversation()
    assert len(store.messages(conversation_id)) == 1
    assert len(store.list_conversations()) == 1
    store.delete(conversation_id)  # deleting still works: it is how people make room
    assert store.purge_deleted() == 1


def test_disk_space_warning_comes_early(
    store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    low_disk(monkeypatch, free=10**10)
    assert store.disk_space_warning() is None
    low_disk(monkeypatch, free=120_000_000)
    assert "120 MB" in str(store.disk_space_warning())
    chat(store, "still saves")
    low_disk(monkeypatch, free=1_000_000)
    assert "cannot be saved" in str(store.disk_space_warning())


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
    real = store._conn
    # The message row is inserted first; the next statement of the same write fails.
    store._conn = FailingConnection(real, "SET updated_at")  # type: ignore[assignment]
    with pytest.raises(StorageError, match="disk is full") as caught:
        store.add_message(conversation_id, "user", "lost?", parent_id=answer)
    assert not isinstance(caught.value, LowDiskSpaceError)
    store._conn = real
    assert len(store.messages(conversation_id)) == 2
    assert contents(store, conversation_id) == ["q", "a"]
    assert store.list_conversations("lost") == []


def test_real_sqlite_full_error_becomes_storage_error(store: ConversationStore) -> None:
    (question,) = chat(store, "q")
    conversation_id = store.get_message(question).conversation_id
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError, match="disk is full"):
        store.add_message(conversation_id, "assistant", "x" * 200_000, parent_id=question)
    assert len(store.messages(conversation_id)) == 1


# Export and import


def branched_chat(store: ConversationStore) -> int:
    question, first = chat(store, "Where to go?", "Beijing")
    conversation_id = store.get_message(question).conversation_id
    store.update_message(first, reasoning="They like history.", thinking_s=2.0)
    second = store.add_message(
        conversation_id, "assistant", "Shanghai", parent_id=question, stats={"total_s": 1.0}
    )
    store.add_message(conversation_id, "user", "Why?", parent_id=second.id, complete=False)
    store.select_branch(first)
    store.set_pinned(conversation_id, True)
    store.set_system_prompt(conversation_id, "You are a travel agent.")
    return conversation_id


def without_ids(export: dict[str, Any]) -> list[dict[str, Any]]:
    """Conversations with ids replaced by positions, so two exports can be compared."""
    chats = []
    for conversation in export["conversations"]:
        position = {m["id"]: i for i, m in enumerate(conversation["messages"])}
        messages = [
            {**m, "id": position[m["id"]], "parent_id": position.get(m["parent_id"])}
            for m in conversation["messages"]
        ]
        chats.append({**conversation, "id": None, "messages": messages})
    return chats


def test_export_import_round_trip(tmp_path: Path, store: ConversationStore) -> None:
    conversation_id = branched_chat(store)
    chat(store, "second chat")
    exported = store.export_data()
    assert exported["format"] == "minicpm-chat-history" and exported["version"] == 1

    with ConversationStore(tmp_path / "other" / "chat.sqlite3") as other:
        new_ids = other.import_data(exported)
        assert len(new_ids) == 2
        assert without_ids(other.export_data()) == without_ids(exported)
        imported = new_ids[0]
        assert contents(other, imported) == contents(store, conversation_id)
        assert len(other.list_conversations("Shanghai")) == 1


def test_export_chosen_chats_only(store: ConversationStore) -> None:
    chosen = branched_chat(store)
    chat(store, "not exported")
    (only,) = store.export_data([chosen])["conversations"]
    assert only["title"] == DEFAULT_TITLE and len(only["messages"]) == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": "something-else"}, "not a MiniCPM Chat history"),
        ({"format": "minicpm-chat-history", "version": 99, "conversations": []}, "newer"),
        ({"format": "minicpm-chat-history", "version": 1, "conversations": {}}, "list"),
        (
            {"format": "minicpm-chat-history", "version": 1, "conversations": [{"title": 3}]},
            "conversation 1: 'title' must be of type str",
        ),
        (
            {
                "format": "minicpm-chat-history",
                "version": 1,
                "conversations": [
                    {"title": "ok", "messages": [{"id": 1, "role": "user", "content": "x"}]},
                    {
                        "title": "bad",
                        "messages": [{"id": 1, "parent_id": 7, "role": "user", "content": "x"}],
                    },
                ],
            },
            "conversation 2: message 1 has an unknown parent",
        ),
        (
            {
                "format": "minicpm-chat-history",
                "version": 1,
                "conversations": [
                    {
                        "title": "loop",
                        "messages": [
                            {"id": 1, "parent_id": 2, "role": "user", "content": "x"},
                            {"id": 2, "parent_id": 1, "role": "assistant", "content": "y"},
                        ],
                    }
                ],
            },
            "loop",
        ),
    ],
)
def test_import_rejects_bad_data_and_writes_nothing(
    store: ConversationStore, data: dict[str, Any], message: str
) -> None:
    with pytest.raises(HistoryFormatError, match=message):
        store.import_data(data)
    assert store.list_conversations() == []


def test_markdown_shows_the_active_branch_without_reasoning(store: ConversationStore) -> None:
    conversation_id = branched_chat(store)
    text = store.export_markdown()
    assert text.startswith(f"# {DEFAULT_TITLE}")
    assert "## You\n\nWhere to go?" in text and "## Assistant\n\nBeijing" in text
    assert "You are a travel agent." in text
    assert "Shanghai" not in text and "They like history" not in text
    with_reasoning = store.export_markdown([conversation_id], include_reasoning=True)
    assert "> They like history." in with_reasoning


def test_markdown_says_why_an_answer_failed_and_when_one_was_interrupted(
    store: ConversationStore,
) -> None:
    conversation_id = store.create_conversation().id
    question = store.add_message(conversation_id, "user", "A very long question")
    failure = "The conversation does not fit the 64-token context the model was loaded with."
    store.add_message(
        conversation_id,
        "assistant",
        "",
        parent_id=question.id,
        complete=False,
        stats={"finish_reason": "error", "error": failure},
    )
    assert f"_(incomplete: the answer failed: {failure})_" in store.export_markdown()
    store.add_message(
        conversation_id, "assistant", "Half an ans", parent_id=question.id, complete=False
    )
    assert "_(incomplete: generation was interrupted)_" in store.export_markdown()


def test_disk_errors_and_warnings_carry_codes_for_the_gui(
    store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    low_disk(monkeypatch, free=120_000_000)
    warning = store.disk_space_warning()
    assert warning is not None and warning.code == StorageCode.DISK_FILLING_UP
    assert warning.params["free"] == 120_000_000
    low_disk(monkeypatch, free=1_000)
    with pytest.raises(LowDiskSpaceError) as refused:
        store.create_conversation()
    assert refused.value.code == StorageCode.LOW_DISK and refused.value.params["free"] == 1_000
