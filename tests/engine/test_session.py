"""The engine on the real starter model, through both real backends."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.loading import load_once
from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model
from engine.reasoning import TextPiece
from engine.session import Engine, _answer_or_reasoning
from engine.types import (
    GenerationParams,
    GenerationResult,
    GenerationStats,
    LoadRequest,
    Message,
    ReasoningPrefill,
)
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


# Qwen3 / MiniCPM4.1 style with the block pre-opened: thinking on puts `<think>` in the prompt.
OPENS_THINK = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking %}{{ '<think>\\n' }}"
    "{% else %}{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}{% endif %}"
)


def opens_think(starter_path: Path) -> ModelInfo:
    return replace(inspect_model(starter_path), chat_template=OPENS_THINK)


def test_an_answer_that_ends_while_thinking_says_so(starter_path: Path) -> None:
    backend = ScriptedBackend(["The capital of France is Paris."])
    engine = Engine(backend_factory=scripted_factory(backend))
    load_once(engine, LoadRequest(starter_path), opens_think(starter_path))
    params = GenerationParams(enable_thinking=True, max_new_tokens=3)
    result = engine.generate([Message("user", FRANCE)], params)
    assert backend.prompts[0].endswith("<think>\n")
    assert (result.text, result.reasoning) == ("", "The capital of")
    assert result.reasoning_unfinished
    assert result.stats.finish_reason == "length"


def test_a_closed_think_block_or_thinking_off_is_not_unfinished(starter_path: Path) -> None:
    backend = ScriptedBackend(["Weighing it.</think>Paris.", "Paris."])
    engine = Engine(backend_factory=scripted_factory(backend))
    load_once(engine, LoadRequest(starter_path), opens_think(starter_path))
    thought = engine.generate([Message("user", FRANCE)], GenerationParams(enable_thinking=True))
    assert (thought.reasoning, thought.text) == ("Weighing it.", "Paris.")
    assert not thought.reasoning_unfinished
    plain = engine.generate([Message("user", FRANCE)], GenerationParams(enable_thinking=False))
    assert (plain.reasoning, plain.text) == ("", "Paris.")
    assert not plain.reasoning_unfinished


def test_a_remote_reply_cut_off_while_thinking_stays_reasoning() -> None:
    """Remote servers keep their rule (an unclosed block is the answer: a model that does not
    think), except with thinking on and the token limit reached inside the block."""
    stats = GenerationStats(backend="remote", device="", finish_reason="length")
    cut = GenerationResult("", "Weighing", stats, "<think>Weighing", reasoning_unfinished=True)
    assert _answer_or_reasoning(cut, GenerationParams(enable_thinking=True)) == cut
    off = _answer_or_reasoning(cut, GenerationParams(enable_thinking=False))
    assert (off.text, off.reasoning, off.reasoning_unfinished) == ("Weighing", "", False)
    ended = replace(cut, stats=replace(stats, finish_reason="stop"))
    on = _answer_or_reasoning(ended, GenerationParams(enable_thinking=True))
    assert (on.text, on.reasoning, on.reasoning_unfinished) == ("Weighing", "", False)


def test_an_answer_goes_on_thinking_from_reasoning_already_written(starter_path: Path) -> None:
    backend = ScriptedBackend([" France is Paris.</think>Paris."])
    engine = Engine(backend_factory=scripted_factory(backend))
    load_once(engine, LoadRequest(starter_path), opens_think(starter_path))
    prefill = ReasoningPrefill("The capital of", close=False)
    params = GenerationParams(enable_thinking=True, prefill=prefill)
    pieces: list[TextPiece] = []
    result = engine.generate([Message("user", FRANCE)], params, pieces.append)
    assert backend.prompts[0].endswith("<|im_start|>assistant\n<think>\nThe capital of")
    assert (result.reasoning, result.text) == ("The capital of France is Paris.", "Paris.")
    assert not result.reasoning_unfinished
    assert pieces[0] == TextPiece("reasoning", "The capital of")  # shown first, at once


def test_a_closed_prefill_makes_the_model_answer_from_its_reasoning(starter_path: Path) -> None:
    backend = ScriptedBackend(["Paris."])
    engine = Engine(backend_factory=scripted_factory(backend))
    load_once(engine, LoadRequest(starter_path), opens_think(starter_path))
    prefill = ReasoningPrefill("The capital of France is Paris.", close=True)
    params = GenerationParams(enable_thinking=True, prefill=prefill)
    result = engine.generate([Message("user", FRANCE)], params)
    assert backend.prompts[0].endswith("<think>\nThe capital of France is Paris.\n</think>\n\n")
    assert (result.reasoning, result.text) == ("The capital of France is Paris.", "Paris.")
    assert not result.reasoning_unfinished


def test_a_prefill_opens_the_think_block_where_the_prompt_did_not(starter_path: Path) -> None:
    backend = ScriptedBackend(["Paris."])
    engine = Engine(backend_factory=scripted_factory(backend))
    load_once(engine, LoadRequest(starter_path))  # its own template opens no block
    prefill = ReasoningPrefill("Weighing it.", close=True)
    result = engine.generate([Message("user", FRANCE)], GenerationParams(prefill=prefill))
    assert backend.prompts[0].endswith("<think>\nWeighing it.\n</think>\n\n")
    assert (result.reasoning, result.text) == ("Weighing it.", "Paris.")
