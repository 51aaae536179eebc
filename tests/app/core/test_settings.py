"""The settings schema: the OpenVINO precision a person chose reaches the engine."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.settings import Settings, load_settings, save_settings
from engine.types import AUTO, BackendName, LoadRequest


def test_the_precision_choice_is_saved_and_reaches_the_load_request(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert Settings().openvino_precision == "auto"
    save_settings(Settings(openvino_precision="bf16"), path)
    loaded = load_settings(path)
    assert loaded.openvino_precision == "bf16"
    assert loaded.load_request(tmp_path / "m.gguf").precision == "bf16"


def test_a_hand_edited_precision_the_engine_does_not_know_loads_as_automatic(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "openvino_precision": "fp8"}), encoding="utf-8")
    assert load_settings(path).load_request(tmp_path / "m.gguf").precision == "auto"


def test_the_load_request_is_built_once_from_the_settings(tmp_path: Path) -> None:
    """Every load-time setting reaches the engine's request; stored names stay as they were."""
    settings = Settings(
        backend="openvino",
        device="GPU",
        context_length=8192,
        cpu_threads=6,
        gpu_layers=0,
        openvino_precision="f32",
    )
    request = settings.load_request(tmp_path / "m.gguf")
    assert request == LoadRequest(
        tmp_path / "m.gguf",
        BackendName.OPENVINO,
        device="GPU",
        n_ctx=8192,
        n_threads=6,
        n_gpu_layers=0,
        precision="f32",
        cache_dir=request.cache_dir,
    )
    assert request.cache_dir is not None and request.cache_dir.endswith("openvino")
    # "auto" and a hand-edited name the engine does not know both leave the choice to the plan.
    assert Settings().load_request(tmp_path / "m.gguf").backend == AUTO
    assert Settings(backend="vulkan").load_request(tmp_path / "m.gguf").backend == AUTO
