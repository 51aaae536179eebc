"""The KV cache choice (issue 18) is saved, read back and reaches llama.cpp's load request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.settings import Settings, load_settings, save_settings


@pytest.mark.parametrize("choice", ["auto", "f16", "q8_0"])
def test_the_kv_cache_choice_round_trips_into_the_load_request(tmp_path: Path, choice: str) -> None:
    path = tmp_path / "settings.json"
    save_settings(Settings(kv_cache=choice), path)
    loaded = load_settings(path)
    assert loaded.kv_cache == choice
    assert loaded.load_request(tmp_path / "m.gguf").kv_cache == choice


def test_automatic_is_the_default() -> None:
    assert Settings().kv_cache == "auto"
    assert Settings().load_request(Path("m.gguf")).kv_cache == "auto"


@pytest.mark.parametrize("edited", ["q4_0", "Q8_0", "", 8, None])
def test_a_hand_edited_cache_type_loads_as_automatic(tmp_path: Path, edited: object) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "kv_cache": edited}), encoding="utf-8")
    assert load_settings(path).load_request(tmp_path / "m.gguf").kv_cache == "auto"
