"""The real main window, driven like a person would, on the scripted backend."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, qGray
from PySide6.QtWidgets import QApplication

from app.application import Services, build_main_window, build_services
from app.chat.composer import NO_THINKING_TOOLTIP
from app.chat.message_widget import MessageWidget
from app.conversations.list_model import ID_ROLE
from app.core import paths
from app.core.conversations import ConversationStore
from app.core.settings import Settings, load_settings, save_settings
from app.main_window import MainWindow
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model
from engine.session import Engine
from engine.types import LoadRequest

STARTER = Path(__file__).resolve().parents[2] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
LONG_REPLY = " ".join(f"word{i}" for i in range(400))
# MiniCPM4.1 / Qwen3 style: thinking is on unless enable_thinking is false.
THINKING_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}{% endif %}"
)


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(home))
    return home


@dataclass
class App:
    window: MainWindow
    services: Services
    backend: ScriptedBackend
    qtbot: object

    @property
    def store(self) -> ConversationStore:
        return self.services.store

    def type_and_send(self, text: str, wait: bool = True) -> None:
        qtbot = self.qtbot
        edit = self.window.chat.composer.edit
        edit.setFocus()
        qtbot.keyClicks(edit, text)  # type: ignore[attr-defined]
        if wait:
            with qtbot.waitSignal(self.services.controller.answer_finished, timeout=5000):  # type: ignore[attr-defined]
                qtbot.keyClick(edit, Qt.Key.Key_Return)  # type: ignore[attr-defined]
        else:
            qtbot.keyClick(edit, Qt.Key.Key_Return)  # type: ignore[attr-defined]

    def wait_for_answer(self) -> None:
        with self.qtbot.waitSignal(self.services.controller.answer_finished, timeout=5000):  # type: ignore[attr-defined]
            pass

    def wait_until_streaming(self) -> None:
        self.qtbot.waitUntil(  # type: ignore[attr-defined]
            lambda: any(
                w.view.streaming and w.answer_view.markdown for w in self.message_widgets()
            ),
            timeout=5000,
        )

    def message_widgets(self) -> list[MessageWidget]:
        return self.window.chat.transcript.message_widgets()

    def texts(self) -> list[str]:
        return [w.view.message.content for w in self.message_widgets()]

    def list_titles(self) -> list[str]:
        model = self.window.conversations.model
        return [model.index(row).data() for row in range(model.rowCount())]

    def select_conversation(self, conversation_id: int) -> None:
        panel = self.window.conversations
        panel.list.setCurrentIndex(panel.model.index(panel.model.row_of(conversation_id)))


@pytest.fixture
def make_app(qtbot) -> Iterator[Callable[..., App]]:  # type: ignore[no-untyped-def]
    made: list[App] = []

    def make(
        replies: list[str] | None = None,
        *,
        delay_s: float = 0.0,
        settings: Settings | None = None,
        model: Path | ModelInfo | None = STARTER,
        backend_class: type[ScriptedBackend] = ScriptedBackend,
    ) -> App:
        backend = backend_class(replies or ["Hello! How can I help?"], delay_s=delay_s)
        services = build_services(Engine(backend_factory=scripted_factory(backend)), settings)
        window = build_main_window(services)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        app = App(window, services, backend, qtbot)
        made.append(app)
        if model is not None:
            with qtbot.waitSignal(services.client.model_loaded, timeout=5000):
                services.client.load(model)
        return app

    yield make
    for app in made:
        app.services.shutdown()


class GatedLoadBackend(ScriptedBackend):
    """Its load waits (on the worker thread) until the test releases it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._gate = threading.Event()

    def load(self, info: ModelInfo, options: LoadRequest) -> None:
        self._gate.wait(timeout=10)
        super().load(info, options)

    def release_load(self) -> None:
        self._gate.set()


def thinking_model() -> ModelInfo:
    return replace(inspect_model(STARTER), chat_template=THINKING_TEMPLATE)


# -- opening -----------------------------------------------------------------------------------


def test_window_opens_titled_with_the_composer_focused(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert app.window.windowTitle() == "MiniCPM Chat"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is app.window.chat.composer.edit)
    assert app.window.model_label.text() == "SmolLM2-135M-Instruct.Q4_1"
    assert app.window.status_model.text() == "SmolLM2-135M-Instruct.Q4_1 · llama · CPU"
    assert app.window.status_context.text() == "Context 0 / 4,096"
    assert re.fullmatch(r"\d[\d.]* [MG]B in use", app.window.status_memory.text())


