"""A deterministic backend for tests and demos: it "generates" scripted replies."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

from engine.backends.base import OnText, PromptTokens, ShouldStop
from engine.model_info import ModelInfo
from engine.types import FinishReason, GenerationParams, GenerationStats, LoadRequest

NAME = "scripted"
_PIECES = re.compile(r"\s*\S+|\s+")


class ScriptedBackend:
    """Streams each reply word by word, one reply per `generate` call (the last one repeats).

    `delay_s` paces the words so tests can stop or switch chats mid-answer; `prompts` records
    every rendered prompt it was given.
    """

    name = NAME

    def __init__(
        self,
        replies: Sequence[str] = ("Hello from the scripted backend.",),
        delay_s: float = 0.0,
        context_length: int = 4096,
        load_error: Exception | None = None,
    ) -> None:
        self.replies = list(replies)
        self.delay_s = delay_s
        self._context_length = context_length
        self._load_error = load_error
        self.prompts: list[str] = []
        self.params: list[GenerationParams] = []
        self.loaded: ModelInfo | None = None
        self.device = "CPU"
        self.precision = ""
        self.sparse_threshold = 0
        self.native = None  # no library behind it

    @property
    def context_length(self) -> int:
        return self._context_length

    def load(self, info: ModelInfo, request: LoadRequest) -> None:
        if self._load_error is not None:
            raise self._load_error
        self.loaded = info
        self.device = request.device

    def count_tokens(self, text: str) -> int:
        return len(_PIECES.findall(text))

    def tokenize(self, prompt: str) -> PromptTokens:
        return PromptTokens(prompt, tuple(range(self.count_tokens(prompt))))

    def generate(
        self,
        prompt: PromptTokens,
        budget: int,
        params: GenerationParams,
        stop_strings: tuple[str, ...],
        on_text: OnText,
        should_stop: ShouldStop,
    ) -> GenerationStats:
        self.prompts.append(prompt.text)
        self.params.append(params)
        index = min(len(self.prompts), len(self.replies)) - 1
        reply = self.replies[index] if self.replies else ""
        start = time.perf_counter()
        generated = 0
        finish: FinishReason = "stop"
        for piece in _PIECES.findall(reply):
            if should_stop():
                finish = "stopped"
                break
            if generated >= budget:
                finish = "length"
                break
            if self.delay_s:
                time.sleep(self.delay_s)
            on_text(piece)
            generated += 1
        total = time.perf_counter() - start
        return GenerationStats(
            backend=self.name,
            device=self.device,
            prompt_tokens=len(prompt.ids),
            generated_tokens=generated,
            time_to_first_token_s=self.delay_s,
            decode_tokens_per_s=generated / total if total > 0 else 0.0,
            total_s=total,
            finish_reason=finish,
        )

    def close(self) -> None:
        self.loaded = None


def scripted_factory(backend: ScriptedBackend) -> Callable[[str], ScriptedBackend]:
    """An `Engine(backend_factory=...)` that always hands out `backend`."""

    def factory(_name: str) -> ScriptedBackend:
        return backend

    return factory
