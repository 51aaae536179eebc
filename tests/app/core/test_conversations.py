"""ConversationStore: the conversations themselves (create, list, rename, pin, delete, purge,
auto titles) and export / import of whole chats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.core.conversations import DEFAULT_TITLE, ConversationStore, title_from_text
from app.core.exporting import VERSION, HistoryFormatError
from tests.app.core.stored_chats import chat, contents

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
    assert exported["format"] == "minicpm-chat-history" and exported["version"] == VERSION

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
