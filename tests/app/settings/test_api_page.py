"""The Local API page: settings round-trip, the key goes to the keyring only, the port check."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from app.core import paths, secrets
from app.core.settings import Settings, save_settings
from app.settings.api_page import ApiPage
from tests.app.core.test_secrets import MemoryKeyring

KEY_ENTRY = (secrets.SERVICE, secrets.LOCAL_API_KEY)


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


def make_page(qtbot: QtBot, settings: Settings | None = None) -> ApiPage:
    page = ApiPage()
    qtbot.addWidget(page)
    page.load(settings or Settings())
    return page


def test_the_settings_round_trip(qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    page = make_page(qtbot)
    assert not page.enabled.isChecked()
    assert page.port.value() == 8321
    assert not page.port.isEnabled()  # nothing to set while the API is off
    assert page.url.text() == "http://127.0.0.1:8321/v1"
    page.enabled.setChecked(True)
    assert page.port.isEnabled()
    page.port.setValue(9000)
    page.lan.setChecked(True)
    page.origin.setText(" http://localhost:3000/ ")
    assert page.url.text() == f"http://{socket.gethostname()}:9000/v1"  # for the others too
    settings = page.apply(Settings())
    assert (settings.api_enabled, settings.api_port, settings.api_lan) == (True, 9000, True)
    assert settings.api_allowed_origin == "http://localhost:3000"
    again = make_page(qtbot, settings)
    assert again.apply(Settings()) == settings


def test_the_network_choice_warns_and_recommends_a_key(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    page = make_page(qtbot, Settings(api_enabled=True))
    assert not page.lan_warning.isVisibleTo(page)
    page.lan.setChecked(True)
    assert page.lan_warning.isVisibleTo(page)
    assert "Anyone on your network" in page.lan_warning.text()
    assert "API key" in page.lan_warning.text()


def test_the_address_shown_is_the_one_other_computers_need(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    page = make_page(qtbot, Settings(api_enabled=True, api_port=8765))
    assert page.url.text() == "http://127.0.0.1:8765/v1"
    page.lan.setChecked(True)  # 127.0.0.1 would mean their own computer to the others
    assert page.url.text() == f"http://{socket.gethostname()}:8765/v1"


def test_the_key_goes_to_the_keyring_only(
    qtbot: QtBot, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    page = make_page(qtbot)
    assert page.key.text() == "" and page.key.echoMode() == page.key.EchoMode.Password
    assert not page.copy_key_button.isEnabled()
    page.generate_key_button.click()
    key = page.key.text()
    assert len(key) >= 40
    assert KEY_ENTRY not in memory_keyring.store  # saved on OK, not before
    settings = page.apply(Settings())
    assert memory_keyring.store[KEY_ENTRY] == key
    page.copy_key_button.click()
    assert QGuiApplication.clipboard().text() == key
    # Not in the settings file.
    save_settings(settings, paths.settings_path())
    assert key not in paths.settings_path().read_text(encoding="utf-8")
    assert key not in json.dumps(settings.__dict__, default=str)

    shown = make_page(qtbot)  # the dialog opens again: the key is there, hidden
    assert shown.key.text() == key
    shown.show_key_button.click()
    assert shown.key.echoMode() == shown.key.EchoMode.Normal
    shown.key.clear()
    shown.apply(Settings())
    assert KEY_ENTRY not in memory_keyring.store  # an empty field removes it


def test_without_a_keyring_the_key_cannot_be_set(qtbot: QtBot, no_keyring: None) -> None:
    page = make_page(qtbot)
    assert not page.key.isEnabled()
    assert not page.generate_key_button.isEnabled()
    assert page.key_status.text().startswith("No system keyring is available")
    page.apply(Settings())  # OK still works


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_port_check_says_when_another_program_uses_it(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    page = make_page(qtbot, Settings(api_enabled=True))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        page.port.setValue(port)
        page.check_port_button.click()
        assert page.port_status.text() == f"Port {port} is in use by another program."
    free = free_port()
    page.port.setValue(free)
    assert page.port_status.text() == ""  # said of another port
    assert page.check_port()
    assert page.port_status.text() == f"Port {free} is free."
    page.port.setValue(8321)  # the port this app's API was set to: not another program's
    assert page.check_port()
    assert page.port_status.text() == "Port 8321 is the one the API uses now."
