"""The one protocol every backend implements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from engine.model_info import ModelInfo
from engine.types import GenerationParams, GenerationStats, LoadOptions

OnText = Callable[[str], None]
ShouldStop = Callable[[], bool]


class Backend(Protocol):
    """Runs one loaded model. Not thread-safe: one owner thread calls it.

    `generate` receives the prompt already rendered by `engine.prompt`, so both backends see
    identical text. It pushes raw text pieces to `on_text` as they decode and polls
    `should_stop` between tokens.
    """

    name: str
    device: str

    @property
    def precision(self) -> str:
        """The arithmetic in use, as shown with the model ("f32", "bf16"); "" where the
        backend has no such choice."""
        ...

    def load(self, info: ModelInfo, options: LoadOptions) -> None: ...

    def count_tokens(self, text: str) -> int: ...

    def generate(
        self,
        prompt: str,
        params: GenerationParams,
        stop_strings: tuple[str, ...],
        on_text: OnText,
        should_stop: ShouldStop,
    ) -> GenerationStats: ...

    @property
    def context_length(self) -> int: ...

    def close(self) -> None: ...
