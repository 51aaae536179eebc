"""The prompt's size before generating: `Engine.prompt_tokens` counts what `generate` would run,
`Engine.message_tokens` splits it per message (the context policy's "drop the oldest turns")."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.backends.base import PromptTokens
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.errors import GenerationError
from engine.model_info import ModelInfo
from engine.session import Engine, exact_total, message_token_shares
from engine.types import GenerationParams, LoadRequest, Message
from tests.conftest import FRANCE

SYSTEM = Message("system", "You are a helpful AI assistant.")
CHAT = [
    SYSTEM,
    Message("user", FRANCE),
    Message("assistant", "Paris is the capital of France."),
    Message("user", "And of Italy? Answer in one word please."),
]
CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
    "{% if enable_thinking is defined and not enable_thinking %}{{ '<think>\n\n</think>\n\n' }}"
    "{% endif %}{% endif %}"
)
# Trims each message: the text in the prompt is not the message's own.
TRIMMING = CHATML.replace("message['content']", "message['content'] | trim")


class CuttingBackend(ScriptedBackend):
    """Tokenizes like the scripted backend but, like OpenVINO's tokenizer, keeps at most
    `limit` tokens and says it cut."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def tokenize(self, prompt: str) -> PromptTokens:
        count = self.count_tokens(prompt)
        return PromptTokens(prompt, tuple(range(min(count, self.limit))), cut=count > self.limit)


def engine_with(template: str, backend: ScriptedBackend | None = None) -> Engine:
    backend = backend or ScriptedBackend(["Rome."])
    engine = Engine(backend_factory=scripted_factory(backend))
    info = ModelInfo(Path("m.gguf"), "gguf", "m", "llama", chat_template=template)
    engine.load(LoadRequest(Path("m.gguf"), "llama"), info)
    return engine


def test_prompt_tokens_count_what_generate_runs() -> None:
    engine = engine_with(CHATML)
    for params in (GenerationParams(), GenerationParams(enable_thinking=False)):
        counted = engine.prompt_tokens(CHAT, params)
        assert counted == engine.count_tokens(engine.render(CHAT, params).text)
        assert engine.generate(CHAT, params).stats.prompt_tokens == counted
    # The thinking switch is the template's, as in generate: switched off, it adds the empty
    # think block.
    assert engine.prompt_tokens(CHAT, GenerationParams(enable_thinking=False)) == (
        engine.prompt_tokens(CHAT, GenerationParams(enable_thinking=True)) + 2
    )
    assert engine.context_length == 4096


def test_nothing_is_counted_without_a_model() -> None:
    engine = Engine(backend_factory=scripted_factory(ScriptedBackend()))
    with pytest.raises(GenerationError):
        engine.prompt_tokens(CHAT, GenerationParams())
    with pytest.raises(GenerationError):
        engine.message_tokens(CHAT, GenerationParams())
    with pytest.raises(GenerationError):
        _ = engine.context_length


def test_message_tokens_split_the_prompt_at_each_message() -> None:
    engine = engine_with(CHATML)
    params = GenerationParams()
    counts = engine.message_tokens(CHAT, params)
    assert sum(counts) == engine.prompt_tokens(CHAT, params)
    # The scripted backend counts words: each message brings its header word, its own words
    # and (from the second on) the previous message's end marker word.
    words = [len(m.content.split()) for m in CHAT]
    assert counts[0] == 1 + words[0]
    assert counts[1:3] == [1 + 1 + words[1], 1 + 1 + words[2]]
    # The newest also holds its end and the answer's header, less what the seams counted
    # twice (the scripted tokenizer reads "assistant.<|im_end|>" as one word, apart as two).
    assert counts[3] == (1 + 1 + words[3] + 1 + 1) - 3


def test_message_tokens_of_a_template_that_changes_the_text_still_add_up() -> None:
    engine = engine_with(TRIMMING)
    padded = [Message(m.role, f"  {m.content}\n") for m in CHAT]
    params = GenerationParams()
    counts = engine.message_tokens(padded, params)
    assert len(counts) == len(padded)
    assert sum(counts) == engine.prompt_tokens(padded, params)
    # Each message's own words plus an equal share of the frame: the longest stays longest.
    assert counts.index(max(counts)) == 3


def test_a_prompt_longer_than_the_tokenizer_counts_is_counted_whole() -> None:
    engine = engine_with(CHATML, CuttingBackend(limit=8))
    params = GenerationParams()
    text = engine.render(CHAT, params).text
    expected = ScriptedBackend().count_tokens(text)
    assert expected > 8
    assert engine.prompt_tokens(CHAT, params) == expected
    assert sum(engine.message_tokens(CHAT, params)) == expected


def test_the_shares_add_up_exactly() -> None:
    assert message_token_shares([10, 20, 30], 66) == [12, 22, 32]
    assert message_token_shares([10, 20, 30], 67) == [12, 22, 33]
    assert sum(message_token_shares([5, 1, 1], 4)) == 4
    assert message_token_shares([], 5) == []
    assert exact_total([3, 4, 5], 13) == [3, 4, 6]
    assert exact_total([3, 4, 5], 2) == [3, 4, 0]


def test_the_real_starter_counts_what_it_runs(llama_engine: Engine) -> None:
    params = GenerationParams(temperature=0.0, max_new_tokens=4)
    counted = llama_engine.prompt_tokens(CHAT, params)
    assert llama_engine.generate(CHAT, params).stats.prompt_tokens == counted
    counts = llama_engine.message_tokens(CHAT, params)
    assert sum(counts) == counted and min(counts) > 0
    # ChatML copies each message unchanged: the split is exact, each piece counted alone.
    pieces = llama_engine._message_pieces(CHAT, params, llama_engine.render(CHAT, params).text)
    assert pieces is not None
    assert counts[:-1] == [llama_engine.count_tokens(piece) for piece in pieces[:-1]]
    # What leaving out the first turn saves is what its messages counted.
    shorter = [CHAT[0], *CHAT[3:]]
    assert llama_engine.prompt_tokens(shorter, params) == counted - sum(counts[1:3])
