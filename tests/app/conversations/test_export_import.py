"""Export and import chats through the real main window, on the scripted backend."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.application import Services, build_main_window, build_services
from app.core.exporting import FORMAT
from app.main_window import MainWindow
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.model_inspection import inspect_model
from engine.session import Engine

STARTER = Path(__file__).resolve().parents[3] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
# Thinking is on unless enable_thinking is false (MiniCPM4.1 / Qwen3 style).
THINKING_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}{% endif %}"
)
REPLY = "<think>Secret reasoning.</think>Paris."


@dataclass
class App:
    window: MainWindow
    services: Services
    qtbot: object

    def send(self, text: str) -> None:
        edit = self.window.chat.composer.edit
        edit.setFocus()
        self.qtbot.keyClicks(edit, text)  # type: ignore[attr-defined]
        with self.qtbot.waitSignal(self.services.controller.answer_finished, timeout=5000):  # type: ignore[attr-defined]
            self.qtbot.keyClick(edit, Qt.Key.Key_Return)  # type: ignore[attr-defined]

    def list_titles(self) -> list[str]:
        model = self.window.conversations.model
        return [model.index(row).data() for row in range(model.rowCount())]

    def texts(self) -> list[str]:
        return [w.view.message.content for w in self.window.chat.transcript.message_widgets()]


@pytest.fixture
def app(qtbot) -> Iterator[App]:  # type: ignore[no-untyped-def]
    backend = ScriptedBackend([REPLY])
    services = build_services(Engine(backend_factory=scripted_factory(backend)))
    window = build_main_window(services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    model = replace(inspect_model(STARTER), chat_template=THINKING_TEMPLATE)
    with qtbot.waitSignal(services.client.model_loaded, timeout=5000):
        services.client.load(model)
    made = App(window, services, qtbot)
    if not window.chat.composer.thinking.isChecked():
        window.chat.composer.thinking.click()
    made.send("Capital of France?")
    yield made
    services.shutdown()


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []

    def warning(_parent: object, title: str, text: str, *_args: object) -> object:
        shown.append((title, text))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warning)
    return shown


def save_to(
    monkeypatch: pytest.MonkeyPatch, path: Path, pick: Callable[[str], str] = lambda f: f
) -> None:
    """The save dialog answers `path`, with the filter that `pick` chooses from its list."""

    def answer(_parent: object, _title: str, _dir: str, filters: str, *_a: object) -> object:
        return str(path), pick(filters)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)


def open_from(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a: (str(path), ""))


def test_export_all_delete_then_import_brings_the_chat_back(  # type: ignore[no-untyped-def]
    app: App, tmp_path: Path, monkeypatch, warnings, qtbot
) -> None:
    panel = app.window.conversations
    assert app.list_titles() == ["Capital of France?"]
    assert app.texts() == ["Capital of France?", "Paris."]
    target = tmp_path / "all.json"
    save_to(monkeypatch, target, lambda filters: filters.split(";;")[0])
    panel.export_all_action.trigger()
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT
    [chat] = data["conversations"]
    assert [m["content"] for m in chat["messages"]] == ["Capital of France?", "Paris."]
    assert chat["messages"][1]["reasoning"] == "Secret reasoning."  # JSON is lossless
    assert not list(tmp_path.glob("*.part"))  # the temp file was renamed, not left behind

    panel.delete(app.services.controller.conversation_id)
    panel.undo_bar.hide()
    assert app.list_titles() == [] and app.texts() == []

    open_from(monkeypatch, target)
    with qtbot.waitSignal(panel.conversations_imported) as imported:
        panel.import_action.trigger()
    assert imported.args == [1]
    assert warnings == []
    assert app.list_titles() == ["Capital of France?"]
    assert app.texts() == ["Capital of France?", "Paris."]  # the imported chat is opened
    new_id = app.services.controller.conversation_id
    assert panel.current_id == new_id
    messages = app.services.store.active_path(new_id)
    assert [m.reasoning for m in messages] == ["", "Secret reasoning."]


def test_a_broken_file_shows_an_error_and_imports_nothing(  # type: ignore[no-untyped-def]
    app: App, tmp_path: Path, monkeypatch, warnings
) -> None:
    panel = app.window.conversations
    before = app.services.store.export_data()["conversations"]
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "minicpm-chat-history", "version": 1, "conversa', "utf-8")
    open_from(monkeypatch, broken)
    assert panel.import_chats() == []
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "something else"}), "utf-8")
    open_from(monkeypatch, wrong)
    panel.import_action.trigger()
    assert [title for title, _text in warnings] == ["Could not import chats"] * 2
    assert "not valid JSON" in warnings[0][1]
    assert "not a MiniCPM Chat history export" in warnings[1][1]
    assert app.services.store.export_data()["conversations"] == before
    assert app.list_titles() == ["Capital of France?"]


def test_markdown_export_of_one_chat_leaves_reasoning_out_unless_asked(  # type: ignore[no-untyped-def]
    app: App, tmp_path: Path, monkeypatch, warnings
) -> None:
    panel = app.window.conversations
    conversation_id = app.services.controller.conversation_id
    menu = panel._context_menu(panel.model.index(panel.model.row_of(conversation_id)))
    export = next(a for a in menu.actions() if a.text() == "Export…")
    plain = tmp_path / "chat"  # no suffix: the chosen filter adds it
    save_to(monkeypatch, plain, lambda filters: filters.split(";;")[0])  # Markdown comes first
    export.trigger()
    text = (tmp_path / "chat.md").read_text(encoding="utf-8")
    assert "# Capital of France?" in text and "Paris." in text
    assert "Secret reasoning." not in text

    assert not panel.include_reasoning_action.isChecked()
    panel.include_reasoning_action.setChecked(True)
    with_reasoning = tmp_path / "with-reasoning.md"
    save_to(monkeypatch, with_reasoning)
    assert panel.export_chats([conversation_id])
    assert "Secret reasoning." in with_reasoning.read_text(encoding="utf-8")
    assert warnings == []


def test_an_unwritable_target_shows_an_error(  # type: ignore[no-untyped-def]
    app: App, tmp_path: Path, monkeypatch, warnings
) -> None:
    save_to(monkeypatch, tmp_path / "missing-dir" / "all.json")
    assert not app.window.conversations.export_chats(None)
    assert [title for title, _text in warnings] == ["Could not export"]


def test_cancelling_the_dialogs_does_nothing(app: App, monkeypatch, warnings) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: ("", ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a: ("", ""))
    panel = app.window.conversations
    assert not panel.export_chats(None)
    assert panel.import_chats() == []
    assert warnings == [] and app.list_titles() == ["Capital of France?"]
