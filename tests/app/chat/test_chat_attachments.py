"""Documents in the chat, in the real main window on the scripted backend: chips with token
counts, unreadable files refused in words, drag and drop, the usage line and its estimate, and
attachments stored with the message they were sent with."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from app.chat.attachment_chips import OVERFLOW_STYLE
from app.core.attachments import SUPPORTED_SUFFIXES
from app.core.chat_records import Attachment
from app.core.tasks import TaskState
from engine.backends.scripted import ScriptedBackend
from engine.sizes import format_size
from engine.types import GenerationStats
from tests.app.chat.chat_window import ChatApp
from tests.app.chat.document_files import write_encrypted_pdf

NOTES = "The meeting moved to Thursday at ten. Bring the budget sheet."


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text(NOTES, encoding="utf-8")
    return path


def tokens_of(text: str) -> int:
    return ScriptedBackend().count_tokens(text)


def drop_on(widget: object, paths: list[Path]) -> bool:
    """Drags `paths` onto `widget` and drops them there; whether the drag was taken."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)  # type: ignore[arg-type]
    drop = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, drop)  # type: ignore[arg-type]
    return enter.isAccepted()


def test_the_attach_button_adds_a_chip_with_its_tokens_and_x_removes_it(  # type: ignore[no-untyped-def]
    chat_app, notes: Path, monkeypatch
) -> None:
    app: ChatApp = chat_app()
    asked: list[str] = []

    def pick(_parent: object, _title: str, _dir: str, filters: str) -> tuple[list[str], str]:
        asked.append(filters)
        return [str(notes)], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", pick)
    composer = app.window.chat.composer
    assert composer.attach.shortcut().toString() == "Ctrl+Shift+A"
    assert "Ctrl+Shift+A" in composer.attach.toolTip()
    composer.attach.click()
    documents, everything = asked[0].split(";;")
    assert all(f"*{suffix}" in documents for suffix in SUPPORTED_SUFFIXES)
    assert everything == "All files (*)"
    app.wait_for_chips(1)
    size = notes.stat().st_size
    assert app.chip_texts() == [f"notes.txt · {format_size(size)} · ≈ {tokens_of(NOTES)} tokens"]
    assert app.chips()[0].toolTip().startswith("The meeting moved")
    app.chips()[0].remove.click()
    assert app.chips() == [] and len(app.services.controller.draft) == 0
    assert not composer.send.isEnabled()  # nothing to send


@pytest.mark.parametrize("kind", ["random bytes", "encrypted"])
def test_an_unreadable_file_is_refused_in_words_and_nothing_of_it_is_sent(  # type: ignore[no-untyped-def]
    chat_app, tmp_path: Path, qtbot, kind: str
) -> None:
    app: ChatApp = chat_app(["Fine."])
    if kind == "random bytes":
        bad = tmp_path / "report.pdf"
        bad.write_bytes(os.urandom(4096))
        said = "report.pdf cannot be read: the file is damaged"
    else:
        bad = write_encrypted_pdf(tmp_path / "locked.pdf")
        said = "locked.pdf is protected by a password"
    with qtbot.waitSignal(app.services.controller.draft.attachment_failed, timeout=30_000):
        app.window.chat.attach_files([bad])
    assert said in app.window.chat.banner.text()
    assert app.window.chat.banner.isVisible()
    assert app.chips() == []
    app.send_and_wait("What does it say?")
    [question, _answer] = app.services.store.active_path(app.services.controller.conversation_id)
    assert question.attachments == ()
    assert "Secret" not in app.backend.prompts[-1]


def test_a_dropped_document_attaches_and_a_dropped_model_file_is_imported(  # type: ignore[no-untyped-def]
    chat_app, notes: Path, tmp_path: Path, qtbot, monkeypatch
) -> None:
    app: ChatApp = chat_app()
    imported: list[tuple[Path, ...]] = []
    monkeypatch.setattr(app.services.library, "import_models", imported.append)
    composer = app.window.chat.composer
    assert drop_on(composer.edit.viewport(), [notes])
    app.wait_for_chips(1)
    assert composer.text() == ""  # attached, not pasted as a file name
    model = tmp_path / "other-model.gguf"
    model.write_bytes(b"GGUF")
    with qtbot.waitSignal(app.window.drop_target.models_dropped):
        drop_on(composer.edit.viewport(), [model])
    assert imported == [(model,)]
    assert len(app.chips()) == 1 and composer.text() == ""


