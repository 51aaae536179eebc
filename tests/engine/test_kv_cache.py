"""The KV cache is sized from the model and the chosen context (issue 18), not a constant."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest

from engine.ir_info import ir_model_info
from engine.kv_cache import (
    FALLBACK_CACHE_GIB,
    RUNTIME_OVERHEAD_BYTES,
    attention_scores_bytes,
    bytes_per_element,
    bytes_per_token_as,
    flash_attention,
    kv_bytes_per_token,
    kv_cache_bytes,
    kv_cache_type,
    load_bytes,
    openvino_cache_gib,
)
from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model
from tests.engine.gguf_factory import write_minicpm_gguf

STARTER = Path(__file__).resolve().parents[2] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"


def shaped(layers: object, kv_heads: object, head_dim: object) -> ModelInfo:
    extra = {"n_layers": layers, "n_kv_heads": kv_heads, "head_dim": head_dim}
    return ModelInfo(Path("m.gguf"), "gguf", "m", "minicpm", extra=MappingProxyType(extra))


def test_the_starter_costs_what_its_shape_says() -> None:
    info = inspect_model(STARTER)
    # 30 layers x 3 KV heads x 64 x (key + value) x 2 bytes (f16).
    assert kv_bytes_per_token(info) == 30 * 3 * 64 * 2 * 2 == 23_040
    assert openvino_cache_gib(info, 8192) == 1  # 189 MB: the smallest whole GiB


def test_an_8b_minicpm_at_64k_tokens_needs_more_than_the_old_gigabyte() -> None:
    # MiniCPM4.1-8B: 32 layers, 2 KV heads of 128: 32 KiB a token at f16.
    info = shaped(32, 2, 128)
    assert kv_bytes_per_token(info) == 32 * 1024
    assert kv_cache_bytes(info, 65_536) == 2 * 1024**3
    assert openvino_cache_gib(info, 65_536) == 3  # 2 GiB + a tenth for paged blocks
    assert openvino_cache_gib(info, 4096) == 1


def test_a_gguf_without_head_count_kv_has_one_kv_head_per_head(tmp_path: Path) -> None:
    path = write_minicpm_gguf(tmp_path / "m.gguf", n_layers=3, n_embd=128, n_heads=4)
    grouped = inspect_model(path)
    assert (grouped.extra["n_kv_heads"], grouped.extra["head_dim"]) == (2, 32)
    plain = write_minicpm_gguf(tmp_path / "p.gguf", n_layers=3, n_embd=128, n_heads=4, n_kv_heads=4)
    assert kv_bytes_per_token(inspect_model(plain)) == 3 * 4 * 32 * 2 * 2


def test_an_ir_folder_says_its_shape_in_config_json(tmp_path: Path) -> None:
    folder = tmp_path / "ir"
    folder.mkdir()
    for name in ("openvino_model", "openvino_tokenizer", "openvino_detokenizer"):
        (folder / f"{name}.xml").write_text("<net/>", encoding="utf-8")
        (folder / f"{name}.bin").write_bytes(b"x")
    config = {
        "model_type": "minicpm",
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 2,
        "hidden_size": 4096,
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    info = ir_model_info(folder)
    assert kv_bytes_per_token(info) == 32 * 2 * 128 * 2 * 2


@pytest.mark.parametrize(
    "shape", [(None, 2, 128), (32, 0, 128), (32, 2, "128"), (True, 2, 128), (32, 2, -1)]
)
def test_a_model_that_does_not_say_its_shape_keeps_the_old_size(shape: tuple[object, ...]) -> None:
    info = shaped(*shape)
    assert kv_bytes_per_token(info) is None
    assert openvino_cache_gib(info, 131_072) == FALLBACK_CACHE_GIB


def test_the_cache_covers_the_whole_context_at_every_length() -> None:
    info = replace(shaped(40, 8, 128), context_length=131_072)
    for n_ctx in (2048, 8192, 32_768, 131_072):
        assert openvino_cache_gib(info, n_ctx) * 1024**3 >= kv_cache_bytes(info, n_ctx)  # type: ignore[operator]


def test_each_element_type_has_its_size() -> None:
    assert bytes_per_element("f16") == 2
    # ggml's q8_0 block: 32 int8 values and one f16 scale.
    assert bytes_per_element("q8_0") == 34 / 32
    with pytest.raises(ValueError, match="q4_0"):
        bytes_per_element("q4_0")


def test_a_q8_0_cache_takes_17_32nds_of_f16() -> None:
    starter = shaped(30, 3, 64)
    assert kv_bytes_per_token(starter, bytes_per_element("q8_0")) == 30 * 3 * 64 * 2 * 34 // 32
    assert kv_bytes_per_token(starter, bytes_per_element("q8_0")) == 12_240
    minicpm_8b = shaped(32, 2, 128)
    assert kv_cache_bytes(minicpm_8b, 65_536, bytes_per_element("q8_0")) == 17 * 1024**3 // 16
    assert bytes_per_token_as(32 * 1024, "q8_0") == 17_408
    assert bytes_per_token_as(32 * 1024, "f16") == 32 * 1024


def test_auto_keeps_f16_and_an_explicit_choice_is_obeyed() -> None:
    # The planner asks for q8_0 where f16 does not fit (tests/engine/test_loading_memory.py).
    assert kv_cache_type("auto", 131_072) == "f16"
    assert kv_cache_type("f16", 131_072) == "f16"
    assert kv_cache_type("q8_0", 512) == "q8_0"
    assert kv_cache_type("q4_0", 512) == "f16"  # a hand edit means "auto"
    # OpenVINO's cache is f16 on every plan (engine.precision), whatever llama.cpp would use.
    assert kv_cache_type("q8_0", 131_072, "openvino") == "f16"


def test_flash_attention_comes_with_a_gpu_or_a_quantized_cache() -> None:
    # On the CPU decoding is faster without it (docs/kv-cache.md): the planner turns it on
    # where memory is short (tests/engine/test_loading_memory.py).
    assert flash_attention(None, "f16", offload=False) is False
    assert flash_attention(None, "f16", offload=True) is True
    assert flash_attention(True, "f16", offload=False) is True
    assert flash_attention(False, "f16", offload=True) is False
    # llama.cpp refuses a quantized V cache without it ("quantized V cache requires
    # flash_attn to be enabled"), so even an explicit "off" gives way.
    assert flash_attention(False, "q8_0", offload=False) is True


def test_without_flash_attention_the_scores_of_a_batch_are_held() -> None:
    # 512 prompt tokens x 32 heads x 4 bytes per context token: 64 KiB, twice the f16 cache.
    plain = shaped(32, 2, 128)
    eight_b = replace(plain, extra=MappingProxyType({**plain.extra, "embedding_length": 4096}))
    assert attention_scores_bytes(eight_b, 16_384) == 16_384 * 64 * 1024 == 1024**3
    assert attention_scores_bytes(plain, 16_384) == 0  # the head count is unknown
    with_flash = load_bytes(eight_b, 8192, "f16")
    assert with_flash is not None
    assert load_bytes(eight_b, 8192, "f16", flash=False) == with_flash + 512 * 1024**2


def test_a_load_takes_weights_cache_and_runtime() -> None:
    info = replace(shaped(32, 2, 128), size_bytes=5 * 10**9)
    assert load_bytes(info, 8192, "f16") == 5 * 10**9 + 32 * 1024 * 8192 + RUNTIME_OVERHEAD_BYTES
    assert load_bytes(info, 8192, "q8_0") == 5 * 10**9 + 17_408 * 8192 + RUNTIME_OVERHEAD_BYTES
    assert load_bytes(shaped(None, 2, 128), 8192, "f16") is None
