"""The engine facade: load one model on one backend, render prompts, stream answers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from engine.backends.base import Backend, PromptTokens
from engine.backends.registry import create_backend, require
from engine.errors import (
    GenerationError,
    RenderStopped,
    UnsupportedModelError,
    context_overflow,
)
from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model
from engine.openvino_support import OPENVINO_GGUF_ARCHITECTURES, openvino_can_run
from engine.prompt import ChatTemplate, RenderedPrompt, check_chat_template
from engine.reasoning import ReasoningParser, TextPiece
from engine.stops import StopMatcher
from engine.template_limits import RenderLimits
from engine.types import (
    AUTO,
    BackendName,
    GenerationParams,
    GenerationResult,
    GenerationStats,
    LoadedModel,
    LoadRequest,
    Message,
)

OnPiece = Callable[[TextPiece], None]


class Engine:
    """Owns one backend with one loaded model.

    Call everything from one thread except `stop()`, which any thread may call.
    `render_limits` bound the chat template's time and sizes (tests shorten or lengthen them).
    """

    def __init__(
        self,
        backend_factory: Callable[[str], Backend] = create_backend,
        render_limits: RenderLimits | None = None,
    ) -> None:
        self._backend_factory = backend_factory
        self._render_limits = render_limits or RenderLimits()
        self._backend: Backend | None = None
        self._template: ChatTemplate | None = None
        self._stop_requested = threading.Event()
        self.loaded: LoadedModel | None = None

    def load(self, request: LoadRequest, info: ModelInfo | None = None) -> LoadedModel:
        """Loads `request.model` (already inspected as `info`, when given) on the backend the
        request names. Which backend, and what to try when this fails, is the planner's to
        decide (engine.loading): "auto" is refused here."""
        if request.backend == AUTO:
            raise ValueError("Settle the backend first (engine.loading.resolved).")
        info = info or inspect_model(Path(request.model))
        name = require(request.backend)
        if info.format == "openvino" and name != BackendName.OPENVINO:
            raise UnsupportedModelError("An OpenVINO IR folder runs only on the OpenVINO backend.")
        warnings = _openvino_warnings(info) if name == BackendName.OPENVINO else ()
        # Before the backend reads a byte: a template that fails, hangs or grows without end
        # refuses the model (ChatTemplateError) in at most its time limit.
        template = check_chat_template(info, self._render_limits)
        candidate = self._backend_factory(name)
        candidate.load(info, request)
        self.unload()
        self._backend, self._template = candidate, template
        self.loaded = LoadedModel(
            info=info,
            backend=name,
            device=candidate.device,
            context_length=candidate.context_length,
            supports_thinking=template.supports_thinking,
            warnings=warnings,
            precision=candidate.precision,
        )
        return self.loaded

    def render(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        should_stop: Callable[[], bool] | None = None,
    ) -> RenderedPrompt:
        """The prompt; `RenderStopped` when `should_stop()` turns true while the template runs
        (`ChatTemplateError` when it fails or exceeds its limits)."""
        if self._template is None:
            raise GenerationError("No model is loaded.")
        return self._template.render(
            messages, enable_thinking=params.enable_thinking, should_stop=should_stop
        )

    def count_tokens(self, text: str) -> int:
        if self._backend is None:
            raise GenerationError("No model is loaded.")
        return self._backend.count_tokens(text)

    def generate(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        on_piece: OnPiece | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> GenerationResult:
        """Renders, then streams the answer. `stop()` ends it, as does `should_stop()` turning
        true: the caller's own flag, which it may have set before this call began (this clears
        the engine's). Stopped while the prompt renders, it ends "stopped" with no text."""
        if self._backend is None or self._template is None:
            raise GenerationError("No model is loaded.")
        self._stop_requested.clear()

        def stopped() -> bool:
            return self._stop_requested.is_set() or (should_stop is not None and should_stop())

        try:
            prompt = self.render(messages, params, stopped)
        except RenderStopped:
            return self._stopped_before_generating()
        stop_strings = self._template.stop_strings() + params.stop
        stream = _Stream(prompt, stop_strings, params.thinking_budget, on_piece)

        def backend_should_stop() -> bool:
            return stream.should_stop() or stopped()

        backend = self._backend
        tokens = backend.tokenize(prompt.text)
        budget = token_budget(tokens, backend.context_length, params.max_new_tokens)
        stats = backend.generate(
            tokens, budget, params, stop_strings, stream.on_text, backend_should_stop
        )
        if stream.budget_reached and not stopped():
            stats = self._answer_after_budget(
                stream, params, stop_strings, stats, backend_should_stop
            )
        return stream.finish(stats)

    def _stopped_before_generating(self) -> GenerationResult:
        loaded = self.loaded
        stats = GenerationStats(
            backend=loaded.backend if loaded else "",
            device=loaded.device if loaded else "",
            finish_reason="stopped",
        )
        return GenerationResult(text="", reasoning="", stats=stats)

    def _answer_after_budget(
        self,
        stream: _Stream,
        params: GenerationParams,
        stop_strings: tuple[str, ...],
        thinking: GenerationStats,
        should_stop: Callable[[], bool],
    ) -> GenerationStats:
        """The thinking budget ran out: close the think block ourselves and let the answer
        follow, continuing from exactly the text generated so far."""
        assert self._backend is not None
        continuation = stream.close_reasoning()
        left = max(params.max_new_tokens - thinking.generated_tokens, 1)
        tokens = self._backend.tokenize(continuation)
        answer = self._backend.generate(
            tokens,
            token_budget(tokens, self._backend.context_length, left),
            replace(params, max_new_tokens=left),
            stop_strings,
            stream.on_text,
            should_stop,
        )
        return replace(
            answer,
            prompt_tokens=thinking.prompt_tokens,
            cached_tokens=thinking.cached_tokens,
            generated_tokens=thinking.generated_tokens + answer.generated_tokens,
            time_to_first_token_s=thinking.time_to_first_token_s,
            total_s=thinking.total_s + answer.total_s,
        )

    def stop(self) -> None:
        """Thread-safe: the running generation ends after the token being decoded, or at
        once while its prompt is still rendering."""
        self._stop_requested.set()

    def unload(self) -> None:
        if self._backend is not None:
            self._backend.close()
        self._backend = None
        self._template = None
        self.loaded = None


