"""The message tree: edits and regenerated answers are siblings, the shown branch is remembered,
streamed answers are saved as they grow."""

from __future__ import annotations

import pytest

from app.core.conversations import ConversationStore
from tests.app.core.stored_chats import chat, contents


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


# Streaming


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
