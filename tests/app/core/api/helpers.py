"""Helpers of the API tests: scripted backends that record or echo, a fake ChatService, and
readers of server-sent events. The fixtures that start servers are in conftest.py."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app.core.api.engine_service import EngineService
from app.core.api.runner import ApiServer
from app.core.api.service import Cancel, GenerationEvents
from app.core.api.turns import Turns
from engine.backends.base import OnText, PromptTokens, ShouldStop
from engine.backends.scripted import ScriptedBackend
from engine.errors import Problem
from engine.reasoning import TextPiece
from engine.types import (
    FinishReason,
    GenerationParams,
    GenerationResult,
    GenerationStats,
    Message,
)

StartApi = Callable[..., ApiServer]
ServiceFor = Callable[[ScriptedBackend], EngineService]


class PacedBackend(ScriptedBackend):
    """Records when each token went out and how each generation ended, so a test can count
    the tokens produced after a client went away."""

    def __init__(self, replies: Sequence[str], delay_s: float = 0.0) -> None:
        super().__init__(replies, delay_s=delay_s)
        self.token_times: list[float] = []
        self.finishes: list[str] = []
        self.started = threading.Event()
        self.done = threading.Event()

    def generate(
        self,
        prompt: PromptTokens,
        budget: int,
        params: GenerationParams,
        stop_strings: tuple[str, ...],
        on_text: OnText,
        should_stop: ShouldStop,
    ) -> GenerationStats:
        def recorded(text: str) -> None:
            self.token_times.append(time.monotonic())
            on_text(text)

        self.started.set()
        stats = super().generate(prompt, budget, params, stop_strings, recorded, should_stop)
        self.finishes.append(stats.finish_reason)
        self.done.set()
        return stats


MARKER = re.compile(r"marker-(\d+)")


def echo_reply(number: str, words: int = 8) -> str:
    return " ".join(f"r{number}w{i}" for i in range(words))


class EchoBackend(PacedBackend):
    """Answers with words that carry the number of the last `marker-N` in the prompt: each
    request can tell its own tokens from anyone else's."""

    def __init__(self, delay_s: float = 0.0, words: int = 8) -> None:
        super().__init__(["unused"], delay_s)
        self.words = words

    def generate(
        self,
        prompt: PromptTokens,
        budget: int,
        params: GenerationParams,
        stop_strings: tuple[str, ...],
        on_text: OnText,
        should_stop: ShouldStop,
    ) -> GenerationStats:
        numbers = MARKER.findall(prompt.text)
        self.replies = [echo_reply(numbers[-1] if numbers else "?", self.words)]
        self.prompts.clear()  # always the one reply above
        return super().generate(prompt, budget, params, stop_strings, on_text, should_stop)


@dataclass
class FakeService:
    """A `ChatService` without an engine: `script` runs on a thread of its own and plays the
    service's part (pieces, then finished or failed)."""

    model: str | None = "fake-model"
    script: Callable[[GenerationEvents, threading.Event], None] | None = None
    started: list[tuple[tuple[Message, ...], GenerationParams]] = field(default_factory=list)

    def model_id(self) -> str | None:
        return self.model

    def start(
        self, messages: Sequence[Message], params: GenerationParams, events: GenerationEvents
    ) -> Cancel:
        self.started.append((tuple(messages), params))
        stop = threading.Event()
        script = self.script or answer("Hello there.")
        threading.Thread(target=script, args=(events, stop), daemon=True).start()
        return stop.set


def stats(finish: FinishReason = "stop", prompt: int = 5, generated: int = 2) -> GenerationStats:
    return GenerationStats(
        "fake", "CPU", prompt_tokens=prompt, generated_tokens=generated, finish_reason=finish
    )


def answer(text: str) -> Callable[[GenerationEvents, threading.Event], None]:
    def script(events: GenerationEvents, _stop: threading.Event) -> None:
        events.piece(TextPiece("answer", text))
        events.finished(GenerationResult(text, "", stats()))

    return script


def stopped(events: GenerationEvents, _stop: threading.Event) -> None:
    """The GUI's Stop pressed on the API's answer."""
    events.finished(GenerationResult("", "", stats("stopped")))


def fails(problem: Problem, after: str = "") -> Callable[[GenerationEvents, threading.Event], None]:
    def script(events: GenerationEvents, _stop: threading.Event) -> None:
        if after:
            events.piece(TextPiece("answer", after))
        events.failed(problem)

    return script


def turns_of(server: ApiServer) -> Turns:
    turns = server.app.state.turns
    assert isinstance(turns, Turns)
    return turns


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """For what no event tells: the server's own line of requests."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def sse_events(raw: bytes) -> list[str]:
    """The `data:` payloads of a server-sent event stream, in order."""
    return [
        line[len("data: ") :]
        for line in raw.decode("utf-8").split("\n\n")
        if line.startswith("data: ")
    ]


def chunks_of(raw: bytes) -> list[dict[str, object]]:
    return [json.loads(data) for data in sse_events(raw) if data != "[DONE]"]


def ask(question: str, **fields: object) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": question}], **fields}
