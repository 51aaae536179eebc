"""llama.cpp through llama-cpp-python: MiniCPM architecture, bad files, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import (
    ContextOverflowError,
    CorruptModelError,
    ModelNotFoundError,
    NotAModelError,
    OutOfMemoryError,
)
from engine.loading import load_once
from engine.session import Engine
from engine.types import GenerationParams, LoadRequest, Message


@pytest.mark.slow
def test_minicpm_architecture_loads_and_generates(minicpm_gguf: Path) -> None:
    engine = Engine()
    loaded = load_once(engine, LoadRequest(minicpm_gguf, n_ctx=256))
    try:
        assert loaded.backend == "llama"
        assert loaded.info.architecture == "minicpm"
        assert loaded.info.is_minicpm
        assert loaded.supports_thinking
        params = GenerationParams(temperature=0.0, max_new_tokens=8, enable_thinking=False)
        result = engine.generate([Message("user", "hello")], params)
        assert result.stats.generated_tokens > 0
        assert result.stats.backend == "llama.cpp"
    finally:
        engine.unload()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError):
        Engine().load(LoadRequest(tmp_path / "nope.gguf", "llama"))


def test_not_a_model(tmp_path: Path) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("just some notes")
    with pytest.raises(NotAModelError):
        Engine().load(LoadRequest(text, "llama"))


def test_truncated_model_never_reaches_llama_cpp(starter_path: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.gguf"
    with starter_path.open("rb") as src:
        cut.write_bytes(src.read(5_000_000))
    with pytest.raises(CorruptModelError, match="truncated|incomplete"):
        Engine(backend_factory=_refuse).load(LoadRequest(cut, "llama"))


def _refuse(name: str):  # type: ignore[no-untyped-def]
    raise AssertionError("a broken file must be refused before any backend is created")


@pytest.mark.slow
def test_prompt_longer_than_the_context(starter_path: Path) -> None:
    engine = Engine()
    engine.load(LoadRequest(starter_path, "llama", n_ctx=64))
    try:
        with pytest.raises(ContextOverflowError, match="does not fit the 64-token context"):
            engine.generate([Message("user", "word " * 200)], GenerationParams())
    finally:
        engine.unload()


@pytest.mark.slow
def test_context_too_large_for_memory_is_a_clear_error(starter_path: Path) -> None:
    with pytest.raises(OutOfMemoryError, match="Not enough memory"):
        Engine().load(LoadRequest(starter_path, "llama", n_ctx=2**24))


def test_the_portable_build_computes_the_same_on_every_x86_64_cpu(starter_path: Path) -> None:
    """The Makefile builds llama.cpp for AVX2 with no runtime kernel choice: no AVX-512 or
    AMX kernels that a newer CPU would pick, so every AVX2 CPU runs the same code. And ggml
    gives each output to one thread, summing in a fixed order: the thread count (the CPU's
    core count by default) does not change a logit either, in prefill or in decode."""
    import numpy as np
    from llama_cpp import Llama, llama_print_system_info

    features = llama_print_system_info().decode()
    assert "AVX2 = 1" in features
    assert "AVX512" not in features and "AMX" not in features
    prompt = "The capital of France is Paris. 你好，世界！def f(n): return n"

    def logits(threads: int) -> np.ndarray:
        llm = Llama(
            str(starter_path),
            n_ctx=256,
            logits_all=True,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
        tokens = llm.tokenize(prompt.encode("utf-8"))
        llm.eval(tokens[:-4])
        for token in tokens[-4:]:  # decode steps too
            llm.eval([token])
        scores = np.array(llm.scores[: len(tokens)])
        llm.close()  # type: ignore[no-untyped-call]
        return scores

    np.testing.assert_array_equal(logits(1), logits(2))


@pytest.mark.parametrize("seed", [-1, 2**64 + 5])
def test_any_whole_number_is_a_seed(llama_engine: Engine, seed: int) -> None:
    params = GenerationParams(temperature=0.8, max_new_tokens=4, seed=seed)
    result = llama_engine.generate([Message("user", "Hello")], params)
    assert result.stats.generated_tokens > 0
