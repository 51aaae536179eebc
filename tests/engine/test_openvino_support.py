"""Which GGUF models OpenVINO runs correctly, and the reason in words when it does not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from gguf_factory import write_llama_gguf

from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model
from engine.openvino_support import openvino_can_run


@pytest.mark.parametrize(
    ("weight_type", "ok", "words"),
    [
        ("Q8_0", True, ""),
        ("Q4_0", True, ""),
        # GenAI's reader gets Q4_1 wrong, but for llama GGUFs the app rebuilds the model exactly
        ("Q4_1", True, ""),
        ("F32", False, "OpenVINO cannot use F32 weight matrices; use llama.cpp"),
        ("BF16", False, "OpenVINO cannot use BF16 weight matrices; use llama.cpp"),
    ],
)
def test_openvino_weight_types(tmp_path: Path, weight_type: str, ok: bool, words: str) -> None:
    info = inspect_model(write_llama_gguf(tmp_path / "m.gguf", weight_type=weight_type))
    assert info.quantization == weight_type
    assert openvino_can_run(info) == (ok, words)


def test_only_llama_ggufs_are_rebuilt_exactly(tmp_path: Path) -> None:
    llama = inspect_model(write_llama_gguf(tmp_path / "m.gguf", weight_type="Q4_1"))
    qwen = replace(llama, architecture="qwen2")
    assert openvino_can_run(qwen) == (
        False,
        "OpenVINO computes Q4_1 weights inaccurately; use llama.cpp",
    )
    q5_k = replace(llama, extra={**llama.extra, "matrix_tensor_types": ["Q5_K", "Q6_K"]})
    assert openvino_can_run(q5_k) == (False, "OpenVINO cannot load Q5_K weights; use llama.cpp")
    rope_freqs = replace(
        llama, extra={**llama.extra, "rope_factor_tensors": ("rope_freqs.weight",)}
    )
    assert openvino_can_run(rope_freqs) == (True, "")  # the rebuilt graph applies them


def test_openvino_refuses_rope_scaling(tmp_path: Path) -> None:
    path = write_llama_gguf(
        tmp_path / "yarn.gguf",
        extra_kv={"llama.rope.scaling.type": "yarn", "llama.rope.scaling.factor": 4.0},
    )
    info = inspect_model(path)
    assert info.rope_scaling == {"type": "yarn", "factor": 4.0}
    ok, reason = openvino_can_run(info)
    assert not ok and "RoPE scaling" in reason


def test_model_info_built_by_hand() -> None:
    # Other modules' tests build ModelInfo directly; only four fields are required.
    info = ModelInfo(path=Path("m.gguf"), format="gguf", name="m", architecture="qwen2",
                     tokenizer_model="gpt2", tensor_types=frozenset({"Q4_K", "F32"}))  # fmt: skip
    assert openvino_can_run(info) == (
        False,
        "OpenVINO computes Q4_K weights inaccurately; use llama.cpp",
    )
