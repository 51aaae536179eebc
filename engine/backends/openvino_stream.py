"""OpenVINO GenAI's answer as text, token by token, as soon as each token is decoded.

GenAI's own TextStreamer holds text back for a few tokens (so a later token cannot change how
an earlier one reads) and longer still when the config carries stop strings: measured on the
starter, the first text came 60-120 ms after the first token, where llama.cpp's path shows it
at once. The app matches stop strings itself (engine.stops), so it takes token ids from a
`StreamerBase` and turns them into text here.

The detokenizer is an OpenVINO model: one call costs 0.2 ms alone and about 1 ms while the
decode's threads hold the cores (measured on the starter, 2 cores: 5-8 % of its decode
time). So each token's text comes from a table (`TokenTexts`: the whole vocabulary decoded
once at load, 0.08 s for 49K tokens, each after an anchor so a SentencePiece word keeps its
leading space); only tokens that are part of a UTF-8 character (byte tokens) go through the
detokenizer, together, once the character is complete. Without a usable table,
`IncrementalText` decodes a short window per token, the way vLLM does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["CONTEXT_TOKENS", "IncrementalText", "TableText", "TokenTexts", "token_streamer"]

# Prompt tokens decoded in front of the answer: enough for the first word's leading space.
CONTEXT_TOKENS = 4
# Tokens the decode window grows to before it moves on (keeping CONTEXT_TOKENS of it).
WINDOW = 16
INCOMPLETE = "\ufffd"  # what a decoder writes for bytes that do not form a character yet


class IncrementalText:
    """Token ids in, new text out. `decode(ids)` is the model's detokenizer (~0.2 ms a call on
    the starter): about one call per token, the window moving on every WINDOW tokens."""

    def __init__(self, decode: Callable[[list[int]], str], context: Sequence[int] = ()) -> None:
        self._decode = decode
        self._ids = [int(t) for t in context]
        self._start = 0  # the decode window starts here
        self._shown = len(self._ids)  # the text of the ids before this has been handed on
        self._shown_text = decode(self._ids)  # the window's text up to `_shown`

    def add(self, token: int) -> str:
        """The text `token` completes ("" while it ends inside a character)."""
        self._ids.append(int(token))
        return self._new_text(final=False)

    def flush(self) -> str:
        """What is left at the end (a character that never completed, as the decoder has it)."""
        return self._new_text(final=True)

    def _new_text(self, final: bool) -> str:
        if self._shown == len(self._ids):
            return ""
        text = self._decode(self._ids[self._start :])
        if len(text) <= len(self._shown_text) or (text.endswith(INCOMPLETE) and not final):
            return ""
        piece = text[len(self._shown_text) :]
        self._shown, self._shown_text = len(self._ids), text
        if self._shown - self._start > WINDOW:
            self._start = self._shown - CONTEXT_TOKENS
            self._shown_text = self._decode(self._ids[self._start : self._shown])
        return piece


class TokenTexts:
    """Each token's text as it reads inside a sequence; None for a token that is only part of
    a character (its text would hold U+FFFD)."""

    ANCHOR = "a"

    def __init__(self, texts: Sequence[str | None], anchor: int) -> None:
        self.texts = list(texts)
        self.anchor = anchor  # decoded in front of waiting tokens, for the same reason

    @classmethod
    def build(
        cls, decode_batch: Callable[[list[list[int]]], list[str]], anchor: int, size: int
    ) -> TokenTexts | None:
        """From a batch detokenizer; None when `anchor` does not decode to ANCHOR alone."""
        if decode_batch([[anchor]]) != [cls.ANCHOR]:
            return None
        decoded = decode_batch([[anchor, token] for token in range(size)])
        texts: list[str | None] = []
        for text in decoded:
            piece = text[len(cls.ANCHOR) :] if text.startswith(cls.ANCHOR) else None
            texts.append(None if piece is None or INCOMPLETE in piece else piece)
        return cls(texts, anchor)

    def get(self, token: int) -> str | None:
        return self.texts[token] if 0 <= token < len(self.texts) else None


class TableText:
    """Token ids in, new text out, from a TokenTexts table; tokens the table lacks wait, with
    whatever follows them, until the detokenizer reads them as whole characters."""

    def __init__(self, table: TokenTexts, decode: Callable[[list[int]], str]) -> None:
        self._table = table
        self._decode = decode
        self._waiting: list[int] = []

    def add(self, token: int) -> str:
        text = self._table.get(int(token))
        if text is not None and not self._waiting:
            return text
        self._waiting.append(int(token))
        decoded = self._decoded_waiting()
        if decoded.endswith(INCOMPLETE):
            return ""
        self._waiting.clear()
        return decoded

    def flush(self) -> str:
        if not self._waiting:
            return ""
        decoded = self._decoded_waiting()
        self._waiting.clear()
        return decoded

    def _decoded_waiting(self) -> str:
        text = self._decode([self._table.anchor, *self._waiting])
        anchor = TokenTexts.ANCHOR
        return text[len(anchor) :] if text.startswith(anchor) else text


def token_streamer(
    genai: Any,
    text: IncrementalText | TableText,
    on_text: Callable[[str], None],
    should_stop: Callable[[], bool],
) -> Any:
    """A GenAI StreamerBase feeding `text`; it asks GenAI to stop once `should_stop()`.
    `stopped` on the streamer says whether it did."""

    class TokenStreamer(genai.StreamerBase):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.stopped = False

        def write(self, token: int | Sequence[int]) -> Any:
            for one in [token] if isinstance(token, int) else token:
                piece = text.add(one)
                if piece:
                    on_text(piece)
            if should_stop():
                self.stopped = True
                return genai.StreamingStatus.STOP
            return genai.StreamingStatus.RUNNING

        def end(self) -> None:
            piece = text.flush()
            if piece:
                on_text(piece)

    return TokenStreamer()
