"""ConversationListModel: a well-behaved Qt model over the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator

from app.conversations.list_model import ID_ROLE, PINNED_ROLE, ConversationListModel, describe_age
from app.core.conversations import ConversationStore
from app.core.storage_errors import StorageCode, StorageError


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "chat.db") as store:
        yield store


def titles(model: ConversationListModel) -> list[str]:
    return [model.index(row).data() for row in range(model.rowCount())]


def test_the_model_passes_qt_model_checks(store: ConversationStore, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    for title in ("One", "Two", "Three"):
        store.create_conversation(title)
    model = ConversationListModel(store)
    qtmodeltester.check(model, force_py=True)


def test_pinned_chats_come_first_and_look_different(store: ConversationStore, qapp) -> None:  # type: ignore[no-untyped-def]
    store.create_conversation("Old")
    pinned = store.create_conversation("Pinned")
    store.create_conversation("Newest")
    store.set_pinned(pinned.id, True)
    model = ConversationListModel(store)
    assert titles(model) == ["Pinned", "Newest", "Old"]
    first = model.index(0)
    assert first.data(PINNED_ROLE) is True and first.data(ID_ROLE) == pinned.id
    assert first.data(Qt.ItemDataRole.FontRole).bold()
    assert first.data(Qt.ItemDataRole.DecorationRole) is not None
    assert model.index(1).data(Qt.ItemDataRole.DecorationRole) is None


def test_renaming_through_the_model_saves(store: ConversationStore, qtbot) -> None:  # type: ignore[no-untyped-def]
    chat = store.create_conversation("Before")
    model = ConversationListModel(store)
    index = model.index(0)
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable
    with qtbot.waitSignal(model.dataChanged):
        assert model.setData(index, "  After  ")
    assert store.get_conversation(chat.id).title == "After"
    assert index.data() == "After"
    assert not model.setData(index, "   ")  # an empty title is refused


class _Marking(QTranslator):
    def translate(  # noqa: N802 (Qt API)
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        return f"«{source}»" if context == "StorageWords" else ""


def test_a_failed_rename_is_said_in_the_persons_language(
    store: ConversationStore,
    qtbot,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    store.create_conversation("Before")
    model = ConversationListModel(store)

    def refuse(_conversation_id: int, _title: str) -> None:
        raise StorageError("The disk is full (English).", StorageCode.DISK_FULL)

    monkeypatch.setattr(store, "rename", refuse)
    translator = _Marking()
    QCoreApplication.installTranslator(translator)
    try:
        with qtbot.waitSignal(model.rename_failed) as failed:
            assert not model.setData(model.index(0), "After")
    finally:
        QCoreApplication.removeTranslator(translator)
    (message,) = failed.args
    assert message.startswith("«") and "English" not in message


def test_the_query_searches_titles_and_messages(store: ConversationStore) -> None:
    recipes = store.create_conversation("Recipes")
    store.add_message(recipes.id, "user", "How long do I boil an egg?")
    store.create_conversation("Travel")
    model = ConversationListModel(store)
    model.set_query("boil")
    assert titles(model) == ["Recipes"]
    model.set_query("trav")
    assert titles(model) == ["Travel"]
    model.set_query("")
    assert len(titles(model)) == 2


def test_ages_read_naturally() -> None:
    assert describe_age(1000.0, now=1030.0) == "just now"
    assert describe_age(1000.0, now=1000.0 + 5 * 60) == "5 min ago"
    assert describe_age(1000.0, now=1000.0 + 3 * 3600) == "3 h ago"
