"""Search: the trigram index where words are long enough, LIKE where not, English and Chinese."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.core.conversations import ConversationStore
from tests.app.core.stored_chats import chat


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


def test_short_words_and_wildcards_use_an_escaped_like(store: ConversationStore) -> None:
    condition, params = store._search.condition("a% _b")
    assert "LIKE" in condition and "MATCH" not in condition
    assert params == ["%a\\%%", "%\\_b%"] * 2
    assert store._search.condition("   ") == ("1", [])
