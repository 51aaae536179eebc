"""The Downloads page: the token goes to the keyring only; offline, mirror, sources round-trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.application import SettingsKeeper
from app.core import paths, secrets
from app.core.models.store import ModelStore
from app.core.settings import Settings, load_settings
from app.settings.dialog import SettingsDialog
from app.settings.hub_page import DownloadsPage
from resources import bundled_models_dir
from tests.app.core.test_secrets import MemoryKeyring

TOKEN = "hf_TestTokenThatMustNeverBeWrittenToDisk123"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


def make_dialog(qtbot, settings: Settings, tmp_path: Path) -> SettingsDialog:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(
        settings, ModelStore(paths.models_dir(), bundled_models_dir()), tmp_path
    )
    qtbot.addWidget(dialog)
    return dialog


def test_without_a_keyring_the_page_says_so_and_cannot_save(qtbot, no_keyring: None) -> None:  # type: ignore[no-untyped-def]
    page = DownloadsPage()
    qtbot.addWidget(page)
    assert page.token_status.text() == secrets.NO_KEYRING_MESSAGE
    page.token.setText(TOKEN)  # even with something typed (the field is disabled anyway)
    assert not page.save_token_button.isEnabled()
    assert not page.remove_token_button.isEnabled()
    assert page.save_token_button.toolTip() == secrets.NO_KEYRING_MESSAGE


def test_a_saved_token_lives_in_the_keyring_never_in_settings_json(  # type: ignore[no-untyped-def]
    qtbot, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    keeper = SettingsKeeper(Settings(), paths.settings_path())
    dialog = make_dialog(qtbot, keeper.current, tmp_path)
    dialog.settings_accepted.connect(keeper.apply)
    page = dialog.downloads_page
    assert page.token.echoMode() == page.token.EchoMode.Password
    assert "system keyring" in page.token_status.text()
    assert not page.save_token_button.isEnabled()  # nothing typed yet
    page.token.setText(TOKEN)
    qtbot.mouseClick(page.save_token_button, Qt.MouseButton.LeftButton)
    assert memory_keyring.store == {(secrets.SERVICE, secrets.USERNAME): TOKEN}
    assert page.token.text() == ""  # the field never keeps it
    assert page.token.placeholderText() == "A token is saved"
    assert page.remove_token_button.isEnabled()

    page.offline.setChecked(True)  # something to save
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    written = paths.settings_path().read_text(encoding="utf-8")
    assert TOKEN not in written
    assert load_settings(paths.settings_path()).offline is True

    again = make_dialog(qtbot, keeper.current, tmp_path)
    assert again.downloads_page.token.text() == ""  # shown as saved, never filled in
    qtbot.mouseClick(again.downloads_page.remove_token_button, Qt.MouseButton.LeftButton)
    assert memory_keyring.store == {}
    assert again.downloads_page.token_status.text() == "The token was removed."
    assert not again.downloads_page.remove_token_button.isEnabled()


def test_offline_mirror_and_source_order_round_trip(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        offline=True, hub_endpoint="https://hf-mirror.example", download_sources="mirror,hf"
    )
    dialog = make_dialog(qtbot, settings, tmp_path)
    assert dialog.edited_settings() == settings
    page = dialog.downloads_page
    assert page.source_order() == ["mirror", "hf"]
    assert page.sources.count() == 3  # ModelScope listed, unticked

    page.sources.setCurrentRow(1)
    qtbot.mouseClick(page.move_up_button, Qt.MouseButton.LeftButton)
    page.sources.item(2).setCheckState(Qt.CheckState.Checked)
    page.offline.setChecked(False)
    page.hub_endpoint.setText(" https://other.example/ ")
    edited = dialog.edited_settings()
    assert edited.download_sources == "hf,mirror,modelscope"
    assert edited.offline is False
    assert edited.hub_endpoint == "https://other.example"


def test_defaults_round_trip(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, Settings(), tmp_path)
    assert dialog.edited_settings() == Settings()


def test_opening_settings_reads_the_keyring_once(  # type: ignore[no-untyped-def]
    qtbot, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    """Each read may go over D-Bus to the Secret Service, or ask to unlock it: the page asks
    once whether the keyring works and whether a token is saved (the Local API page asks once
    for its own key)."""
    reads: list[str] = []
    original = memory_keyring.get_password

    def counted(service: str, username: str) -> str | None:
        reads.append(username)
        return original(service, username)

    memory_keyring.get_password = counted  # type: ignore[method-assign]
    memory_keyring.set_password(secrets.SERVICE, secrets.USERNAME, TOKEN)
    dialog = make_dialog(qtbot, Settings(), tmp_path)
    page = dialog.downloads_page
    assert reads.count(secrets.USERNAME) == 1
    assert page.remove_token_button.isEnabled()  # it still knows a token is saved
    assert page.token.placeholderText() == "A token is saved"
