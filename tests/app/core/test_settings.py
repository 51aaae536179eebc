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


# -- remote servers (issue 20) -------------------------------------------------------------


def test_servers_round_trip_through_save_and_load(tmp_path: Path) -> None:
    from app.core.settings import ServerSettings, remote_model_name

    servers = (
        ServerSettings("gpu box", "http://gpu-box:8000/v1", kind="vllm"),
        ServerSettings(
            "ollama",
            "http://127.0.0.1:11434/v1",
            kind="ollama",
            connect_timeout_s=3.5,
            read_timeout_s=1200.0,
            thinking_suffix=True,
        ),
    )
    settings = Settings(servers=servers, model=remote_model_name("ollama", "qwen3:8b"))
    path = tmp_path / "settings.json"
    save_settings(settings, path)
    loaded = load_settings(path)
    assert loaded == settings
    assert loaded.server("ollama") == servers[1]
    assert loaded.server("nope") is None
    assert "api_key" not in path.read_text(encoding="utf-8")


def test_hand_edited_bad_servers_are_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    good = {"name": "gpu", "base_url": "http://gpu:8000/v1", "kind": "sglang"}
    raw = {
        "version": 1,
        "servers": [
            good,
            "not a dict",
            {"name": "", "base_url": "http://x/v1"},
            {"name": "a/b", "base_url": "http://x/v1"},
            {"name": "no url"},
            {"name": 7, "base_url": "http://x/v1"},
            {**good, "base_url": "http://duplicate/v1"},  # a second "gpu": the first wins
            {
                "name": "odd",
                "base_url": "http://odd/v1",
                "kind": "something new",
                "connect_timeout_s": -1,
                "read_timeout_s": True,
                "thinking_suffix": "yes",
            },
        ],
    }
    path.write_text(json.dumps(raw), encoding="utf-8")
    servers = load_settings(path).servers
    assert [s.name for s in servers] == ["gpu", "odd"]
    assert servers[0].kind == "sglang" and servers[0].base_url == "http://gpu:8000/v1"
    odd = servers[1]
    assert (odd.kind, odd.connect_timeout_s, odd.read_timeout_s, odd.thinking_suffix) == (
        "other",
        10.0,
        600.0,
        False,
    )
    path.write_text(json.dumps({"version": 1, "servers": {"gpu": good}}), encoding="utf-8")
    assert load_settings(path).servers == ()


def test_a_remote_model_name_keeps_the_slashes_of_its_id() -> None:
    from app.core.settings import parse_remote_model_name, remote_model_name

    name = remote_model_name("gpu", "openbmb/MiniCPM4.1-8B")
    assert name == "remote://gpu/openbmb/MiniCPM4.1-8B"
    assert parse_remote_model_name(name) == ("gpu", "openbmb/MiniCPM4.1-8B")
    for local in (None, "", "SmolLM2-135M-Instruct.Q4_1", "remote://", "remote://gpu/"):
        assert parse_remote_model_name(local) is None
