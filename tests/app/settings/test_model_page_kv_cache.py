"""Settings -> Model offers llama.cpp's KV cache (issue 18): loaded, applied, explained, and
off for OpenVINO, whose cache stays f16."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core import paths
from app.core.models.store import ModelStore
from app.core.settings import Settings
from app.settings.model_page import ModelPage
from resources import bundled_models_dir


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


def make_page(qtbot, settings: Settings) -> ModelPage:  # type: ignore[no-untyped-def]
    page = ModelPage(ModelStore(paths.models_dir(), bundled_models_dir()))
    qtbot.addWidget(page)
    page.load(settings)
    return page


@pytest.mark.parametrize("choice", ["auto", "f16", "q8_0"])
def test_the_choice_is_loaded_and_applied(qtbot, choice: str) -> None:  # type: ignore[no-untyped-def]
    page = make_page(qtbot, Settings(kv_cache=choice))
    assert page.kv_cache.currentData() == choice
    assert page.apply(Settings()).kv_cache == choice


def test_another_choice_reaches_the_load_request(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = make_page(qtbot, Settings())
    page.kv_cache.setCurrentIndex(page.kv_cache.findData("q8_0"))
    settings = page.apply(Settings())
    assert settings.load_request(Path("m.gguf")).kv_cache == "q8_0"


def test_a_hand_edited_choice_shows_as_automatic(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = make_page(qtbot, Settings(kv_cache="q4_0"))
    assert page.kv_cache.currentData() == "auto"


def test_the_tooltip_says_what_it_costs_and_when_auto_uses_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = make_page(qtbot, Settings())
    tip = page.kv_cache.toolTip()
    assert "half the memory" in tip and "slower" in tip and "free memory" in tip


def test_only_llama_cpp_has_the_choice(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = make_page(qtbot, Settings(backend="openvino"))
    assert not page.kv_cache.isEnabled()
    page.backend.setCurrentIndex(page.backend.findData("llama"))
    assert page.kv_cache.isEnabled()
    page.backend.setCurrentIndex(page.backend.findData("auto"))
    assert page.kv_cache.isEnabled()
