"""A GGUF model described from its header: names, tokens, quantization, MiniCPM, thinking."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from gguf_factory import THINKING_TEMPLATE, write_llama_gguf

from engine.model_inspection import inspect_model
from engine.openvino_support import openvino_can_run


def test_tiny_llama(tiny_llama_gguf: Path) -> None:
    info = inspect_model(tiny_llama_gguf)
    assert info.format == "gguf"
    assert info.name == "Tiny Llama Test"
    assert info.architecture == "llama"
    assert info.context_length == 2048
    assert info.tokenizer_model == "gpt2"
    assert info.quantization == "F16"
    assert info.tensor_types == frozenset({"F16", "F32"})
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    assert (info.bos_token, info.bos_token_id) == ("<|im_start|>", 1)
    assert (info.eos_token, info.eos_token_id) == ("<|im_end|>", 2)
    assert info.add_bos_token is False
    assert info.size_bytes == tiny_llama_gguf.stat().st_size
    assert info.is_minicpm is False and info.minicpm_version is None
    assert info.supports_thinking is False
    assert info.rope_scaling is None and info.sparse_config is None
    assert info.extra["n_layers"] == 2
    assert openvino_can_run(info) == (True, "")


def test_parameter_count_sums_every_tensor(tiny_llama_gguf: Path) -> None:
    info = inspect_model(tiny_llama_gguf)
    n_vocab, n_embd, n_ff, kv_dim = 409, 64, 128, 32
    per_layer = 2 * n_embd + 2 * n_embd * n_embd + 2 * kv_dim * n_embd + 3 * n_ff * n_embd
    assert info.parameter_count == 2 * n_vocab * n_embd + n_embd + 2 * per_layer


def test_minicpm(minicpm_gguf: Path) -> None:
    info = inspect_model(minicpm_gguf)
    assert info.architecture == "minicpm"
    assert info.is_minicpm is True
    assert info.minicpm_version == "4.1"
    assert info.context_length == 32768
    assert info.tokenizer_model == "llama"
    assert (info.bos_token, info.eos_token) == ("<s>", "<|im_end|>")
    assert info.add_bos_token is True
    assert info.supports_thinking is True
    assert info.chat_template == THINKING_TEMPLATE
    assert info.rope_scaling == {"type": "longrope"}
    assert info.extra["rope_factor_tensors"] == (
        "rope_factors_long.weight",
        "rope_factors_short.weight",
    )
    assert info.extra["embedding_scale"] == 12.0
    assert math.isclose(float(info.extra["residual_scale"]), 1.4 / math.sqrt(4), rel_tol=1e-6)  # type: ignore[arg-type]
    assert info.extra["logit_scale"] == 0.5  # hidden_size / dim_model_base = 128 / 256
    ok, reason = openvino_can_run(info)
    assert not ok
    assert reason == "OpenVINO cannot read GGUF architecture 'minicpm'; use llama.cpp"


def test_quantization_without_file_type_is_the_dominant_matrix_type(tmp_path: Path) -> None:
    path = write_llama_gguf(tmp_path / "m.gguf", weight_type="Q8_0", write_file_type=False)
    assert inspect_model(path).quantization == "Q8_0"


@pytest.mark.parametrize(
    ("name", "version"),
    [("MiniCPM5-1B", "5"), ("MiniCPM4.1-8B", "4.1"), ("MiniCPM4-0.5B", "4"), ("MiniCPM-2B", None)],
)
def test_minicpm_by_name(tmp_path: Path, name: str, version: str | None) -> None:
    # MiniCPM5 ships as a plain llama GGUF: only its name says it is MiniCPM.
    info = inspect_model(write_llama_gguf(tmp_path / "m.gguf", name=name))
    assert info.is_minicpm is True
    assert info.minicpm_version == version
    assert openvino_can_run(info) == (True, "")


def test_thinking_template_detected(tmp_path: Path) -> None:
    path = write_llama_gguf(tmp_path / "m.gguf", chat_template=THINKING_TEMPLATE)
    assert inspect_model(path).supports_thinking is True
    assert (
        inspect_model(write_llama_gguf(tmp_path / "n.gguf", chat_template=None)).chat_template
        is None
    )


def test_starter_model(starter_model: Path) -> None:
    info = inspect_model(starter_model)
    assert info.architecture == "llama"
    assert info.tokenizer_model == "gpt2"
    assert info.quantization == "Q4_1"
    assert info.context_length == 8192
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    assert info.eos_token == "<|im_end|>"
    assert info.parameter_count == 134_515_008
    # GenAI's reader computes Q4_1 wrongly; the app rebuilds llama models exactly.
    assert openvino_can_run(info) == (True, "")
