"""The Settings → Model page keeps only the load choices; models are managed in the Models
window, which its "Manage models…" button asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from app.application import build_main_window, build_services
from app.core import paths
from app.core.models.store import ModelStore
from app.core.settings import Settings
from app.settings.model_page import ModelPage
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.session import Engine
from resources import bundled_models_dir


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


def make_page(qtbot) -> ModelPage:  # type: ignore[no-untyped-def]
    page = ModelPage(ModelStore(paths.models_dir(), bundled_models_dir()))
    qtbot.addWidget(page)
    page.load(Settings())
    return page


def test_the_page_has_no_import_delete_or_convert(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = make_page(qtbot)
    for gone in ("import_button", "delete_button", "prepare_button", "import_model"):
        assert not hasattr(page, gone), gone
    buttons = {button.objectName() for button in page.findChildren(QPushButton)}
    assert buttons == {"manageModelsButton"}
    assert page.model.currentData() == "SmolLM2-135M-Instruct.Q4_1"


def test_manage_models_asks_for_the_models_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = make_page(qtbot)
    with qtbot.waitSignal(page.models_window_requested):
        qtbot.mouseClick(page.manage_button, Qt.MouseButton.LeftButton)


def test_the_dialogs_manage_models_opens_the_models_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    services = build_services(Engine(backend_factory=scripted_factory(ScriptedBackend())))
    try:
        window = build_main_window(services)
        qtbot.addWidget(window)
        dialog = window.open_settings()
        qtbot.mouseClick(dialog.model_page.manage_button, Qt.MouseButton.LeftButton)
        models = window.models_window
        assert models is not None and models.isVisible()
        assert models.windowTitle() == "Models"
        assert models.tabs.currentWidget() is models.installed
        assert models.panel is not None  # the catalog and the downloads, in the same window
        dialog.reject()
    finally:
        services.shutdown()
