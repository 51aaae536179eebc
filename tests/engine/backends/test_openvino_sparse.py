"""Sparse prefill is really on in OpenVINO's pipeline: prompts above the threshold are computed
differently (log-probabilities change), prompts under it exactly as dense attention; the
converted MiniCPM graph gets GenAI's paged attention, and the stats say when it was used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.backends import openvino as openvino_backend
from engine.backends.openvino import OpenVinoBackend
from engine.convert.job import convert_gguf
from engine.model_inspection import inspect_model
from engine.sparse_prefill import AUTO_PLAN, SparsePlan
from engine.types import BackendName, LoadRequest

pytest.importorskip("openvino_genai")

# A small window, so that a few hundred tokens already pass the threshold (96 tokens).
SMALL = SparsePlan(start_tokens=32, recent_tokens=32, last_dense_tokens=32)


@pytest.fixture(scope="module")
def converted(minicpm_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny MiniCPM, converted by the app (its own graph, not GenAI's GGUF reader)."""
    return convert_gguf(minicpm_gguf, tmp_path_factory.mktemp("models"), "tiny-ov", "f16").folder


def _load(folder: Path, choice: str, monkeypatch: pytest.MonkeyPatch) -> OpenVinoBackend:
    if choice != "never":
        monkeypatch.setattr(openvino_backend, "plan_for", lambda _choice: SMALL)
    backend = OpenVinoBackend()
    request = LoadRequest(
        model=folder, backend=BackendName.OPENVINO, n_ctx=2048, sparse_prefill=choice
    )
    backend.load(inspect_model(folder), request)
    return backend


def _scores(backend: OpenVinoBackend, length: int) -> tuple[list[int], float]:
    """Greedy tokens and their log-probability after `length` fixed random prompt tokens."""
    import openvino
    import openvino_genai as genai

    # Seeded by the length: prompts share no prefix, so the prefix cache plays no part.
    ids = np.random.default_rng(length).integers(5, 400, size=(1, length)).astype(np.int64)
    inputs = genai.TokenizedInputs(openvino.Tensor(ids), openvino.Tensor(np.ones_like(ids)))
    config = genai.GenerationConfig()
    config.max_new_tokens = 3
    config.do_sample = False
    config.ignore_eos = True
    config.logprobs = 1
    pipe: Any = backend._pipe
    result = pipe.generate(inputs, config)
    return [int(t) for t in result.tokens[0]], float(result.scores[0])


def test_sparse_prefill_changes_only_prompts_above_the_threshold(
    converted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dense = _load(converted, "never", monkeypatch)
    short_dense, long_dense = _scores(dense, 80), _scores(dense, 600)
    dense.close()
    sparse = _load(converted, "always", monkeypatch)
    assert sparse.sparse_plan == SMALL
    short_sparse, long_sparse = _scores(sparse, 80), _scores(sparse, 600)
    sparse.close()
    assert short_sparse == short_dense  # under the threshold: exactly dense
    assert long_sparse[1] != pytest.approx(long_dense[1], abs=1e-6)  # above it: attention left out


def test_the_pipeline_is_built_with_the_pattern(
    converted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Any] = []
    real = openvino_backend.open_pipeline

    def spy(genai: Any, folder: Path, n_ctx: int, device: str, properties: Any) -> Any:
        built.append(properties["scheduler_config"])
        return real(genai, folder, n_ctx, device, properties)

    monkeypatch.setattr(openvino_backend, "open_pipeline", spy)
    backend = OpenVinoBackend()
    request = LoadRequest(model=converted, backend=BackendName.OPENVINO, n_ctx=2048)
    backend.load(inspect_model(converted), request)
    try:
        config = built[0].sparse_attention_config
        assert built[0].use_sparse_attention
        assert config.num_retained_recent_tokens_in_cache == AUTO_PLAN.recent_tokens
        assert backend.sparse_threshold == AUTO_PLAN.threshold
    finally:
        backend.close()


def test_never_builds_a_dense_pipeline(converted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = _load(converted, "never", monkeypatch)
    try:
        assert backend.sparse_plan is None
        assert backend.sparse_threshold == 0
    finally:
        backend.close()


def test_the_stats_say_when_sparse_prefill_was_used(
    converted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.session import Engine
    from engine.types import GenerationParams, Message

    monkeypatch.setattr(openvino_backend, "plan_for", lambda _choice: SMALL)
    engine = Engine()
    loaded = engine.load(LoadRequest(model=converted, backend=BackendName.OPENVINO, n_ctx=2048))
    assert loaded.sparse_threshold == SMALL.threshold
    params = GenerationParams(temperature=0.0, max_new_tokens=2)
    short = engine.generate([Message("user", "Hi")], params)
    long = engine.generate([Message("user", "hello world " * 150)], params)
    engine.unload()
    assert not short.stats.sparse_prefill
    assert long.stats.prompt_tokens > SMALL.threshold
    assert long.stats.sparse_prefill
