"""The disk check: writes are refused before the disk is full, and the warning comes early."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.conversations import ConversationStore
from app.core.disk_space import DiskSpace
from app.core.storage_errors import LowDiskSpaceError, StorageCode
from tests.app.core.stored_chats import chat, low_disk


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


def test_a_drive_that_cannot_tell_its_free_space_is_not_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unknown(_path: Path) -> None:
        raise OSError("not supported")

    monkeypatch.setattr(shutil, "disk_usage", unknown)
    space = DiskSpace(tmp_path, min_free=10**15)
    space.check()  # SQLite's own error is the guard then
    assert space.free_bytes() is None and space.warning() is None


def test_the_check_counts_the_extra_room_a_backup_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    low_disk(monkeypatch, free=100)
    space = DiskSpace(tmp_path, min_free=60)
    space.check(extra=40)
    with pytest.raises(LowDiskSpaceError) as refused:
        space.check(extra=41)
    assert refused.value.params["needed"] == 101
