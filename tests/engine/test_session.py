"""The engine on the real starter model, through both real backends."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.loading import load_once
from engine.reasoning import TextPiece
from engine.session import Engine
from engine.types import GenerationParams, LoadRequest, Message
from tests.conftest import FRANCE

SYSTEM = Message("system", "You are a helpful AI assistant.")
GREEDY = GenerationParams(temperature=0.0, max_new_tokens=24)
BACKENDS = ["llama_engine", "openvino_engine"]


def ask(question: str) -> list[Message]:
    return [SYSTEM, Message("user", question)]


@pytest.mark.slow
@pytest.mark.parametrize("fixture", BACKENDS)
def test_both_backends_answer_paris(fixture: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue(fixture)
    pieces: list[TextPiece] = []
    result = engine.generate(ask(FRANCE), GREEDY, pieces.append)
    assert "Paris" in result.text
    assert "".join(p.text for p in pieces).strip() == result.text
    stats = result.stats
    assert stats.finish_reason == "stop"
    assert stats.prompt_tokens > 10 and stats.generated_tokens > 0
    assert stats.time_to_first_token_s > 0
    assert stats.backend == ("llama.cpp" if fixture == "llama_engine" else "openvino")
    assert stats.device == "CPU"
    assert "<|im_end|>" not in result.text


@pytest.mark.slow
def test_both_backends_get_identical_prompts_and_tokens(
    llama_engine: Engine, openvino_engine: Engine
) -> None:
    messages = [SYSTEM, Message("user", "你好! Write `code` please.\n  indented")]
    params = GenerationParams()
    llama_prompt = llama_engine.render(messages, params).text
    openvino_prompt = openvino_engine.render(messages, params).text
    assert llama_prompt == openvino_prompt
    llama_ids = llama_engine._backend._tokenize(llama_prompt)  # type: ignore[union-attr]
    openvino_ids = openvino_engine._backend._encode(openvino_prompt)  # type: ignore[union-attr]
    assert llama_ids == openvino_ids


@pytest.mark.slow
@pytest.mark.parametrize("fixture", BACKENDS)
def test_stop_mid_stream_keeps_the_partial_answer(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    engine: Engine = request.getfixturevalue(fixture)
    seen: list[str] = []
    stopped_after: list[int] = []

    def on_piece(piece: TextPiece) -> None:
        seen.append(piece.text)
        if len(seen) == 5:
            # Stop from another thread, as the GUI does.
            thread = threading.Thread(target=engine.stop)
            thread.start()
            thread.join()
            stopped_after.append(len(seen))

    params = GenerationParams(temperature=0.0, max_new_tokens=200)
    result = engine.generate(ask("Tell me a long story about a dragon."), params, on_piece)
    assert result.stats.finish_reason == "stopped"
    assert result.text and result.text == "".join(seen).strip()
    # It takes effect at the next token: at most one more piece shows after the stop.
    assert len(seen) <= stopped_after[0] + 1
    assert result.stats.generated_tokens < 20


@pytest.mark.slow
def test_llama_second_turn_reuses_the_cache(llama_engine: Engine) -> None:
    first = llama_engine.generate(ask(FRANCE), GREEDY)
    follow_up = ask(FRANCE) + [
        Message("assistant", first.text),
        Message("user", "And of Germany?"),
    ]
    second = llama_engine.generate(follow_up, GREEDY)
    assert second.stats.cached_tokens >= first.stats.prompt_tokens
    assert second.stats.prompt_tokens - second.stats.cached_tokens < 20


@pytest.mark.slow
def test_openvino_second_turn_reuses_the_prefix_cache(openvino_engine: Engine) -> None:
    long_question = "Summarize this: " + " ".join(f"Fact {i} is true." for i in range(250))
    params = GenerationParams(temperature=0.0, max_new_tokens=4)
    openvino_engine.generate(ask("Warm up."), params)
    first = openvino_engine.generate(ask(long_question), params)
    follow_up = ask(long_question) + [
        Message("assistant", first.text),
        Message("user", "Shorter."),
    ]
    second = openvino_engine.generate(follow_up, params)
    assert first.stats.prompt_tokens > 1000
    assert second.stats.cached_tokens >= first.stats.prompt_tokens
    # Prefill of >1,000 tokens against a few new ones: the cached turn starts far sooner.
    assert second.stats.time_to_first_token_s < first.stats.time_to_first_token_s / 2


@pytest.mark.slow
@pytest.mark.parametrize("fixture", BACKENDS)
def test_max_tokens_gives_finish_reason_length(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    engine: Engine = request.getfixturevalue(fixture)
    params = GenerationParams(temperature=0.0, max_new_tokens=3)
    result = engine.generate(ask("Tell me a long story."), params)
    assert result.stats.finish_reason == "length"
    assert result.stats.generated_tokens == 3


@pytest.mark.slow
def test_seeded_sampling_is_repeatable(llama_engine: Engine) -> None:
    params = GenerationParams(temperature=1.0, top_k=50, seed=7, max_new_tokens=12)
    one = llama_engine.generate(ask("Say something."), params)
    two = llama_engine.generate(ask("Say something."), params)
    assert one.text == two.text


def test_reasoning_is_split_from_the_answer(starter_path: Path) -> None:
    backend = ScriptedBackend(["<think>Paris is in France.</think>The capital is Paris."])
    engine = Engine(backend_factory=scripted_factory(backend))
    load_once(engine, LoadRequest(starter_path))
    result = engine.generate([Message("user", FRANCE)], GenerationParams())
    assert result.reasoning == "Paris is in France."
    assert result.text == "The capital is Paris."


def test_stop_strings_end_the_answer_cleanly(starter_path: Path) -> None:
    backend = ScriptedBackend(["Paris. <|im_end|> leaked text"])
    engine = Engine(backend_factory=scripted_factory(backend))
    load_once(engine, LoadRequest(starter_path))
    result = engine.generate([Message("user", FRANCE)], GenerationParams())
    assert result.text == "Paris."
    assert result.stats.finish_reason == "stop"


def test_thinking_budget_closes_the_think_block(starter_path: Path) -> None:
    backend = ScriptedBackend(["<think>a b c d e f g h</think>Too late.", "The answer."])
    engine = Engine(backend_factory=scripted_factory(backend))
    load_once(engine, LoadRequest(starter_path))
    params = GenerationParams(thinking_budget=3, enable_thinking=True)
    pieces: list[TextPiece] = []
    result = engine.generate([Message("user", FRANCE)], params, pieces.append)
    assert result.reasoning == "a b c d"
    assert result.text == "The answer."
    # The answer continues from exactly the reasoning so far, with the block closed.
    assert backend.prompts[1].endswith("<think>a b c d\n</think>\n\n")
    assert result.stats.finish_reason == "stop"
    assert [p.channel for p in pieces][-1] == "answer"


def test_thinking_within_budget_runs_once(starter_path: Path) -> None:
    backend = ScriptedBackend(["<think>short</think>Done."])
    engine = Engine(backend_factory=scripted_factory(backend))
    load_once(engine, LoadRequest(starter_path))
    result = engine.generate([Message("user", FRANCE)], GenerationParams(thinking_budget=50))
    assert (result.reasoning, result.text) == ("short", "Done.")
    assert len(backend.prompts) == 1
