"""Split streamed model output into reasoning (inside <think>...</think>) and answer text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Channel = Literal["reasoning", "answer"]
OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"


@dataclass(frozen=True)
class TextPiece:
    channel: Channel
    text: str


def _held_back(buffer: str, tag: str) -> int:
    """Length of the longest suffix of `buffer` that could still grow into `tag`."""
    for size in range(min(len(tag) - 1, len(buffer)), 0, -1):
        if tag.startswith(buffer[-size:]):
            return size
    return 0


class ReasoningParser:
    """Incremental: tags may arrive split across any chunk boundary, and how the text is
    chunked never changes the result (tests/engine/test_reasoning_fuzz.py).

    A think block only opens before the answer has any visible text, so an answer that talks
    about the tag itself is left alone. Templates that open the block in the prompt start the
    parser inside reasoning (`starts_in_reasoning=True`).
    """

    def __init__(self, starts_in_reasoning: bool = False) -> None:
        self._channel: Channel = "reasoning" if starts_in_reasoning else "answer"
        self._buffer = ""
        self._answer_started = False
        self._after_close = False
        self.reasoning = ""
        self.answer = ""

    def feed(self, chunk: str) -> list[TextPiece]:
        self._buffer += chunk
        pieces: list[TextPiece] = []
        while True:
            tag = self._watched_tag()
            if tag is None:
                self._emit(self._buffer, pieces)
                self._buffer = ""
                return pieces
            index = self._buffer.find(tag)
            if index < 0:
                keep = _held_back(self._buffer, tag)
                self._emit(self._buffer[: len(self._buffer) - keep], pieces)
                self._buffer = self._buffer[len(self._buffer) - keep :]
                return pieces
            self._emit(self._buffer[:index], pieces)
            if self._watched_tag() != tag:
                # The text before the open tag started the answer, so the tag is answer text,
                # as it would be had the tag arrived in a later chunk.
                self._buffer = self._buffer[index:]
                continue
            self._buffer = self._buffer[index + len(tag) :]
            self._switch()

    def flush(self) -> list[TextPiece]:
        pieces: list[TextPiece] = []
        self._emit(self._buffer, pieces)
        self._buffer = ""
        return pieces

    @property
    def in_reasoning(self) -> bool:
        return self._channel == "reasoning"

    def _watched_tag(self) -> str | None:
        if self._channel == "reasoning":
            return CLOSE_TAG
        return None if self._answer_started else OPEN_TAG

    def _switch(self) -> None:
        if self._channel == "reasoning":
            self._channel = "answer"
            self._after_close = True
        else:
            self._channel = "reasoning"

    def _emit(self, text: str, pieces: list[TextPiece]) -> None:
        if not text:
            return
        if self._channel == "answer":
            if not self._answer_started:
                # Whitespace before a possible think block, or right after it, is not answer.
                stripped = text.lstrip()
                if not stripped:
                    return
                text = stripped if self._after_close or not self.answer else text
                self._answer_started = True
            self.answer += text
        else:
            if not self.reasoning:
                text = text.lstrip("\n")
            if not text:
                return
            self.reasoning += text
        if pieces and pieces[-1].channel == self._channel:
            pieces[-1] = TextPiece(self._channel, pieces[-1].text + text)
        else:
            pieces.append(TextPiece(self._channel, text))
