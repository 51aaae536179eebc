"""Engine.render / prompt_tokens / message_tokens and LoadedModel for a model on a server,
whose template and tokenizer are the server's: plain rendering and estimates. Fast: a scripted
server on 127.0.0.1 answers the load."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "backends"))  # the shared server helpers
from remote_servers import SCRIPTED_MODEL, ScriptedServer  # noqa: E402

from engine.backends.remote import estimate_tokens, render_plain  # noqa: E402
from engine.session import Engine  # noqa: E402
from engine.types import (  # noqa: E402
    BackendName,
    GenerationParams,
    LoadRequest,
    Message,
    RemoteModel,
)

MESSAGES = [
    Message("system", "You are a helpful AI assistant."),
    Message("user", "What is the capital of France?"),
    Message("assistant", "Paris."),
    Message("user", "北京呢？"),
]


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    served = ScriptedServer()
    served.start()
    try:
        yield served
    finally:
        served.close()


def load(server: ScriptedServer, **options: str) -> Engine:
    engine = Engine()
    remote = RemoteModel(base_url=server.base_url, model=SCRIPTED_MODEL, **options)  # type: ignore[arg-type]
    engine.load(LoadRequest(model=Path("label"), backend=BackendName.REMOTE, remote=remote))
    return engine


def test_loaded_model_fields(server: ScriptedServer) -> None:
    engine = load(server)
    loaded = engine.loaded
    assert loaded is not None
    assert loaded.backend == "remote"
    assert loaded.supports_thinking is True
    assert loaded.device == f"127.0.0.1:{server.port}"
    assert loaded.context_length == 8192 == engine.context_length
    assert loaded.info.name == SCRIPTED_MODEL
    assert loaded.info.format == "remote"


def test_device_is_the_server_name_when_given(server: ScriptedServer) -> None:
    loaded = load(server, server_name="GPU box").loaded
    assert loaded is not None and loaded.device == "GPU box"


def test_context_falls_back_to_the_request_without_a_listed_length(
    server: ScriptedServer,
) -> None:
    server.models = [{"id": SCRIPTED_MODEL, "object": "model"}]
    assert load(server).context_length == 4096  # LoadRequest's n_ctx


def test_render_is_the_plain_conversation(server: ScriptedServer) -> None:
    engine = load(server)
    rendered = engine.render(MESSAGES, GenerationParams(enable_thinking=True))
    assert rendered.text == render_plain(MESSAGES)
    assert "user: What is the capital of France?" in rendered.text


def test_prompt_tokens_are_an_estimate(server: ScriptedServer) -> None:
    engine = load(server)
    count = engine.prompt_tokens(MESSAGES, GenerationParams())
    assert count == estimate_tokens(render_plain(MESSAGES)) > 0
    assert engine.count_tokens("北京呢？") == 4  # one per non-ASCII character
    assert engine.count_tokens("abcdefgh") == 2  # one per four ASCII characters


def test_message_tokens_add_up_to_the_prompt(server: ScriptedServer) -> None:
    engine = load(server)
    params = GenerationParams()
    counts = engine.message_tokens(MESSAGES, params)
    assert len(counts) == len(MESSAGES)
    assert sum(counts) == engine.prompt_tokens(MESSAGES, params)
    assert all(count > 0 for count in counts)
    assert counts[3] < counts[1]  # a short question counts less than a long one


def test_render_and_counts_need_no_request_to_the_server(server: ScriptedServer) -> None:
    engine = load(server)
    before = len(server.received)
    engine.render(MESSAGES, GenerationParams())
    engine.prompt_tokens(MESSAGES, GenerationParams())
    engine.message_tokens(MESSAGES, GenerationParams())
    assert len(server.received) == before


def test_unload_forgets_the_remote_model(server: ScriptedServer) -> None:
    engine = load(server)
    engine.unload()
    assert engine.loaded is None
