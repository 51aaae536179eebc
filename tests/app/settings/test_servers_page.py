"""The Servers page: add, edit and validate servers, keys go to the keyring on OK only, Test
connection in the background, and the Model page lists the servers' models."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.core import paths, secrets
from app.core.models.store import ModelStore
from app.core.settings import ServerSettings, Settings, remote_model_name, save_settings
from app.settings.dialog import SettingsDialog
from app.settings.servers_page import ServersPage
from resources import bundled_models_dir
from tests.app.core.test_secrets import MemoryKeyring
from tests.app.remote_server import LocalServer, free_port, llama_cpp_server

__all__ = ["llama_cpp_server"]  # the fixture, used by name

KEY = "sk-TestServerKeyThatMustNeverBeWrittenToDisk"
GPU = ServerSettings("gpu", "http://gpu-box:8000/v1", kind="vllm")


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


def make_dialog(qtbot, settings: Settings, tmp_path: Path) -> SettingsDialog:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(
        settings, ModelStore(paths.models_dir(), bundled_models_dir()), tmp_path
    )
    qtbot.addWidget(dialog)
    return dialog


def type_into(qtbot, edit, text: str) -> None:  # type: ignore[no-untyped-def]
    """Like a person: select all, type, leave the field."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    edit.editingFinished.emit()