def test_sending_while_the_model_loads_waits_for_it(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["Ready now."], model=None, backend_class=GatedLoadBackend)
    with qtbot.waitSignal(app.services.client.load_started, timeout=5000):
        app.services.client.load(STARTER)
    assert app.window.model_label.text().startswith("Loading SmolLM2")
    assert app.window.load_progress.isVisible()
    app.type_and_send("Are you there?", wait=False)
    assert app.texts() == ["Are you there?", ""]  # stored and shown, waiting for the model
    waiting = app.message_widgets()[-1]
    assert waiting._waiting.isVisibleTo(waiting)
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        app.backend.release_load()  # type: ignore[attr-defined]
    assert app.texts() == ["Are you there?", "Ready now."]
    assert not app.window.load_progress.isVisible()
    assert app.message_widgets()[-1]._role.text() == "SmolLM2-135M-Instruct.Q4_1"


# -- sending, stopping, regenerating, editing --------------------------------------------------


def test_a_sent_message_is_answered_shown_and_stored(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["The answer is **42**."])
    app.type_and_send("What is the answer?")
    assert app.window.chat.composer.text() == ""
    assert app.texts() == ["What is the answer?", "The answer is **42**."]
    answer = app.message_widgets()[-1]
    assert "font-weight:700" in answer.answer_view.toHtml()  # rendered as Markdown
    conversation = app.store.list_conversations()[0]
    assert conversation.title == "What is the answer?"
    assert app.list_titles() == ["What is the answer?"]
    stored = app.store.active_path(conversation.id)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[1].content == "The answer is **42**." and stored[1].complete
    assert stored[1].stats is not None and stored[1].stats["finish_reason"] == "stop"
    assert stored[1].model == "SmolLM2-135M-Instruct.Q4_1"
    assert "tokens" in answer._stats.text()
    assert app.window.status_context.text().startswith("Context ")
    assert "tokens/s" in app.window.status_speed.text()
    # The default system prompt from the settings reaches the model.
    assert "You are a helpful AI assistant." in app.backend.prompts[-1]


