"""An HF token set through the app is written to no file (issue 15).

A child runs the app's services (app.application.build_services) with a HOME and a
MINICPM_CHAT_HOME of its own and a real Secret Service (gnome-keyring on a private D-Bus): the
token is typed into Settings > Downloads and saved, the mirror is set and OK pressed, then a
catalog model is downloaded from a private repo on the local fake Hub, which answers only to
that token. Afterwards every file under both folders is searched for the token's bytes.

tests/app/core/test_secrets.py checks settings.json and the data folder with an in-memory
keyring; this follows the token through a real keyring and a real download, and also searches
HOME, where the keyring, Qt and huggingface_hub keep their files.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import fakehub
from tests.app.core.test_secrets import _start_bus, _start_keyring_daemon, _stop
from tests.app.core.test_secrets import _wait_for_secret_service as wait_for_secret_service
from tests.engine.gguf_factory import write_llama_gguf
from tests.fakehub import TOKEN, FakeHub

fake_hub = fakehub.fake_hub

REPO_ROOT = Path(__file__).resolve().parents[3]
REPO = "openbmb/MiniCPM5-1B-GGUF"  # a catalog model, so the download manager can queue it
NAME = "MiniCPM5-1B-Q4_K_M.gguf"

CHILD = """
import json, sys
import keyring
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from app.application import build_services
from app.core import paths
from app.core.models.catalog import load_catalog
from app.core.models.queue import FAILED
from app.core.settings import Settings
from app.settings.dialog import SettingsDialog
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.session import Engine

token, endpoint, name = sys.argv[1:4]
app = QApplication([])
engine = Engine(backend_factory=scripted_factory(ScriptedBackend()))
services = build_services(engine, Settings(download_sources="mirror"))
result = {"keyring": type(keyring.get_keyring()).__module__}

# Settings > Downloads: type the token, Save; the mirror's address; OK.
dialog = SettingsDialog(services.settings.current, services.models, paths.data_dir())
dialog.settings_accepted.connect(services.settings.apply)
page = dialog.downloads_page
page.token.setText(token)
page.save_token_button.click()
result["token_status"] = page.token_status.text()
page.hub_endpoint.setText(endpoint)
dialog.buttons.accepted.emit()


def on_installed(path):
    result["installed"] = path
    app.quit()


def on_changed(item_id):
    item = services.downloads.item(item_id)
    if item is not None and item.state == FAILED:
        result["failed"] = item.error
        app.quit()


services.downloads.model_installed.connect(on_installed)
services.downloads.item_changed.connect(on_changed)
services.downloads.enqueue(load_catalog().pick("minicpm5-1b", name))
QTimer.singleShot(30_000, app.quit)
app.exec()
services.shutdown()
print(json.dumps(result), flush=True)
"""


def _encodings(secret: str) -> list[bytes]:
    """The token as a file might hold it: plain, UTF-16, base64, hex."""
    raw = secret.encode()
    return [
        raw,
        secret.encode("utf-16-le"),
        secret.encode("utf-16-be"),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw),
        raw.hex().encode(),
    ]


def files_holding(folder: Path, secret: str) -> list[Path]:
    needles = _encodings(secret)
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                found.append(path)
    return found


@pytest.mark.slow
def test_a_token_saved_in_settings_and_used_to_download_is_in_no_file(
    fake_hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _private_home: Path
) -> None:
    model = write_llama_gguf(tmp_path / "model.gguf").read_bytes()
    fake_hub.add_repo(REPO, {NAME: model}, private=True)  # 401 without the token
    bus = _start_bus(tmp_path, monkeypatch)  # sets HOME, XDG_DATA_HOME, XDG_RUNTIME_DIR
    daemon = _start_keyring_daemon("test-only-password")
    home = Path(os.environ["HOME"])
    try:
        wait_for_secret_service()
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        env.pop("HF_TOKEN", None)  # the token can come only from what was typed
        for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "HF_HOME"):
            env.pop(name, None)  # everything the child keeps goes under its HOME
        done = subprocess.run(
            [sys.executable, "-c", CHILD, TOKEN, fake_hub.url, NAME],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
    finally:
        _stop(daemon, bus)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # The keyring a person's desktop would give the app, not a test double.
    assert result["keyring"] == "keyring.backends.SecretService", result
    assert result["token_status"] == "The token is saved in the system keyring.", result
    assert "failed" not in result, result
    installed = Path(result["installed"])
    assert installed.read_bytes() == model
    # The private file was fetched with the token that was typed: it really was in use.
    gets = fake_hub.file_gets(NAME)
    assert gets and all(g.authorization == f"Bearer {TOKEN}" for g in gets)

    assert installed.is_relative_to(_private_home)  # MINICPM_CHAT_HOME, from tests/conftest.py
    keyrings = list((home / ".local" / "share" / "keyrings").glob("*.keyring"))
    assert keyrings, "the keyring kept its secrets somewhere else than HOME"
    settings = json.loads((_private_home / "settings.json").read_text(encoding="utf-8"))
    assert settings["hub_endpoint"] == fake_hub.url  # the dialog's OK was saved
    assert files_holding(_private_home, TOKEN) == []
    assert files_holding(home, TOKEN) == []
