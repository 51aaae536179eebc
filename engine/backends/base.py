"""The one protocol every backend implements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.model_info import ModelInfo
from engine.types import GenerationParams, GenerationStats, LoadRequest

OnText = Callable[[str], None]
ShouldStop = Callable[[], bool]


@dataclass(frozen=True)
class PromptTokens:
    """A rendered prompt as the backend will run it: its token ids, and whether the backend's
    tokenizer stopped counting (OpenVINO's cuts a prompt at a length fixed in its IR, so a cut
    prompt is longer than its ids say). `native` is the backend's own encoding, handed back to
    its `generate` so the prompt is tokenized once."""

    text: str
    ids: tuple[int, ...]
    cut: bool = False
    native: Any = field(default=None, repr=False, compare=False)


class Backend(Protocol):
    """Runs one loaded model. Not thread-safe: one owner thread calls it.

    The engine renders the prompt once (`engine.prompt`, so both backends see identical
    text), has the backend `tokenize` it, checks that it fits the context and decides the
    token budget (`engine.session`); `generate` then decodes at most `budget` tokens, pushes
    raw text pieces to `on_text` as they decode and polls `should_stop` between tokens.
    """

    name: str
    device: str

    @property
    def precision(self) -> str:
        """The arithmetic in use, as shown with the model ("f32", "bf16"; llama.cpp: "KV q8_0"
        for a quantized KV cache); "" where there is nothing to say."""
        ...

    @property
    def sparse_threshold(self) -> int:
        """Prompts longer than this are read with sparse prefill; 0 where attention is always
        dense (engine.sparse_prefill; OpenVINO only)."""
        ...

    @property
    def native(self) -> Any:
        """The library's own object for the loaded model (llama_cpp.Llama, an OpenVINO GenAI
        pipeline; None when nothing is loaded): `bench engine` calls it directly to measure
        the app's path against the raw library on the very same model."""
        ...

    def load(self, info: ModelInfo, request: LoadRequest) -> None: ...

    def count_tokens(self, text: str) -> int: ...

    def tokenize(self, prompt: str) -> PromptTokens: ...

    def generate(
        self,
        prompt: PromptTokens,
        budget: int,
        params: GenerationParams,
        stop_strings: tuple[str, ...],
        on_text: OnText,
        should_stop: ShouldStop,
    ) -> GenerationStats: ...

    @property
    def context_length(self) -> int: ...

    def close(self) -> None: ...
