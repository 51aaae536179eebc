"""History files carry an answer's thinking choice and that it stopped while thinking."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.core import migrations
from app.core.conversations import ConversationStore
from app.core.exporting import UNFINISHED_REASONING_NOTE


def stopped_while_thinking(store: ConversationStore) -> tuple[int, int]:
    conversation = store.create_conversation()
    question = store.add_message(conversation.id, "user", "What is the capital of France?")
    answer = store.add_message(
        conversation.id, "assistant", "", parent_id=question.id, complete=False, thinking=True
    )
    store.update_message(
        answer.id,
        reasoning="The capital of France is",
        complete=True,
        stats={"finish_reason": "length"},
        reasoning_unfinished=True,
    )
    return conversation.id, answer.id


def test_the_answer_keeps_its_thinking_choice_and_the_unfinished_flag(
    store: ConversationStore,
) -> None:
    _, answer_id = stopped_while_thinking(store)
    answer = store.get_message(answer_id)
    assert (answer.thinking, answer.reasoning_unfinished) == (True, True)
    question = store.get_message(answer.parent_id or 0)
    assert (question.thinking, question.reasoning_unfinished) == (None, False)


def test_json_export_says_it_and_import_keeps_it(tmp_path: Path, store: ConversationStore) -> None:
    stopped_while_thinking(store)
    exported = store.export_data()
    messages = exported["conversations"][0]["messages"]
    assert [m["reasoning_unfinished"] for m in messages] == [False, True]
    assert [m["thinking"] for m in messages] == [None, True]
    with ConversationStore(tmp_path / "other" / "chat.sqlite3") as other:
        (imported,) = other.import_data(exported)
        answer = other.messages(imported)[-1]
        assert (answer.thinking, answer.reasoning_unfinished) == (True, True)


def test_an_older_export_without_the_fields_reads_as_unknown(
    tmp_path: Path, store: ConversationStore
) -> None:
    stopped_while_thinking(store)
    exported = store.export_data()
    for message in exported["conversations"][0]["messages"]:
        del message["thinking"], message["reasoning_unfinished"]
    with ConversationStore(tmp_path / "other" / "chat.sqlite3") as other:
        (imported,) = other.import_data(exported)
        answer = other.messages(imported)[-1]
        assert (answer.thinking, answer.reasoning_unfinished) == (None, False)


def test_markdown_says_the_model_stopped_while_thinking(store: ConversationStore) -> None:
    stopped_while_thinking(store)
    for include_reasoning in (False, True):
        text = store.export_markdown(include_reasoning=include_reasoning)
        assert text.count(UNFINISHED_REASONING_NOTE) == 1
    assert UNFINISHED_REASONING_NOTE == "_The model stopped while thinking; no answer was given._"
    assert ("The capital of France is" in store.export_markdown(include_reasoning=True)) is True


def test_rows_written_before_the_migration_read_as_unknown(tmp_path: Path) -> None:
    path = tmp_path / "chat.sqlite3"
    with sqlite3.connect(path) as conn:
        for step in migrations.MIGRATIONS:
            if step.version < 3:
                migrations.run(conn, step)
        conn.execute(
            "INSERT INTO conversations (title, created_at, updated_at) VALUES ('old', 1, 1)"
        )
        conn.execute(
            "INSERT INTO messages (conversation_id, role, content, created_at)"
            " VALUES (1, 'assistant', 'Paris.', 1)"
        )
    conn.close()
    with ConversationStore(path) as store:
        (answer,) = store.messages(1)
        assert answer.content == "Paris."
        assert (answer.thinking, answer.reasoning_unfinished) == (None, False)