def press_ok(dialog: SettingsDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def key_of(memory: MemoryKeyring, server: str) -> str | None:
    return memory.store.get((secrets.SERVICE, secrets.server_key_name(server)))


def test_a_person_adds_a_server_and_its_key_reaches_only_the_keyring_on_ok(  # type: ignore[no-untyped-def]
    qtbot, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    dialog = make_dialog(qtbot, Settings(), tmp_path)
    accepted: list[Settings] = []
    dialog.settings_accepted.connect(accepted.append)
    page = dialog.servers_page
    assert not page.form.isEnabled()  # nothing to edit yet
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert page.list.count() == 1 and page.form.isEnabled()
    type_into(qtbot, page.name, "gpu box")
    type_into(qtbot, page.url, "http://gpu-box:8000")
    assert page.url.text() == "http://gpu-box:8000/v1"  # /v1 added
    page.kind.setCurrentIndex(page.kind.findData("sglang"))
    page.read_timeout.setValue(900)
    page.thinking_suffix.setChecked(True)
    assert page.key.echoMode() == page.key.EchoMode.Password
    type_into(qtbot, page.key, KEY)
    assert "when you press OK" in page.key_status.text()
    assert memory_keyring.store == {}  # Cancel would leave no trace
    assert page.list.item(0).text() == "gpu box"

    press_ok(dialog)
    assert key_of(memory_keyring, "gpu box") == KEY
    (settings,) = accepted
    assert settings.servers == (
        ServerSettings(
            "gpu box",
            "http://gpu-box:8000/v1",
            kind="sglang",
            read_timeout_s=900.0,
            thinking_suffix=True,
        ),
    )
    path = paths.settings_path()
    save_settings(settings, path)
    assert KEY not in path.read_text(encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8"))["servers"][0]["name"] == "gpu box"
    assert page.key.text() == ""  # the field never keeps a saved key
    assert page.key.placeholderText() == "A key is saved"
    assert page.key_status.text() == "Saved in the system keyring."


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("name", "", "Give the server a name."),
        ("name", "a/b", "A server's name cannot contain “/”."),
        ("name", "other", "Another server already has this name."),
        ("url", "", "Enter the server's address, e.g. http://gpu-box:8000/v1."),
        ("url", "ftp://gpu-box/v1", "The address must start with http:// or https://."),
    ],
)
def test_a_bad_entry_says_why_and_apply_keeps_the_last_good_value(  # type: ignore[no-untyped-def]
    qtbot, memory_keyring: MemoryKeyring, tmp_path: Path, field: str, text: str, message: str
) -> None:
    other = ServerSettings("other", "http://other:8000/v1")
    dialog = make_dialog(qtbot, Settings(servers=(GPU, other)), tmp_path)
    page = dialog.servers_page
    page.list.setCurrentRow(0)
    edit = page.name if field == "name" else page.url
    # Pasted in one go (typed, "a/b" passes through "a", a good value of its own).
    edit.setText(text)
    edit.textEdited.emit(text)
    assert page.problem.text() == message
    assert not page.test_button.isEnabled()
    assert dialog.edited_settings().servers == (GPU, other)
    type_into(qtbot, edit, "fine" if field == "name" else "https://fine.example/v1")
    assert page.problem.text() == ""
    assert page.test_button.isEnabled()
    assert dialog.edited_settings().servers[0] != GPU


def test_renaming_moves_the_key_and_removing_deletes_it_and_the_choice_follows(  # type: ignore[no-untyped-def]
    qtbot, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    other = ServerSettings("old name", "http://other:8000/v1")
    secrets.save_secret(secrets.server_key_name("gpu"), "gpu-key")
    secrets.save_secret(secrets.server_key_name("old name"), "other-key")
    chosen = remote_model_name("old name", "org/model")
    dialog = make_dialog(qtbot, Settings(servers=(GPU, other), model=chosen), tmp_path)
    accepted: list[Settings] = []
    dialog.settings_accepted.connect(accepted.append)
    page = dialog.servers_page
    page.list.setCurrentRow(0)
    assert page.key.placeholderText() == "A key is saved"
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert page.list.count() == 1
    type_into(qtbot, page.name, "new name")
    assert key_of(memory_keyring, "gpu") == "gpu-key"  # not before OK
    press_ok(dialog)
    assert key_of(memory_keyring, "gpu") is None
    assert key_of(memory_keyring, "old name") is None
    assert key_of(memory_keyring, "new name") == "other-key"
    (settings,) = accepted
    assert [s.name for s in settings.servers] == ["new name"]
    assert settings.model == remote_model_name("new name", "org/model")


def test_remove_key_deletes_it_on_ok(  # type: ignore[no-untyped-def]
    qtbot, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    secrets.save_secret(secrets.server_key_name("gpu"), "gpu-key")
    dialog = make_dialog(qtbot, Settings(servers=(GPU,)), tmp_path)
    page = dialog.servers_page
    assert page.forget_key_button.isEnabled()
    qtbot.mouseClick(page.forget_key_button, Qt.MouseButton.LeftButton)
    assert page.key_status.text() == "The key is removed when you press OK."
    press_ok(dialog)
    assert memory_keyring.store == {}


def test_without_a_keyring_the_page_says_so_and_the_key_field_is_off(qtbot) -> None:  # type: ignore[no-untyped-def]
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]
    try:
        page = ServersPage()
        qtbot.addWidget(page)
        page.load(Settings(servers=(GPU,)))
        assert page.key_status.text() == (
            "No system keyring is available, so the API key can't be saved."
        )
        assert not page.key.isEnabled()
        assert page.test_button.isEnabled()  # a server without a key still works
    finally:
        keyring.set_keyring(previous)


def test_offline_turns_test_connection_off_and_says_why(  # type: ignore[no-untyped-def]
    qtbot, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    dialog = make_dialog(qtbot, Settings(servers=(GPU,), offline=True), tmp_path)
    page = dialog.servers_page
    assert not page.test_button.isEnabled()
    assert "offline" in page.test_button.toolTip()
    assert not page.offline_note.isHidden()
    dialog.downloads_page.offline.setChecked(False)  # the switch on the Downloads page
    assert page.test_button.isEnabled()
    assert page.offline_note.isHidden()
    dialog.downloads_page.offline.setChecked(True)
    assert not page.test_button.isEnabled()


def test_a_closed_port_gives_the_unreachable_sentence(  # type: ignore[no-untyped-def]
    qtbot, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    port = free_port()  # bound and released: nothing listens there
    server = ServerSettings("nowhere", f"http://127.0.0.1:{port}/v1", connect_timeout_s=5.0)
    dialog = make_dialog(qtbot, Settings(servers=(server,)), tmp_path)
    page = dialog.servers_page
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert not page.test_button.isEnabled()  # one test at a time
    qtbot.waitUntil(lambda: page.test_button.isEnabled(), timeout=15_000)
    assert page.connection_status.text().startswith(
        f"Could not connect to 127.0.0.1:{port}. Is the server running, and is the address right?"
    )
    # The Model page says why that server has no models.
    combo = dialog.model_page.model
    qtbot.waitUntil(lambda: combo.findText("nowhere (remote): no models listed") >= 0)


@pytest.mark.slow
def test_test_connection_lists_the_model_and_the_model_page_offers_it(  # type: ignore[no-untyped-def]
    qtbot, memory_keyring: MemoryKeyring, tmp_path: Path, llama_cpp_server: LocalServer
) -> None:
    dialog = make_dialog(qtbot, Settings(), tmp_path)
    accepted: list[Settings] = []
    dialog.settings_accepted.connect(accepted.append)
    page = dialog.servers_page
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, page.name, "local")
    type_into(qtbot, page.url, llama_cpp_server.base_url.removesuffix("/v1"))
    page.kind.setCurrentIndex(page.kind.findData("llama-server"))
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.connection_status.text().startswith("Connected"), timeout=15_000)
    assert page.connection_status.text() == "Connected: 1 model (SmolLM2-135M-Instruct)"

    model_page = dialog.model_page
    label = "SmolLM2-135M-Instruct — local (remote)"
    qtbot.waitUntil(lambda: model_page.model.findText(label) >= 0)
    assert model_page.backend.isEnabled()
    model_page.model.setCurrentIndex(model_page.model.findText(label))
    for control in (model_page.backend, model_page.device, model_page.precision):
        assert not control.isEnabled()
    press_ok(dialog)
    (settings,) = accepted
    assert settings.model == "remote://local/SmolLM2-135M-Instruct"

    # Opened again: the chosen remote model is shown at once, then listed; offline, disabled.
    again = make_dialog(qtbot, replace_offline(settings, offline=True), tmp_path)
    row = again.model_page.model.currentIndex()
    assert again.model_page.model.itemText(row) == label
    assert not again.model_page.backend.isEnabled()
    item = again.model_page.model.model().item(row)  # type: ignore[attr-defined]
    assert not item.isEnabled()
    assert "offline" in item.toolTip()
    assert again.edited_settings().model == settings.model  # untouched: kept


def replace_offline(settings: Settings, *, offline: bool) -> Settings:
    from dataclasses import replace

    return replace(settings, offline=offline)