def test_send_waits_until_every_attachment_is_read(chat_app, notes: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    app: ChatApp = chat_app(["Read it."])
    gate = threading.Event()

    def busy(state: TaskState) -> None:
        gate.wait(10)

    app.services.tasks.start(busy)  # type: ignore[union-attr]  # holds the one task thread
    app.window.chat.attach_files([notes])
    composer = app.window.chat.composer
    app.type("Summarize it")
    assert app.chip_texts() == [f"notes.txt · {format_size(notes.stat().st_size)} · reading…"]
    assert not composer.send.isEnabled()
    assert composer.send.toolTip() == "Wait until the attachments are read"
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert app.services.store.list_conversations() == []  # Enter waits too
    gate.set()
    app.wait_for_chips(1)
    assert composer.send.isEnabled()


def test_the_usage_line_shows_the_context_and_this_pc_s_reading_time(chat_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app: ChatApp = chat_app()
    composer = app.window.chat.composer
    qtbot.waitUntil(composer.usage.isVisible, timeout=5000)
    assert composer.usage.text().startswith("Context: ")
    assert composer.usage.text().endswith("time to read known after the first answer")
    loaded = app.services.client.loaded_model
    assert loaded is not None and app.services.speeds is not None
    # 1,000 prompt tokens read in 2 s here: 500 tokens a second.
    stats = GenerationStats(
        loaded.backend, loaded.device, prompt_tokens=1000, time_to_first_token_s=2.0
    )
    app.services.speeds.record(str(loaded.info.path), loaded.backend, loaded.device, stats)
    question = "word " * 1000
    app.type(question)
    qtbot.waitUntil(lambda: " s to read" in composer.usage.text(), timeout=5000)
    tokens = app.window.chat._meter.reading.use.prompt_tokens  # type: ignore[union-attr]
    assert tokens > 1000
    assert composer.usage.text() == (
        f"Context: {tokens:,} of 4,096 tokens ({round(tokens / 4096 * 100)} %)"
        f" · about {round(tokens / 500)} s to read"
    )
    assert composer.usage.styleSheet() == ""
    app.type("word " * 5000)  # more than the context holds
    qtbot.waitUntil(lambda: "too long for the context" in composer.usage.text(), timeout=5000)
    assert composer.usage.styleSheet() == OVERFLOW_STYLE


def test_attachments_are_sent_stored_shown_kept_on_regenerate_and_edit_and_exported(  # type: ignore[no-untyped-def]
    chat_app, notes: Path, tmp_path: Path, qtbot
) -> None:
    app: ChatApp = chat_app(["It moved to Thursday.", "Still Thursday."])
    app.window.chat.attach_files([notes])
    app.wait_for_chips(1)
    app.send_and_wait("When is the meeting?")
    assert app.chips() == [] and app.window.chat.composer.text() == ""
    conversation_id = app.services.controller.conversation_id
    [question, answer] = app.services.store.active_path(conversation_id)
    expected = Attachment("notes.txt", "text", NOTES, notes.stat().st_size)
    assert question.content == "When is the meeting?"
    assert question.attachments == (expected,)
    assert NOTES in app.backend.prompts[-1] and "When is the meeting?" in app.backend.prompts[-1]
    # Shown on the question: a chip that opens the text the model read.
    [chip] = app.message_widgets()[0].attachment_chips
    assert chip.text() == f"notes.txt · {format_size(notes.stat().st_size)}"
    viewer = chip.open_viewer()
    assert viewer.text.toPlainText() == NOTES and viewer.text.isReadOnly()
    viewer.close()
    # A new version of the answer reads them again.
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        app.window.chat.composer.regenerate.click()
    assert NOTES in app.backend.prompts[-1]
    # An edited question keeps its documents.
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        app.message_widgets()[0].start_editing()
        app.message_widgets()[0].submit_edit("And the time?")
    edited = app.services.store.active_path(conversation_id)[0]
    assert edited.id != question.id and edited.attachments == (expected,)
    assert NOTES in app.backend.prompts[-1]
    # The export carries them.
    exported = json.dumps(app.services.store.export_data([conversation_id]))
    [chat] = json.loads(exported)["conversations"]
    by_content = {m["content"]: m for m in chat["messages"]}
    assert by_content["When is the meeting?"]["attachments"][0]["text"] == NOTES
    assert by_content["And the time?"]["attachments"][0]["name"] == "notes.txt"
    assert answer.content == "It moved to Thursday."


def test_each_answer_teaches_this_pc_s_prefill_speed(chat_app) -> None:  # type: ignore[no-untyped-def]
    app: ChatApp = chat_app(["Ok."], delay_s=0.01)  # the scripted first token takes 10 ms
    loaded = app.services.client.loaded_model
    assert loaded is not None and app.services.speeds is not None
    key = (str(loaded.info.path), loaded.backend, loaded.device)
    assert app.services.speeds.estimate_s(*key, 1000) is None
    app.send_and_wait("word " * 200)
    assert app.services.speeds.estimate_s(*key, 1000) is not None
