"""A remote server in the real main window, end to end: a person adds `python -m
llama_cpp.server` (the starter model) in Settings → Servers, picks its model on the Model page,
the model loads and answers; the answer is stored like any other. Stop keeps the partial answer
without an error; offline, the remote model does not load and the window says why."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.application import Services, build_main_window, build_services
from app.core.settings import ServerSettings, Settings, remote_model_name
from app.main_window import MainWindow
from engine.session import Engine
from tests.app.core.test_secrets import MemoryKeyring
from tests.app.remote_server import MODEL_ID, LocalServer, llama_cpp_server

__all__ = ["llama_cpp_server"]  # the fixture, used by name

pytestmark = pytest.mark.slow
# Greedy: the starter answers "Paris" with the default system prompt.
GREEDY = Settings(temperature=0.0, top_p=1.0, seed=1, model_sampling=False, max_new_tokens=64)


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def _memory_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@dataclass
class App:
    window: MainWindow
    services: Services


@pytest.fixture
def make_app(qtbot) -> Iterator[Callable[[Settings], App]]:  # type: ignore[no-untyped-def]
    made: list[App] = []

    def make(settings: Settings) -> App:
        services = build_services(Engine(), settings)  # the real engine and its remote backend
        window = build_main_window(services)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(App(window, services))
        return made[-1]

    yield make
    for app in made:
        app.services.shutdown()


def add_server_and_pick_its_model(qtbot, app: App, server: LocalServer) -> None:  # type: ignore[no-untyped-def]
    dialog = app.window.open_settings()
    page = dialog.servers_page
    dialog.tabs.setCurrentWidget(page)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    for edit, text in ((page.name, "local"), (page.url, server.base_url)):
        edit.setFocus()
        edit.selectAll()
        qtbot.keyClicks(edit, text)
        edit.editingFinished.emit()
    page.kind.setCurrentIndex(page.kind.findData("llama-server"))
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.connection_status.text().startswith("Connected"), timeout=15_000)
    model_page = dialog.model_page
    dialog.tabs.setCurrentWidget(model_page)
    label = f"{MODEL_ID} — local (remote)"
    qtbot.waitUntil(lambda: model_page.model.findText(label) >= 0, timeout=15_000)
    model_page.model.setCurrentIndex(model_page.model.findText(label))
    with qtbot.waitSignal(app.services.client.model_loaded, timeout=30_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def send(qtbot, app: App, text: str, *, wait: bool = True) -> None:  # type: ignore[no-untyped-def]
    edit = app.window.chat.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, text)
    if wait:
        with qtbot.waitSignal(app.services.controller.answer_finished, timeout=60_000):
            qtbot.keyClick(edit, Qt.Key.Key_Return)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_a_person_adds_a_server_picks_its_model_and_chats(  # type: ignore[no-untyped-def]
    qtbot, make_app, llama_cpp_server: LocalServer
) -> None:
    app = make_app(GREEDY)
    add_server_and_pick_its_model(qtbot, app, llama_cpp_server)
    settings = app.services.settings.current
    assert settings.model == remote_model_name("local", MODEL_ID)
    assert settings.servers[0].base_url == llama_cpp_server.base_url
    assert MODEL_ID in app.window.toolbar.model_label.text()
    loaded = app.services.client.loaded_model
    assert loaded is not None and loaded.info.format == "remote" and loaded.device == "local"

    send(qtbot, app, "What is the capital of France?")
    store = app.services.store
    conversation = store.list_conversations()[0]
    question, answer = store.active_path(conversation.id)
    assert question.content == "What is the capital of France?"
    assert "Paris" in answer.content and answer.complete
    assert answer.stats is not None and answer.stats["backend"] == "remote"
    assert answer.stats["finish_reason"] in ("stop", "length")
    assert app.window.chat.transcript.message_widgets()[-1].view.message.content == answer.content

    # Thinking on: the request still answers (SmolLM2 does not think; the text is the answer).
    app.services.controller.set_thinking(True)
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=60_000):
        app.window.chat.composer.regenerate.click()
    latest = store.active_path(conversation.id)[-1]
    assert latest.id != answer.id and latest.complete and latest.content.strip()


def test_stop_mid_answer_keeps_the_partial_answer_and_is_not_an_error(  # type: ignore[no-untyped-def]
    qtbot, make_app, llama_cpp_server: LocalServer
) -> None:
    app = make_app(replace(GREEDY, max_new_tokens=1500))
    add_server_and_pick_its_model(qtbot, app, llama_cpp_server)
    errors: list[str] = []
    app.services.controller.error_occurred.connect(errors.append)
    send(qtbot, app, "Write a very long story about a dragon who learns to cook.", wait=False)
    widgets = app.window.chat.transcript.message_widgets
    button = app.window.chat.composer.send
    qtbot.waitUntil(
        lambda: any(w.view.streaming and w.answer_view.markdown for w in widgets()),
        timeout=60_000,
    )
    assert button.text() == "Stop"
    with qtbot.waitSignal(app.services.controller.answer_finished, timeout=30_000):
        button.click()
    conversation = app.services.store.list_conversations()[0]
    stored = app.services.store.active_path(conversation.id)[-1]
    assert stored.complete and stored.content.strip()
    assert stored.stats is not None and stored.stats["finish_reason"] == "stopped"
    assert "error" not in stored.stats
    assert errors == []


def test_offline_the_remote_model_does_not_load_and_the_window_says_why(  # type: ignore[no-untyped-def]
    qtbot, make_app, llama_cpp_server: LocalServer
) -> None:
    server = ServerSettings("local", llama_cpp_server.base_url, kind="llama-server")
    settings = replace(
        GREEDY, servers=(server,), model=remote_model_name("local", MODEL_ID), offline=True
    )
    app = make_app(settings)
    loads: list[object] = []
    app.services.client.load_started.connect(lambda *args: loads.append(args))
    assert app.services.reloader.load_current() is None
    banner = app.window.chat.banner
    assert "off while working offline" in banner.text()
    assert MODEL_ID in banner.text()
    # Back online (Settings → Downloads), the same model loads.
    with qtbot.waitSignal(app.services.client.model_loaded, timeout=30_000):
        app.services.settings.apply(replace(settings, offline=False))
    assert len(loads) == 1


def test_a_server_no_longer_in_settings_is_said_so(qtbot, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(replace(GREEDY, model=remote_model_name("gone", "m")))
    assert app.services.reloader.load_current() is None
    assert "The server gone is no longer in Settings" in app.window.chat.banner.text()