class _Stream:
    """Raw backend text -> stop strings -> reasoning split -> the caller's callback."""

    def __init__(
        self,
        prompt: RenderedPrompt,
        stop_strings: tuple[str, ...],
        thinking_budget: int | None,
        on_piece: OnPiece | None,
    ) -> None:
        self._prompt = prompt
        self._parser = ReasoningParser(starts_in_reasoning=prompt.starts_in_reasoning)
        self._stops = StopMatcher(stop_strings)
        self._budget = thinking_budget
        self._on_piece = on_piece
        self._raw: list[str] = []
        self._reasoning_steps = 0
        self.budget_reached = False

    def on_text(self, text: str) -> None:
        self._raw.append(text)
        if self._parser.in_reasoning:
            # Backends push about one piece per token; that is the budget's unit.
            self._reasoning_steps += 1
        self._deliver(self._parser.feed(self._stops.feed(text)))

    def should_stop(self) -> bool:
        if self._stops.stopped:
            return True
        if self._budget is not None and self._parser.in_reasoning:
            self.budget_reached = self._reasoning_steps >= self._budget
        return self.budget_reached

    def close_reasoning(self) -> str:
        closing = "\n</think>\n\n"
        self.on_text(closing)
        self.budget_reached = False
        self._budget = None
        return self._prompt.text + "".join(self._raw)

    def finish(self, stats: GenerationStats) -> GenerationResult:
        self._deliver(self._parser.feed(self._stops.flush()))
        self._deliver(self._parser.flush())
        if self._stops.stopped and stats.finish_reason != "stop":
            stats = replace(stats, finish_reason="stop")
        return GenerationResult(
            text=self._parser.answer.rstrip(),
            reasoning=self._parser.reasoning.strip(),
            stats=stats,
            raw_text="".join(self._raw),
        )

    def _deliver(self, pieces: list[TextPiece]) -> None:
        if self._on_piece is not None:
            for piece in pieces:
                self._on_piece(piece)


def _openvino_warnings(info: ModelInfo) -> tuple[str, ...]:
    if info.format != "gguf":
        return ()
    if (info.architecture or "") not in OPENVINO_GGUF_ARCHITECTURES:
        raise UnsupportedModelError(
            f"OpenVINO cannot read GGUF files of architecture '{info.architecture}'. "
            "Use the llama.cpp backend for this model."
        )
    ok, reason = openvino_can_run(info)
    return () if ok else (reason,)


def token_budget(prompt: PromptTokens, context: int, wanted: int) -> int:
    """How many tokens may follow `prompt` in a `context`-token window: at most `wanted`.

    Raises `ContextOverflowError` when nothing fits, or when the backend's tokenizer cut the
    prompt (it is longer than counted, and would run truncated)."""
    length = len(prompt.ids)
    if prompt.cut:
        raise context_overflow(length, min(context, length), at_least=True)
    room = context - length
    if room <= 0:
        raise context_overflow(length, context)
    return min(wanted, room)