def test_the_user_message_is_committed_before_the_answer_starts(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app([LONG_REPLY], delay_s=0.005)
    app.type_and_send("Tell me a long story", wait=False)
    # Stored once its prompt is known to fit (measured on the engine worker, a moment).
    qtbot.waitUntil(lambda: len(app.texts()) == 2, timeout=5000)
    conversation = app.store.list_conversations()[0]
    stored = app.store.active_path(conversation.id)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[0].content == "Tell me a long story"
    assert not stored[1].complete  # created incomplete, completed at the end
    app.wait_until_streaming()
    assert app.window.chat.composer.send.text() == "Stop"
    app.window.chat.composer.send.click()
    app.wait_for_answer()


def test_escape_stops_mid_answer_and_keeps_the_partial_text(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app([LONG_REPLY], delay_s=0.005)
    app.type_and_send("Go on", wait=False)
    app.wait_until_streaming()
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        qtbot.keyClick(app.window.chat.composer.edit, Qt.Key.Key_Escape)
    stored = app.store.active_path(app.store.list_conversations()[0].id)[-1]
    assert stored.complete and stored.content.startswith("word0")
    assert len(stored.content) < len(LONG_REPLY)
    assert stored.stats is not None and stored.stats["finish_reason"] == "stopped"
    assert app.texts()[-1] == stored.content
    assert "stopped" in app.message_widgets()[-1]._stats.text()
    assert app.window.chat.composer.send.text() == "Send"


def test_regenerate_adds_a_second_version_with_a_switcher(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["First answer.", "Second answer."])
    app.type_and_send("Hi")
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        app.window.chat.composer.regenerate.click()
    answer = app.message_widgets()[-1]
    assert app.texts() == ["Hi", "Second answer."]
    assert answer._version.isVisible() and answer._version.text() == "2/2"
    answer._previous.click()
    assert app.texts() == ["Hi", "First answer."]
    assert app.message_widgets()[-1]._version.text() == "1/2"
    # The choice is stored: a new window would show the same branch.
    conversation = app.store.list_conversations()[0]
    assert app.store.active_path(conversation.id)[-1].content == "First answer."


def test_regenerate_from_the_answer_itself(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["One.", "Two."])
    app.type_and_send("Count")
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        app.message_widgets()[-1]._regenerate.click()
    assert app.texts() == ["Count", "Two."]
    # The model saw the question once, not the old answer.
    assert app.backend.prompts[-1].count("Count") == 1 and "One." not in app.backend.prompts[-1]


def test_editing_an_earlier_message_resends_it_as_a_new_branch(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["About cats.", "About dogs.", "Dogs again."])
    app.type_and_send("Tell me about cats")
    app.type_and_send("More please")
    first_user = app.message_widgets()[0]
    first_user._edit.click()
    assert first_user._editor.isVisible()
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        first_user.submit_edit("Tell me about dogs")
    assert app.texts() == ["Tell me about dogs", "Dogs again."]
    user = app.message_widgets()[0]
    assert user._version.text() == "2/2"
    assert "Tell me about dogs" in app.backend.prompts[-1]
    assert "cats" not in app.backend.prompts[-1]
    user._previous.click()  # the old branch, with its follow-up, is still there
    assert app.texts() == ["Tell me about cats", "About cats.", "More please", "About dogs."]


def test_switching_chats_mid_answer_leaks_no_tokens(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app([LONG_REPLY], delay_s=0.002)
    other = app.store.create_conversation("Other chat")
    app.window.conversations.refresh()
    app.type_and_send("Write a lot", wait=False)
    app.wait_until_streaming()
    first = app.services.controller.conversation_id
    app.select_conversation(other.id)
    assert app.services.controller.conversation_id == other.id
    assert app.texts() == []
    app.wait_for_answer()
    assert app.texts() == []  # nothing arrived in the chat on screen
    assert app.store.active_path(other.id) == []
    answer = app.store.active_path(first)[-1]
    assert answer.content == LONG_REPLY and answer.complete  # it went on in its own chat
    app.select_conversation(first)
    assert app.texts() == ["Write a lot", LONG_REPLY]


def test_only_the_growing_answer_re_renders(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["Short one.", LONG_REPLY], delay_s=0.001)
    app.type_and_send("First")
    earlier = app.message_widgets()[-1]
    renders_before = earlier.render_count
    app.type_and_send("Second")
    assert earlier.render_count == renders_before
    growing = app.message_widgets()[-1]
    # 400 words in about half a second: a handful of renders, not one per word.
    assert 1 <= growing.render_count < 100


# -- the chat list -----------------------------------------------------------------------------


def test_new_chat_search_rename_pin(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["Quicksort splits the list around a pivot."])
    app.store.create_conversation("Holiday plans")
    app.type_and_send("Explain quicksort")
    qtbot.keyClick(app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert app.services.controller.conversation_id == 0 and app.texts() == []
    assert app.window.chat._title.text() == "New chat"

    qtbot.keyClick(app.window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = app.window.conversations.search
    assert QApplication.focusWidget() is search
    qtbot.keyClicks(search, "pivot")  # found in a message, not in the title
    qtbot.waitUntil(lambda: app.list_titles() == ["Explain quicksort"])
    search.clear()
    qtbot.waitUntil(lambda: len(app.list_titles()) == 2)

    panel = app.window.conversations
    holiday = next(c for c in app.store.list_conversations() if c.title == "Holiday plans")
    assert panel.model.setData(panel.model.index(panel.model.row_of(holiday.id)), "Lisbon trip")
    assert app.store.get_conversation(holiday.id).title == "Lisbon trip"
    panel.set_pinned(holiday.id, True)
    assert app.list_titles()[0] == "Lisbon trip"
    qtbot.keyClick(app.window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is app.window.chat.composer.edit


def test_delete_and_undo(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["Sure."])
    app.type_and_send("Keep this")
    conversation_id = app.services.controller.conversation_id
    panel = app.window.conversations
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert app.list_titles() == []
    assert panel.undo_bar.isVisible()
    assert app.services.controller.conversation_id == 0 and app.texts() == []
    panel.undo_bar.undo_button.click()
    assert app.list_titles() == ["Keep this"]
    assert app.services.controller.conversation_id == conversation_id
    assert app.texts() == ["Keep this", "Sure."]
    selected = panel.list.selectionModel().selectedIndexes()
    assert [i.data(ID_ROLE) for i in selected] == [conversation_id]


# -- thinking ---------------------------------------------------------------------------------


def test_the_thinking_toggle_reaches_the_engine_and_is_kept_per_chat(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["<think>Let me see.</think>Yes.", "Plain."], model=thinking_model())
    button = app.window.chat.composer.thinking
    assert button.isEnabled() and not button.isChecked()  # settings default: off
    button.click()
    app.type_and_send("Think first")
    assert app.backend.params[-1].enable_thinking is True
    conversation_id = app.services.controller.conversation_id
    assert app.store.get_conversation(conversation_id).thinking is True
    thinking = app.message_widgets()[-1].thinking
    assert thinking.isVisible() and not thinking.expanded
    assert thinking.title.startswith("Thought for")
    assert app.texts()[-1] == "Yes."

    button.click()
    app.type_and_send("Now quickly")
    assert app.backend.params[-1].enable_thinking is False
    qtbot.keyClick(app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert not button.isChecked()  # a new chat starts from the settings
    app.select_conversation(conversation_id)
    assert not button.isChecked()  # the chat's own choice came back


class SlowPrefillBackend(ScriptedBackend):
    """Waits before its first word, as a model reading a long prompt does."""

    prefill_s = 1.3

    def generate(self, prompt, budget, params, stop_strings, on_text, should_stop):  # type: ignore[no-untyped-def]
        time.sleep(self.prefill_s)
        return super().generate(prompt, budget, params, stop_strings, on_text, should_stop)


def test_the_thinking_time_shown_while_answering_is_the_one_kept(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: the widget timed the thinking from the first shown thought, the controller
    from the request; the title jumped from "less than a second" to "1 second" at the end."""
    reply = "<think>Let me see.</think>" + " ".join(f"w{i}" for i in range(60))
    app = make_app([reply], model=thinking_model(), delay_s=0.01, backend_class=SlowPrefillBackend)
    app.window.chat.composer.thinking.click()
    app.type_and_send("Think first", wait=False)
    qtbot.waitUntil(
        lambda: any(
            w.view.streaming and w.thinking.title.startswith("Thought for")
            for w in app.message_widgets()
        ),
        timeout=5000,
    )
    while_streaming = app.message_widgets()[-1].thinking.title
    app.wait_for_answer()
    answer = app.message_widgets()[-1]
    assert not answer.view.streaming
    assert answer.thinking.title == while_streaming == "Thought for 1 second"
    conversation_id = app.services.controller.conversation_id
    stored = app.store.active_path(conversation_id)[-1].thinking_s
    assert stored is not None and 1 <= stored < 1.5


def test_the_thinking_toggle_is_disabled_for_models_that_cannot_think(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    button = app.window.chat.composer.thinking
    assert not button.isEnabled()
    assert button.toolTip() == NO_THINKING_TOOLTIP


# -- crash recovery, settings, window state ----------------------------------------------------


def test_an_answer_cut_off_by_a_crash_shows_incomplete_with_regenerate(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    with ConversationStore(paths.database_path()) as store:  # the last run died mid-answer
        conversation = store.create_conversation("Interrupted")
        question = store.add_message(conversation.id, "user", "Explain gravity")
        store.add_message(
            conversation.id, "assistant", "Gravity is", parent_id=question.id, complete=False
        )
    app = make_app(["Gravity pulls masses together."])
    app.select_conversation(conversation.id)
    answer = app.message_widgets()[-1]
    assert answer.view.interrupted and answer._interrupted.isVisibleTo(answer)
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        answer._interrupted_regenerate.click()
    answer = app.message_widgets()[-1]
    assert answer.view.message.content == "Gravity pulls masses together."
    assert not answer._interrupted.isVisibleTo(answer) and answer._version.text() == "2/2"


def test_quick_parameters_are_saved_and_used(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["Ok."])
    with qtbot.waitSignal(app.services.settings.settings_changed, timeout=3000):
        app.window.temperature.setValue(0.2)
        app.window.max_tokens.setValue(300)

    def saved() -> tuple[float, int]:
        settings = load_settings(paths.settings_path())
        return settings.temperature, settings.max_new_tokens

    qtbot.waitUntil(lambda: saved() == (0.2, 300), timeout=3000)  # once the edits pause
    app.type_and_send("Hi")
    params = app.backend.params[-1]
    assert (params.temperature, params.max_new_tokens) == (0.2, 300)


class SaveCounter:
    """Counts the keeper's writes of settings.json (and still writes it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.saved: list[Settings] = []

        def save(settings: Settings, path: Path) -> None:
            self.saved.append(settings)
            save_settings(settings, path)

        monkeypatch.setattr("app.application.save_settings", save)


def test_typing_a_quick_parameter_saves_once_when_done(make_app, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: typing "2048" wrote settings.json once per digit."""
    app = make_app(["Ok."])
    writes = SaveCounter(monkeypatch)
    spin = app.window.max_tokens
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "2048")
    assert spin.value() == 2048
    assert writes.saved == []  # nothing written while typing
    assert app.services.controller._settings.max_new_tokens == 2048  # used at once
    qtbot.waitUntil(lambda: len(writes.saved) == 1, timeout=3000)  # once, after a pause
    assert load_settings(paths.settings_path()).max_new_tokens == 2048
    app.type_and_send("Hi")  # the spin box loses focus: nothing more to save
    assert app.backend.params[-1].max_new_tokens == 2048
    assert len(writes.saved) == 1


def test_a_quick_parameter_edit_is_saved_on_enter_and_on_close(
    make_app, qtbot, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(model=None)
    writes = SaveCounter(monkeypatch)
    spin = app.window.temperature
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "0.35")
    qtbot.keyClick(spin, Qt.Key.Key_Return)  # done editing: saved now, not after the pause
    assert [s.temperature for s in writes.saved] == [0.35]
    app.window.max_tokens.setFocus()
    app.window.max_tokens.selectAll()
    qtbot.keyClicks(app.window.max_tokens, "999")
    app.window.close()  # before the pause is over: the edit is not lost
    assert len(writes.saved) == 2 and writes.saved[-1].max_new_tokens == 999
    saved = load_settings(paths.settings_path())
    assert (saved.temperature, saved.max_new_tokens) == (0.35, 999)


def test_the_system_prompt_is_kept_per_chat(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["Arr."])
    chat = app.window.chat
    chat._system_toggle.click()
    chat.system_prompt.setPlainText("Talk like a pirate.")
    app.type_and_send("Hello")
    assert "Talk like a pirate." in app.backend.prompts[-1]
    assert "You are a helpful AI assistant." not in app.backend.prompts[-1]
    conversation_id = app.services.controller.conversation_id
    assert app.store.get_conversation(conversation_id).system_prompt == "Talk like a pirate."


def test_window_geometry_and_splitter_are_remembered(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(model=None)
    app.window.resize(700, 500)
    app.window.splitter.setSizes([250, 450])
    app.window.close()
    state = (paths.data_dir() / "window.ini").read_text()
    assert "geometry" in state and "splitter" in state
    second = make_app(model=None)
    assert (second.window.width(), second.window.height()) == (700, 500)
    assert second.window.splitter.sizes()[0] == 250


def test_a_load_failure_is_shown_in_words(make_app, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(model=None)
    with qtbot.waitSignal(app.services.client.load_failed, timeout=5000):
        app.services.client.load(tmp_path / "missing.gguf")
    assert app.window.chat.banner.isVisible()
    assert "missing.gguf" in app.window.chat.banner.text()
    assert app.window.model_label.text() == "No model loaded"


def test_settings_file_is_untouched_until_something_changes(make_app) -> None:  # type: ignore[no-untyped-def]
    make_app(model=None)
    assert not paths.settings_path().exists()


def test_stored_stats_are_json(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["Fine."])
    app.type_and_send("How are you?")
    stats = app.store.active_path(app.services.controller.conversation_id)[-1].stats
    assert json.loads(json.dumps(stats))["generated_tokens"] == 1


# -- the real starter model ----------------------------------------------------------------------


@pytest.mark.slow
def test_the_real_starter_model_knows_the_capital_of_france(qtbot) -> None:  # type: ignore[no-untyped-def]
    services = build_services(settings=Settings(temperature=0.0, max_new_tokens=64))
    try:
        window = build_main_window(services)
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitSignal(services.client.model_loaded, timeout=120_000):
            services.client.load(services.settings.current.load_request(STARTER))
        edit = window.chat.composer.edit
        qtbot.keyClicks(edit, "What is the capital of France?")
        with qtbot.waitSignal(services.client.generation_finished, timeout=300_000) as done:
            qtbot.keyClick(edit, Qt.Key.Key_Return)
        result = done.args[1]
        assert "Paris" in result.text
        assert result.stats.backend == "llama.cpp"
        qtbot.waitUntil(
            lambda: "Paris" in window.chat.transcript.message_widgets()[-1].view.message.content
        )
    finally:
        services.shutdown()


def test_catalog_models_use_their_recommended_sampling_per_mode(  # type: ignore[no-untyped-def]
    make_app, tmp_path: Path
) -> None:
    named = tmp_path / "MiniCPM5-1B-Q4_K_M.gguf"
    named.symlink_to(STARTER)
    model = replace(inspect_model(named), chat_template=THINKING_TEMPLATE)
    app = make_app(["<think>Hmm.</think>Yes.", "Plain."], model=model)
    app.window.chat.composer.thinking.click()
    app.type_and_send("Think first")
    assert (app.backend.params[-1].temperature, app.backend.params[-1].top_p) == (0.9, 0.95)
    app.window.chat.composer.thinking.click()
    app.type_and_send("Now quickly")
    assert (app.backend.params[-1].temperature, app.backend.params[-1].top_p) == (0.7, 0.95)


def test_own_sampling_wins_when_model_sampling_is_off(  # type: ignore[no-untyped-def]
    make_app, tmp_path: Path
) -> None:
    named = tmp_path / "MiniCPM5-1B-Q4_K_M.gguf"
    named.symlink_to(STARTER)
    settings = Settings(model_sampling=False, temperature=0.3, top_p=0.5)
    app = make_app(["Plain."], model=named, settings=settings)
    app.type_and_send("Hello")
    assert (app.backend.params[-1].temperature, app.backend.params[-1].top_p) == (0.3, 0.5)


# -- every bad input ends in words -------------------------------------------------------------


class SmallContextBackend(ScriptedBackend):
    """A 64-token context that a long question overflows (the engine checks the room)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, context_length=64, **kwargs)  # type: ignore[arg-type]


class GatedSmallContextBackend(GatedLoadBackend):
    """A 64-token context, loaded when the test says so."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, context_length=64, **kwargs)  # type: ignore[arg-type]


def test_an_answer_the_conversation_did_not_fit_says_so_not_interrupted(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Sent while the model loads, nothing could measure it first (tests/app/chat/
    test_context_policy.py covers the choice offered then): the engine's own room check
    refuses it, and the answer says why."""
    app = make_app(model=None, backend_class=GatedSmallContextBackend)
    with qtbot.waitSignal(app.services.client.load_started, timeout=5000):
        app.services.client.load(STARTER)
    app.type_and_send("word " * 80, wait=False)
    with qtbot.waitSignal(app.services.controller.error_occurred, timeout=5000):
        app.backend.release_load()  # type: ignore[attr-defined]
    answer = app.message_widgets()[-1]
    assert answer._interrupted.isVisibleTo(answer)  # Regenerate is still offered
    banner = answer._interrupted_label.text()
    assert "interrupted" not in banner
    assert "does not fit the 64-token context" in banner
    # Said again when the chat is opened later (the reason is stored with the answer).
    conversation_id = app.services.controller.conversation_id
    qtbot.keyClick(app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    app.select_conversation(conversation_id)
    answer = app.message_widgets()[-1]
    assert "does not fit the 64-token context" in answer._interrupted_label.text()


def _ink(image: QImage) -> int:
    """Pixels far from the most common colour (the background): text, not borders."""
    gray = [qGray(image.pixel(x, y)) for y in range(image.height()) for x in range(image.width())]
    background = max(set(gray), key=gray.count)
    return sum(1 for g in gray if abs(g - background) > 100)


class HugeContextBackend(ScriptedBackend):
    """Room for a megabyte of question (the engine checks the room as for a real model)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, context_length=10_000_000, **kwargs)  # type: ignore[arg-type]


def test_a_one_megabyte_question_shows_its_text_and_keeps_all_of_it(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The whole megabyte in one label, 644,000 pixels tall, drew nothing at all (a blank
    box), and laying it out took seconds on sending and on every resize."""
    app = make_app(["Ok."], backend_class=HugeContextBackend)
    question = "The quick brown fox jumps over the lazy dog.\n" * 23_000  # 1 MB, 23,000 lines
    edit = app.window.chat.composer.edit
    edit.setPlainText(question)
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=30_000):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    user = app.message_widgets()[0]
    assert user.view.message.content == question.strip()
    QApplication.processEvents()  # the layout settles
    app.window.chat.transcript.verticalScrollBar().setValue(0)
    bubble = user._bubble
    top = bubble.grab(QRect(0, 0, bubble.width(), 120)).toImage()
    assert _ink(top) > 500  # the words are drawn
    assert bubble.height() < 5000  # a preview, not the whole megabyte
    assert bubble.text().startswith("The quick brown fox jumps over the lazy dog.")
    assert user._preview_note.isVisibleTo(user) and "characters" in user._preview_note.text()
    user._copy.click()
    assert QApplication.clipboard().text() == question.strip()


class F32OnlyBackend(ScriptedBackend):
    """Reports what OpenVINO compiles on a CPU without bf16 arithmetic."""

    def load(self, info: ModelInfo, options: LoadRequest) -> None:
        super().load(info, options)
        self.precision = "f32, KV f16"


def test_asking_for_bf16_on_a_cpu_without_it_says_f32_is_used(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(settings=Settings(openvino_precision="bf16"), backend_class=F32OnlyBackend)
    note = "This CPU has no bf16 arithmetic, so OpenVINO computes in exact f32 instead."
    assert app.window.status_model.text().endswith("· f32, KV f16")
    assert app.window.status_model.toolTip() == note
    assert app.window.chat.banner.isVisible() and note in app.window.chat.banner.text()


def test_the_precision_in_use_is_named_without_a_warning(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(settings=Settings(openvino_precision="f32"), backend_class=F32OnlyBackend)
    assert app.window.status_model.toolTip() == "OpenVINO computes in f32, KV f16."
    assert not app.window.chat.banner.isVisible()


# -- thinking that never hides the answer (issue 21) -------------------------------------------

# Qwen3 / MiniCPM4.1 style with the block pre-opened: thinking on puts `<think>` in the prompt.
OPENS_THINK_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking %}{{ '<think>\\n' }}"
    "{% else %}{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}{% endif %}"
)


def opens_think_model() -> ModelInfo:
    return replace(inspect_model(STARTER), chat_template=OPENS_THINK_TEMPLATE)


def stopped_while_thinking(make_app, replies: list[str]) -> App:  # type: ignore[no-untyped-def]
    """A chat whose first answer ran out of tokens (4) before its think block closed."""
    app = make_app(replies, model=opens_think_model(), settings=Settings(max_new_tokens=4))
    app.window.chat.composer.thinking.click()
    app.type_and_send("What is the capital of France?")
    return app  # type: ignore[no-any-return]


def test_an_answer_that_ends_while_thinking_shows_its_reasoning_and_a_note(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["The capital of France is Paris."], model=opens_think_model())
    app.window.chat.composer.thinking.click()
    streamed: list[float | None] = []
    app.services.controller.answer_streamed.connect(lambda *args: streamed.append(args[3]))
    app.type_and_send("What is the capital of France?")
    answer = app.message_widgets()[-1]
    stored = app.store.get_message(answer.message_id)
    assert (stored.content, stored.reasoning) == ("", "The capital of France is Paris.")
    assert (stored.reasoning_unfinished, stored.thinking) == (True, True)
    # The thinking time is measured once: the stored figure is the one shown last.
    assert stored.thinking_s is not None and stored.thinking_s == streamed[-1]
    assert answer.thinking.isVisible() and answer.thinking.expanded
    assert answer.thinking.title.startswith("Thought for")
    assert answer.unfinished_note.isVisible()
    assert answer.continue_button.isVisible() and answer.without_thinking_button.isVisible()
    assert answer.thinking_choice.text() == "Thinking on"


def test_continue_goes_on_thinking_from_where_the_token_limit_stopped_it(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = stopped_while_thinking(
        make_app, ["The capital of France is Paris.", " is Paris.</think>Paris."]
    )
    first = app.message_widgets()[-1]
    assert first.view.message.reasoning == "The capital of France"
    assert (first.view.message.stats or {}).get("finish_reason") == "length"
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        first.continue_button.click()
    params = app.backend.params[-1]
    assert params.enable_thinking is True and params.max_new_tokens == 8  # twice the room
    assert app.backend.prompts[-1].endswith("<think>\nThe capital of France")
    again = app.message_widgets()[-1]
    assert again.view.versions == 2
    assert again.view.message.reasoning == "The capital of France is Paris."
    assert again.view.message.content == "Paris."
    assert not again.unfinished_note.isVisible() and not again.thinking.expanded
    # The thinking time goes on from the first version's.
    first_s = app.store.get_message(first.message_id).thinking_s or 0.0
    assert (again.view.message.thinking_s or 0.0) >= first_s


def test_continue_closes_a_thought_the_model_ended_itself(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["The capital of France is Paris.", "Paris."], model=opens_think_model())
    app.window.chat.composer.thinking.click()
    app.type_and_send("What is the capital of France?")
    first = app.message_widgets()[-1]
    assert (first.view.message.stats or {}).get("finish_reason") == "stop"
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        first.continue_button.click()
    assert app.backend.prompts[-1].endswith("Paris.\n</think>\n\n")
    again = app.message_widgets()[-1]
    assert again.view.message.content == "Paris."


def test_regenerate_without_thinking_answers_an_answer_that_stopped_while_thinking(  # type: ignore[no-untyped-def]
    make_app, qtbot
) -> None:
    app = stopped_while_thinking(make_app, ["The capital of France is Paris.", "Paris."])
    first = app.message_widgets()[-1]
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        first.without_thinking_button.click()
    assert app.backend.params[-1].enable_thinking is False
    assert app.backend.prompts[-1].endswith("<think>\n\n</think>\n\n")
    plain = app.message_widgets()[-1]
    assert plain.view.versions == 2 and plain.view.message.content == "Paris."
    assert not plain.unfinished_note.isVisible() and not plain.thinking.isVisible()
    assert plain.thinking_choice.text() == "Thinking off"
    # The chat's own choice is unchanged: the next question thinks again.
    assert app.window.chat.composer.thinking.isChecked()


def test_regenerate_can_change_the_thinking_choice_of_one_answer(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["Paris.", "Weighing it.</think>Paris, surely."], model=opens_think_model())
    app.type_and_send("What is the capital of France?")
    first = app.message_widgets()[-1]
    assert first.thinking_choice.text() == "Thinking off"
    action = first.regenerate_menu.actions()[0]
    assert action.text() == "Regenerate with thinking"
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=5000):
        action.trigger()
    assert app.backend.params[-1].enable_thinking is True
    second = app.message_widgets()[-1]
    assert second.view.message.content == "Paris, surely."
    assert second.thinking_choice.text() == "Thinking on"
    assert not app.window.chat.composer.thinking.isChecked()


def context_used(app: App) -> int:
    match = re.fullmatch(r"Context ([\d,]+) / 4,096", app.window.status_context.text())
    assert match, app.window.status_context.text()
    return int(match.group(1).replace(",", ""))


def test_the_status_bar_context_counts_the_answer_while_it_streams(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 21: the composer's usage line said 21 tokens while the status bar said 0."""
    app = make_app([LONG_REPLY], delay_s=0.01)
    composer = app.window.chat.composer
    composer.edit.setFocus()
    with qtbot.waitSignal(app.window.chat._meter.reading_changed, timeout=5000) as measured:
        composer.edit.setPlainText("How long is a piece of string?")
    prompt_tokens = measured.args[0].use.prompt_tokens
    assert prompt_tokens > 0 and f"{prompt_tokens:,}" in composer.usage.text()
    assert context_used(app) == 0  # nothing asked yet
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(w.view.streaming for w in app.message_widgets()), timeout=5000)
    assert context_used(app) >= prompt_tokens
    app.wait_until_streaming()
    qtbot.waitUntil(lambda: context_used(app) > prompt_tokens, timeout=5000)
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=10_000) as done:
        pass
    stats = done.args[1]
    assert stats.prompt_tokens == prompt_tokens
    assert context_used(app) == prompt_tokens + stats.generated_tokens


def test_an_answer_of_a_model_that_cannot_think_shows_no_thinking_choice(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(["Paris."])
    app.type_and_send("What is the capital of France?")
    answer = app.message_widgets()[-1]
    assert app.store.get_message(answer.message_id).thinking is None
    assert not answer.thinking_choice.isVisibleTo(answer)
    assert not answer.unfinished_note.isVisibleTo(answer)
