"""Helpers shared by the conversation store's tests: a chat written turn by turn, what it
shows, and a disk that is almost full."""

from __future__ import annotations

import shutil
from collections import namedtuple

import pytest

from app.core.conversations import ConversationStore

DiskUsage = namedtuple("DiskUsage", "total used free")


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
