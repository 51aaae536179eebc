"""The settings dialog: pages round-trip the settings, OK saves them and reloads the model."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.application import Services, build_main_window, build_services
from app.core import paths
from app.core.models.store import ModelStore
from app.core.settings import Settings, load_settings
from app.main_window import MainWindow
from app.settings.dialog import SettingsDialog
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.errors import EngineError
from engine.model_info import ModelInfo
from engine.session import Engine
from engine.types import LoadRequest
from resources import bundled_models_dir

STARTER = Path(__file__).resolve().parents[3] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(home))
    return home


def install_copy(name: str) -> Path:
    """A second installed model: the starter under another name (a link, no copy)."""
    path = paths.models_dir() / f"{name}.gguf"
    path.symlink_to(STARTER)
    return path


class PickyBackend(ScriptedBackend):
    """Fails to load any model whose file name starts with "Broken"."""

    def load(self, info: ModelInfo, options: LoadRequest) -> None:
        if info.path.name.startswith("Broken"):
            raise EngineError("this model is broken")
        super().load(info, options)


@pytest.fixture
def make_window(qtbot) -> Iterator[Callable[..., tuple[MainWindow, Services]]]:  # type: ignore[no-untyped-def]
    made: list[Services] = []

    def make(settings: Settings | None = None) -> tuple[MainWindow, Services]:
        backend = PickyBackend(["Hi."])
        services = build_services(Engine(backend_factory=scripted_factory(backend)), settings)
        made.append(services)
        window = build_main_window(services)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        with qtbot.waitSignal(services.client.model_loaded, timeout=5000):
            services.client.load(STARTER)
        return window, services

    yield make
    for services in made:
        services.shutdown()


def ok(dialog: SettingsDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


# -- pages -------------------------------------------------------------------------------------


def test_pages_load_and_apply_round_trip(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    install_copy("Other")
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    settings = Settings(
        model="Other",
        backend="openvino",
        device="GPU",
        context_length=8192,
        cpu_threads=6,
        gpu_layers=12,
        openvino_precision="bf16",
        temperature=0.35,
        top_p=0.8,
        top_k=20,
        repetition_penalty=1.15,
        max_new_tokens=2048,
        seed=42,
        system_prompt="Be brief.",
        thinking=True,
        theme="dark",
        language="zh_CN",
    )
    dialog = SettingsDialog(settings, store, tmp_path)
    qtbot.addWidget(dialog)
    assert dialog.edited_settings() == settings
    assert dialog.model_page.model.currentData() == "Other"
    assert dialog.appearance_page.data_dir.text() == str(tmp_path)
    assert dialog.appearance_page.data_dir.isReadOnly()


def test_fast_bf16_is_offered_only_where_the_cpu_has_it(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = ModelStore(tmp_path, tmp_path)
    settings = Settings(backend="openvino", openvino_precision="bf16")
    dialogs = [SettingsDialog(settings, store, tmp_path, cpu_bf16=bf16) for bf16 in (False, True)]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
    without, with_bf16 = (dialog.model_page for dialog in dialogs)
    fast = without.precision.findData("bf16")
    assert not without.precision.model().item(fast).isEnabled()  # type: ignore[attr-defined]
    assert without.apply(settings).openvino_precision == "auto"  # a stale choice falls back
    assert with_bf16.apply(settings).openvino_precision == "bf16"
    with_bf16.backend.setCurrentIndex(with_bf16.backend.findData("llama"))
    assert not with_bf16.precision.isEnabled()  # llama.cpp has no such switch


def test_a_default_model_stays_the_default_unless_another_is_picked(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    install_copy("Other")
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    dialog = SettingsDialog(Settings(), store, tmp_path)
    qtbot.addWidget(dialog)
    page = dialog.model_page
    assert page.model.currentData() == "SmolLM2-135M-Instruct.Q4_1"  # the starter would load
    assert page.apply(Settings()).model is None
    page.model.setCurrentIndex(page.model.findData("Other"))
    assert page.apply(Settings()).model == "Other"


def test_a_blank_seed_is_random_and_a_number_is_kept(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(Settings(seed=7), ModelStore(tmp_path, tmp_path), tmp_path)
    qtbot.addWidget(dialog)
    page = dialog.generation_page
    page.seed.setText("")
    assert page.apply(Settings(seed=7)).seed is None
    page.seed.setText(" 123 ")
    assert page.apply(Settings()).seed == 123
    page.seed.setText("abc")  # not a number: keeps what was there
    assert page.apply(Settings(seed=7)).seed == 7


# -- in the window -----------------------------------------------------------------------------


def test_ctrl_comma_opens_the_dialog_and_ok_saves_settings_json(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, services = make_window()
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.settings_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.generation_page.temperature.setValue(0.25)
    dialog.generation_page.system_prompt.setPlainText("Answer in French.")
    dialog.appearance_page.language.setCurrentIndex(
        dialog.appearance_page.language.findData("zh_CN")
    )
    ok(dialog, qtbot)
    qtbot.waitUntil(lambda: window.settings_dialog is None)

    saved = json.loads(paths.settings_path().read_text(encoding="utf-8"))
    assert saved["temperature"] == 0.25
    assert saved["system_prompt"] == "Answer in French."
    assert saved["language"] == "zh_CN"
    assert load_settings(paths.settings_path()) == services.settings.current
    assert window.temperature.value() == 0.25  # the toolbar follows
    assert services.controller.settings.system_prompt == "Answer in French."


def test_cancel_changes_nothing(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, services = make_window()
    before = services.settings.current
    dialog = window.open_settings()
    dialog.generation_page.temperature.setValue(1.5)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert services.settings.current == before
    assert not paths.settings_path().exists()


def test_the_settings_action_is_in_the_toolbar(make_window) -> None:  # type: ignore[no-untyped-def]
    window, _services = make_window()
    assert window.settings_action.shortcut().toString() == "Ctrl+,"
    window.settings_action.trigger()
    assert window.settings_dialog is not None
    window.settings_dialog.reject()


def test_picking_another_model_loads_it_on_the_worker(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    other = install_copy("Other")
    window, services = make_window()
    dialog = window.open_settings()
    combo = dialog.model_page.model
    combo.setCurrentIndex(combo.findData("Other"))
    dialog.model_page.context_length.setValue(2048)
    with qtbot.waitSignal(services.client.model_loaded, timeout=5000) as loaded:
        ok(dialog, qtbot)
        # The GUI stays usable while it loads: the composer takes text.
        qtbot.keyClicks(window.chat.composer.edit, "still typing")
    assert loaded.args[1].info.path == other
    assert services.settings.current.model == "Other"
    assert load_settings(paths.settings_path()).model == "Other"
    assert window.model_label.text() == "Other"
    assert window.chat.composer.edit.toPlainText() == "still typing"


def test_settings_that_do_not_touch_loading_do_not_reload(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, services = make_window()
    started: list[int] = []
    services.client.load_started.connect(lambda request_id, _name: started.append(request_id))
    services.settings.apply(replace(services.settings.current, temperature=0.1, theme="light"))
    qtbot.wait(100)
    assert started == []
    assert services.client.loaded_model is not None


def test_changing_the_precision_reloads_the_model_with_it(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, services = make_window()
    dialog = window.open_settings()
    combo = dialog.model_page.precision
    combo.setCurrentIndex(combo.findData("f32"))
    with qtbot.waitSignal(services.client.model_loaded, timeout=5000):
        ok(dialog, qtbot)
    assert services.settings.current.openvino_precision == "f32"
    assert services.settings.current.load_request(STARTER).precision == "f32"


def test_a_model_that_fails_to_load_brings_the_previous_one_back(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    install_copy("Broken")
    window, services = make_window()
    dialog = window.open_settings()
    combo = dialog.model_page.model
    combo.setCurrentIndex(combo.findData("Broken"))
    with qtbot.waitSignal(services.client.load_failed, timeout=5000):
        ok(dialog, qtbot)
    with qtbot.waitSignal(services.client.model_loaded, timeout=5000) as loaded:
        pass
    assert loaded.args[1].info.path == STARTER
    assert services.settings.current.model is None  # back to what loaded before
    assert load_settings(paths.settings_path()).model is None
    assert window.chat.banner.isVisible()
    assert "this model is broken" in window.chat.banner.text()
    assert window.model_label.text() == "SmolLM2-135M-Instruct.Q4_1"
