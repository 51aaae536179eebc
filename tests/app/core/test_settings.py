"""The settings schema: the OpenVINO precision a person chose reaches the engine."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.settings import Settings, load_settings, save_settings


def test_the_precision_choice_is_saved_and_reaches_the_load_options(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert Settings().openvino_precision == "auto"
    save_settings(Settings(openvino_precision="bf16"), path)
    loaded = load_settings(path)
    assert loaded.openvino_precision == "bf16"
    assert loaded.load_options().precision == "bf16"


def test_a_hand_edited_precision_the_engine_does_not_know_loads_as_automatic(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "openvino_precision": "fp8"}), encoding="utf-8")
    assert load_settings(path).load_options().precision == "auto"
