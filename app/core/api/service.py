"""What the API needs from whoever owns the engine: the GUI's engine worker
(app/api_bridge.py) or the serve command's own engine thread (app/core/api/engine_service.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from engine.errors import Problem
from engine.reasoning import TextPiece
from engine.types import GenerationParams, GenerationResult, Message

Cancel = Callable[[], None]


class GenerationEvents(Protocol):
    """How one generation reports back. Called on the service's own thread, in order: any
    number of `piece`s, then exactly one of `finished` (also when cancelled: the text so far,
    finish reason "stopped") or `failed`."""

    def piece(self, piece: TextPiece) -> None: ...

    def finished(self, result: GenerationResult) -> None: ...

    def failed(self, problem: Problem) -> None: ...


class ChatService(Protocol):
    """One loaded model, one generation at a time; any thread may call these."""

    def model_id(self) -> str | None:
        """The loaded model's name as the API lists it; None while none is loaded."""
        ...

    def start(
        self, messages: Sequence[Message], params: GenerationParams, events: GenerationEvents
    ) -> Cancel:
        """Starts (or queues behind the GUI's own answer) one generation; the returned
        function stops it, from any thread, and may be called more than once."""
        ...
