"""The composition root: the app starts, shows its window before any inference library is
imported, loads the starter in the background and exits cleanly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from app.application import SettingsKeeper
from app.core import paths
from app.core.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]

RUN_APP = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import app.main_window as main_window
from app.application import run_app

seen = {}
original_show = main_window.MainWindow.showEvent

def show_event(self, event):
    original_show(self, event)
    if not seen:
        seen["inference_imported_at_show"] = any(
            name in sys.modules for name in ("llama_cpp", "openvino_genai", "openvino")
        )
        seen["title"] = self.windowTitle()
        self._client.model_loaded.connect(self.close)  # quit once the starter is in
        self._client.load_failed.connect(self.close)
        QTimer.singleShot(60_000, QApplication.quit)

main_window.MainWindow.showEvent = show_event
seen["rc"] = run_app(["minicpm-chat"])
print(json.dumps(seen))
"""


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(home))
    return home


def test_the_window_appears_before_inference_libraries_load(_home: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MINICPM_CHAT_HOME=str(_home))
    done = subprocess.run(
        [sys.executable, "-c", RUN_APP],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"inference_imported_at_show": False, "title": "MiniCPM Chat", "rc": 0}
    assert (_home / "window.ini").is_file()  # geometry saved on close


def test_settings_keeper_saves_changes_and_announces_them(qtbot) -> None:  # type: ignore[no-untyped-def]
    keeper = SettingsKeeper(Settings(), paths.settings_path())
    with qtbot.assertNotEmitted(keeper.settings_changed):
        keeper.apply(Settings())
    changed = Settings(temperature=0.1)
    with qtbot.waitSignal(keeper.settings_changed) as announced:
        keeper.apply(changed)
    assert announced.args == [changed]
    assert load_settings(paths.settings_path()).temperature == 0.1
    assert keeper.current == changed


def test_a_quick_edit_is_announced_at_once_and_saved_once_later(qtbot) -> None:  # type: ignore[no-untyped-def]
    keeper = SettingsKeeper(Settings(), paths.settings_path(), save_delay_ms=50)
    with qtbot.waitSignal(keeper.settings_changed) as announced:
        keeper.edit(Settings(max_new_tokens=20))
    assert announced.args == [Settings(max_new_tokens=20)]
    keeper.edit(Settings(max_new_tokens=204))
    assert keeper.unsaved and not paths.settings_path().exists()  # nothing written while typing
    qtbot.waitUntil(lambda: not keeper.unsaved, timeout=2000)
    assert load_settings(paths.settings_path()).max_new_tokens == 204
    keeper.edit(Settings(max_new_tokens=2048))
    keeper.flush()  # the edit is done (Enter, or closing): saved now
    assert not keeper.unsaved
    assert load_settings(paths.settings_path()).max_new_tokens == 2048


def test_each_settings_change_reaches_the_chat_once(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: a toolbar edit reached the chat, then came back from the keeper through the
    window and reached it a second time."""
    from app.application import build_main_window, build_services
    from engine.backends.scripted import ScriptedBackend, scripted_factory
    from engine.session import Engine

    services = build_services(Engine(backend_factory=scripted_factory(ScriptedBackend())))
    try:
        window = build_main_window(services)
        qtbot.addWidget(window)
        applied: list[object] = []
        services.controller.thinking_changed.connect(lambda *args: applied.append(args))
        window.max_tokens.setValue(300)
        assert len(applied) == 1  # used at once, by the chat
        assert services.controller._settings.max_new_tokens == 300
        window.save_quick_parameters()  # saved: nothing is applied again
        assert load_settings(paths.settings_path()).max_new_tokens == 300
        assert len(applied) == 1
        edited = replace(services.settings.current, temperature=0.3)
        window.settings_edited.emit(edited)  # as the settings dialog's OK does
        assert len(applied) == 2 and services.settings.current == edited
        assert window.temperature.value() == 0.3
    finally:
        services.shutdown()


def test_the_window_quits_by_itself_for_smoke_tests(_home: Path) -> None:
    """QUIT_AFTER_ENV: how the frozen bundle's smoke test (tests/installers) starts the GUI and
    sees it show its window and exit with status 0."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        MINICPM_CHAT_HOME=str(_home),
        MINICPM_CHAT_QUIT_AFTER_MS="500",
    )
    done = subprocess.run(
        [sys.executable, str(REPO / "main.py")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "the window was visible: True" in done.stderr
