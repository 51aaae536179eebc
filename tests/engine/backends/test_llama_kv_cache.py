"""llama.cpp gets the KV cache type and flash attention the policy chooses (engine.kv_cache):
read back from the arguments of a stand-in `Llama`, and from a real load of the starter."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from engine.backends import llama_cpp as backend_module
from engine.backends.llama_cpp import LlamaCppBackend
from engine.loading import load_once
from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model
from engine.session import Engine
from engine.types import GenerationParams, LoadRequest, Message

F16, Q8_0 = 1, 8  # ggml's type numbers


class FakeLlama:
    """Keeps what `Llama(...)` was given."""

    made: list[dict[str, Any]] = []

    def __init__(self, **kwargs: Any) -> None:
        FakeLlama.made.append(kwargs)


@pytest.fixture
def given(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    FakeLlama.made = []
    fake = SimpleNamespace(Llama=FakeLlama, llama_supports_gpu_offload=lambda: False)
    monkeypatch.setattr(backend_module, "import_llama_cpp", lambda: fake)
    return FakeLlama.made


@pytest.fixture(scope="module")
def starter(starter_path: Path) -> ModelInfo:
    return inspect_model(starter_path)


def load(info: ModelInfo, **request: Any) -> LlamaCppBackend:
    backend = LlamaCppBackend()
    backend.load(info, LoadRequest(info.path, "llama", **request))
    return backend


@pytest.mark.parametrize("n_ctx", [4096, 65_536])
def test_auto_keeps_f16_without_flash_attention_on_the_cpu(
    given: list[dict[str, Any]], starter: ModelInfo, n_ctx: int
) -> None:
    backend = load(starter, n_ctx=n_ctx)
    assert (given[0]["type_k"], given[0]["type_v"], given[0]["flash_attn"]) == (F16, F16, False)
    assert (backend.kv_cache, backend.flash_attn, backend.precision) == ("f16", False, "")


def test_q8_0_is_loaded_with_flash_attention_and_shown(
    given: list[dict[str, Any]], starter: ModelInfo
) -> None:
    # Even where flash attention was asked off: llama.cpp refuses a quantized V cache without.
    backend = load(starter, n_ctx=2048, kv_cache="q8_0", flash_attn=False)
    assert (given[0]["type_k"], given[0]["type_v"], given[0]["flash_attn"]) == (Q8_0, Q8_0, True)
    assert (backend.kv_cache, backend.flash_attn, backend.precision) == ("q8_0", True, "KV q8_0")


@pytest.mark.parametrize(
    ("choice", "n_ctx", "expected"),
    [("f16", 131_072, F16), ("q8_0", 2048, Q8_0), ("nonsense", 2048, F16), ("auto", 65536, F16)],
)
def test_an_explicit_choice_is_obeyed_at_any_length(
    given: list[dict[str, Any]], starter: ModelInfo, choice: str, n_ctx: int, expected: int
) -> None:
    load(starter, n_ctx=n_ctx, kv_cache=choice)
    assert (given[0]["type_k"], given[0]["type_v"]) == (expected, expected)


def test_flash_attention_as_asked(given: list[dict[str, Any]], starter: ModelInfo) -> None:
    load(starter, n_ctx=2048, flash_attn=True)
    load(starter, n_ctx=65536, flash_attn=False)
    assert [made["flash_attn"] for made in given] == [True, False]


def test_the_starter_loads_with_a_q8_0_cache_and_answers(starter_path: Path) -> None:
    engine = Engine()
    loaded = load_once(engine, LoadRequest(starter_path, "llama", n_ctx=1024, kv_cache="q8_0"))
    try:
        assert loaded.precision == "KV q8_0"
        params = engine._backend._llm.context_params  # type: ignore[union-attr]
        assert (params.type_k, params.type_v, params.flash_attn_type) == (Q8_0, Q8_0, 1)
        messages = [
            Message("system", "You are a helpful AI assistant."),
            Message("user", "What is the capital of France?"),
        ]
        result = engine.generate(messages, GenerationParams(temperature=0.0, max_new_tokens=16))
        assert "Paris" in result.text
    finally:
        engine.unload()
