"""The remote backend through the Engine against real servers running the starter model:
`python -m llama_cpp.server`, and the app's own API (`python main.py serve`) once it exists.
`RealServerChecks` is the suite; each subclass names the server fixture it runs against."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from remote_servers import ServedModel

from engine.backends.remote import estimate_tokens, make_client, render_plain
from engine.reasoning import TextPiece
from engine.session import Engine
from engine.types import (
    BackendName,
    GenerationParams,
    LoadRequest,
    Message,
    RemoteModel,
    ServerKind,
)

pytestmark = pytest.mark.slow

SYSTEM = Message("system", "You are a helpful AI assistant.")
QUESTION = [SYSTEM, Message("user", "What is the capital of France?")]
GREEDY = GenerationParams(temperature=0.0, max_new_tokens=48, enable_thinking=False, seed=1)


def load(served: ServedModel, kind: ServerKind = ServerKind.OTHER) -> Engine:
    engine = Engine()
    remote = RemoteModel(base_url=served.base_url, model=served.model, kind=kind)
    engine.load(LoadRequest(model=Path(served.model), backend=BackendName.REMOTE, remote=remote))
    return engine


class RealServerChecks:
    """What every OpenAI-compatible server running the starter must do for the app. A
    subclass provides `served` (the running server) and `kind`."""

    kind = ServerKind.OTHER

    @pytest.fixture
    def engine(self, served: ServedModel) -> Iterator[Engine]:
        engine = load(served, self.kind)
        try:
            yield engine
        finally:
            engine.unload()

    def test_loaded_model_names_the_server(self, engine: Engine, served: ServedModel) -> None:
        assert engine.loaded is not None
        assert engine.loaded.backend == "remote"
        assert engine.loaded.device == urlsplit(served.base_url).netloc
        assert engine.loaded.context_length > 0

    def test_streamed_answer_says_paris(self, engine: Engine) -> None:
        pieces: list[TextPiece] = []
        result = engine.generate(QUESTION, GREEDY, pieces.append)
        assert "Paris" in result.text
        assert len(pieces) > 1  # streamed, not one block
        assert "".join(p.text for p in pieces if p.channel == "answer").strip() == result.text
        assert result.stats.finish_reason == "stop"
        assert result.stats.generated_tokens > 0
        assert result.stats.prompt_tokens > 0

    def test_stop_string_ends_the_text_before_it(self, engine: Engine) -> None:
        plain = engine.generate(QUESTION, GREEDY)
        assert "Paris" in plain.text
        result = engine.generate(QUESTION, GenerationParams(
            temperature=0.0, max_new_tokens=48, enable_thinking=False, stop=("Paris",)
        ))  # fmt: skip
        assert "Paris" not in result.text
        assert plain.text.startswith(result.text)
        assert result.stats.finish_reason == "stop"

    def test_stop_mid_answer(self, engine: Engine) -> None:
        long = [SYSTEM, Message("user", "Write a long story about a dragon and a knight.")]
        params = GenerationParams(temperature=0.0, max_new_tokens=1500, enable_thinking=False)
        first = threading.Event()
        pieces: list[TextPiece] = []

        def on_piece(piece: TextPiece) -> None:
            pieces.append(piece)
            first.set()

        def stop_after_first_piece() -> None:
            if first.wait(timeout=60):
                engine.stop()

        stopper = threading.Thread(target=stop_after_first_piece, daemon=True)
        stopper.start()
        result = engine.generate(long, params, on_piece)
        stopper.join(timeout=10)
        assert result.stats.finish_reason == "stopped"
        assert result.stats.generated_tokens < 1500
        assert pieces

    def test_engine_answers_again_after_a_stop(self, engine: Engine) -> None:
        assert "Paris" in engine.generate(QUESTION, GREEDY).text

    def test_max_new_tokens_ends_with_length(self, engine: Engine) -> None:
        params = GenerationParams(temperature=0.0, max_new_tokens=3, enable_thinking=False)
        result = engine.generate(QUESTION, params)
        assert result.stats.finish_reason == "length"
        assert result.text


class TestLlamaCppServer(RealServerChecks):
    @pytest.fixture
    def served(self, llama_cpp_server: ServedModel) -> ServedModel:
        return llama_cpp_server

    def test_usage_is_absent_so_tokens_are_counted_here(
        self, engine: Engine, served: ServedModel
    ) -> None:
        # llama_cpp.server ignores stream_options.include_usage (checked on the raw stream):
        # the prompt is then estimated from the plain conversation, the answer counted per piece.
        client = make_client(RemoteModel(base_url=served.base_url, model=served.model))
        raw = client.chat.completions.create(
            model=served.model, messages=[{"role": m.role, "content": m.content} for m in QUESTION],
            max_tokens=8, temperature=0.0, stream=True, stream_options={"include_usage": True},
        )  # fmt: skip
        assert all(getattr(chunk, "usage", None) is None for chunk in raw)
        client.close()
        result = engine.generate(QUESTION, GREEDY)
        assert result.stats.prompt_tokens == estimate_tokens(render_plain(QUESTION))
        assert 0 < result.stats.generated_tokens <= GREEDY.max_new_tokens


class TestAppApiServer(RealServerChecks):
    @pytest.fixture
    def served(self, app_api_server: ServedModel) -> ServedModel:
        return app_api_server
