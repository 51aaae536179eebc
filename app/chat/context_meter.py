"""`ContextMeter`: how much of the context the message being written would take, and how long
this machine would take to read it (the composer's usage line).

The draft is measured on the engine worker (`EngineClient.measure`: the template rendered and
tokenized exactly as for the answer), a moment after the typing pauses, one measure at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.chat.answer_runs import Prompt
from app.core.chat_records import Attachment
from app.core.context_fit import ContextUse
from app.core.models.prefill_speed import PrefillSpeeds
from app.engine_bridge.client import EngineClient
from app.engine_bridge.measure import PromptMeasure
from engine.errors import Problem
from engine.types import LoadedModel

# The draft is measured this long after the last keystroke (or attachment, or new message).
MEASURE_DELAY_MS = 350

DraftPrompt = Callable[[str, Sequence[Attachment]], Prompt]
# (prompt, tokens per message) -> how many of its tokens the engine holds in its cache.
CachedTokens = Callable[[Prompt, Sequence[int]], int]


def estimated_tokens(text: str) -> int:
    """About how many tokens `text` is, where counting them on the engine would wait for the
    answer it is part of: a token per four characters of ASCII, one per other character
    (Chinese runs about one per character). The answer's stats give the exact count at its
    end."""
    if not text:
        return 0
    ascii_chars = sum(1 for c in text if ord(c) < 128)
    return -(-ascii_chars // 4) + (len(text) - ascii_chars)


@dataclass(frozen=True)
class ContextReading:
    """The usage line's numbers. `estimate_s`: seconds to read the part of the prompt that is
    not cached; None when this model has not been timed on this machine yet."""

    use: ContextUse
    estimate_s: float | None


class ContextMeter(QObject):
    """Signals:
    reading_changed(ContextReading | None)   # None: no model to measure with
    """

    reading_changed = Signal(object)

    def __init__(
        self,
        client: EngineClient,
        draft_prompt: DraftPrompt,
        cached_tokens: CachedTokens,
        speeds: PrefillSpeeds | None,
        parent: QObject | None = None,
        *,
        delay_ms: int = MEASURE_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._draft_prompt = draft_prompt
        self._cached_tokens = cached_tokens
        self._speeds = speeds
        self._text = ""
        self._attachments: tuple[Attachment, ...] = ()
        self._in_flight: tuple[int, Prompt] | None = None
        self._again = False  # something changed while a measure was running
        self.reading: ContextReading | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        client.prompt_measured.connect(self._on_client_prompt_measured)
        client.measure_failed.connect(self._on_client_measure_failed)
        client.model_loaded.connect(self._on_client_model_loaded)
        client.load_started.connect(self._on_client_load_started)

    def set_draft(self, text: str, attachments: Sequence[Attachment]) -> None:
        """The composer's text and attachments changed: measure again soon."""
        self._text, self._attachments = text, tuple(attachments)
        self.schedule()

    @Slot()
    def schedule(self) -> None:
        """Measure again once things have been quiet for a moment (the conversation changed,
        an answer ended, the settings changed)."""
        self._timer.start()

    def cancel(self) -> None:
        """Drop the measure in flight and the one scheduled (a question is being sent: it
        goes first; or Stop: the worker is needed free)."""
        self._timer.stop()
        self._again = False
        if self._in_flight is not None:
            self._client.drop(self._in_flight[0])
            self._in_flight = None

    def shutdown(self) -> None:
        self.cancel()

    # -- signals ---------------------------------------------------------------------------

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self._client.loaded_model is None:
            self._show(None)
            return
        if self._in_flight is not None:
            self._again = True
            return
        prompt = self._draft_prompt(self._text, self._attachments)
        self._in_flight = (self._client.measure(prompt.messages, prompt.params), prompt)

    @Slot(int, object)
    def _on_client_prompt_measured(self, request_id: int, measure: PromptMeasure) -> None:
        if self._in_flight is None or request_id != self._in_flight[0]:
            return
        prompt = self._in_flight[1]
        self._in_flight = None
        use = ContextUse.of(
            measure.prompt_tokens, prompt.params.max_new_tokens, measure.context_length
        )
        estimate = None
        if self._speeds is not None:
            cached = self._cached_tokens(prompt, measure.message_tokens)
            estimate = self._speeds.estimate_s(
                measure.model, measure.backend, measure.device, measure.prompt_tokens, cached
            )
        self._show(ContextReading(use, estimate))
        self._measure_again_if_needed()

    @Slot(int, object)
    def _on_client_measure_failed(self, request_id: int, _problem: Problem) -> None:
        if self._in_flight is None or request_id != self._in_flight[0]:
            return
        self._in_flight = None
        self._show(None)
        self._measure_again_if_needed()

    @Slot(int, object)
    def _on_client_model_loaded(self, _request_id: int, _loaded: LoadedModel) -> None:
        self.schedule()

    @Slot(int, str)
    def _on_client_load_started(self, _request_id: int, _name: str) -> None:
        self._show(None)

    def _measure_again_if_needed(self) -> None:
        if self._again:
            self._again = False
            self._on_timer_timeout()

    def _show(self, reading: ContextReading | None) -> None:
        if reading != self.reading:
            self.reading = reading
            self.reading_changed.emit(reading)
