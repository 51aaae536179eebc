"""The engine facade: load one model on one backend, render prompts, stream answers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from engine.backends.base import Backend, PromptTokens
from engine.backends.registry import create_backend, require
from engine.backends.remote import RemoteBackend, remote_model_info, render_plain
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
from engine.reasoning import CLOSE_TAG, OPEN_TAG, ReasoningParser, TextPiece
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
    ReasoningPrefill,
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
        if request.backend == BackendName.REMOTE:
            return self._load_remote(request)
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
            sparse_threshold=candidate.sparse_threshold,
        )
        return self.loaded

    def _load_remote(self, request: LoadRequest) -> LoadedModel:
        """A model on a server: no file to inspect and no template here (the server renders
        the prompt), so the backend only checks that the server serves the model."""
        name = require(BackendName.REMOTE)
        info = remote_model_info(request)
        candidate = self._backend_factory(name)
        candidate.load(info, request)
        self.unload()
        self._backend = candidate
        self.loaded = LoadedModel(
            info=info,
            backend=name,
            device=candidate.device,
            context_length=candidate.context_length,
            supports_thinking=info.supports_thinking,
        )
        return self.loaded

    @property
    def _remote(self) -> RemoteBackend | None:
        backend = self._backend
        return backend if isinstance(backend, RemoteBackend) else None

    def render(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        should_stop: Callable[[], bool] | None = None,
    ) -> RenderedPrompt:
        """The prompt; `RenderStopped` when `should_stop()` turns true while the template runs
        (`ChatTemplateError` when it fails or exceeds its limits). A remote model's template
        is on its server: its prompt here is the plain conversation, which is what the context
        meter estimates from."""
        if self._remote is not None:
            return RenderedPrompt(render_plain(messages), False, params.enable_thinking)
        if self._template is None:
            raise GenerationError("No model is loaded.")
        return self._template.render(
            messages, enable_thinking=params.enable_thinking, should_stop=should_stop
        )

    def count_tokens(self, text: str) -> int:
        if self._backend is None:
            raise GenerationError("No model is loaded.")
        return self._backend.count_tokens(text)

    @property
    def context_length(self) -> int:
        """The context the model was loaded with, in tokens."""
        if self._backend is None:
            raise GenerationError("No model is loaded.")
        return self._backend.context_length

    def prompt_tokens(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        """How many tokens `generate(messages, params)` would put in the context before the
        answer: the same template, thinking switch and system prompt, rendered and tokenized
        as `generate` does, without generating. Exact, also past the length where OpenVINO's
        tokenizer stops counting (`_token_count`). `RenderStopped` once `should_stop()` turns
        true while the template runs."""
        return self._token_count(self.render(messages, params, should_stop).text)

    def tokenized_prompt(
        self, messages: Sequence[Message], params: GenerationParams
    ) -> PromptTokens:
        """The tokens `generate(messages, params)` would hand the backend, and the library
        object behind it (`native`): what `bench engine` feeds the raw library, so both paths
        decode the same prompt on the same model."""
        if self._backend is None:
            raise GenerationError("No model is loaded.")
        return self._backend.tokenize(self.render(messages, params).text)

    @property
    def native(self) -> Any:
        """The loaded model's library object (see Backend.native); None when none is loaded."""
        return self._backend.native if self._backend is not None else None

    def message_tokens(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[int]:
        """How many of `prompt_tokens(messages, params)` each message brings, in order; they
        add up to exactly that total. Costs two renders and one tokenization of the prompt.

        Each message's count runs from the end of the previous message's text to the end of
        its own, so it holds its role header and the previous turn's end marker; the template's
        opening (BOS, a default system prompt) is the first message's, and the answer's
        opening the last one's. Where a template changes a message's text (trims it, drops
        reasoning), the counts fall back to each message's own text plus an equal share of
        the template's frame (`message_token_shares`). `RenderStopped` as `prompt_tokens`."""
        rendered = self.render(messages, params, should_stop).text
        total = self._token_count(rendered)
        pieces = self._message_pieces(messages, params, rendered, should_stop)
        if pieces is None:
            counts = [self._token_count(m.content) for m in messages]
            return message_token_shares(counts, total)
        counts = [self._token_count(piece) for piece in pieces]
        return exact_total(counts, total)

    def _message_pieces(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        rendered: str,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[str] | None:
        """The `rendered` prompt cut after each message's text; None where the template does
        not copy each message's text into the prompt unchanged. Renders once more, with a
        mark in place of each text, to see where each one lands."""
        if not messages:
            return None
        marks = [f"\ue000{i}\ue001" for i in range(len(messages))]
        marked = self.render(
            [replace(m, content=k) for m, k in zip(messages, marks, strict=True)],
            params,
            should_stop,
        )
        pieces: list[str] = []
        start = 0
        for mark, message in zip(marks, messages, strict=True):
            at = marked.text.find(mark, start)
            if at < 0 or marked.text.count(mark) != 1:
                return None
            pieces.append(marked.text[start:at] + message.content)
            start = at + len(mark)
        pieces[-1] += marked.text[start:]
        return pieces if "".join(pieces) == rendered else None

    def _token_count(self, text: str) -> int:
        """Tokens in `text`. OpenVINO's tokenizer stops at a length fixed in its IR (it says
        so with `cut`); a longer text is counted in halves, split at white space, which may
        differ from one count by a token per split."""
        if self._backend is None:
            raise GenerationError("No model is loaded.")
        tokens = self._backend.tokenize(text)
        if not tokens.cut or len(text) < 2:
            return len(tokens.ids)
        middle = _split_point(text)
        return self._token_count(text[:middle]) + self._token_count(text[middle:])

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
        self._stop_requested.clear()

        def stopped() -> bool:
            return self._stop_requested.is_set() or (should_stop is not None and should_stop())

        remote = self._remote
        if remote is not None:
            return self._generate_remote(remote, messages, params, on_piece, stopped)
        if self._backend is None or self._template is None:
            raise GenerationError("No model is loaded.")

        try:
            prompt = self.render(messages, params, stopped)
        except RenderStopped:
            return self.stopped_result()
        stop_strings = self._template.stop_strings() + params.stop
        stream = _Stream(prompt, stop_strings, params.thinking_budget, on_piece)
        # Reasoning already written goes after the prompt and through the parser, as if the
        # model had just written it (the caller sees it streamed, then what follows).
        prefill = stream.prefill(params.prefill) if params.prefill is not None else ""

        def backend_should_stop() -> bool:
            return stream.should_stop() or stopped()

        backend = self._backend
        tokens = backend.tokenize(prompt.text + prefill)
        budget = token_budget(tokens, backend.context_length, params.max_new_tokens)
        stats = backend.generate(
            tokens, budget, params, stop_strings, stream.on_text, backend_should_stop
        )
        if stream.budget_reached and not stopped():
            stats = self._answer_after_budget(
                stream, params, stop_strings, stats, backend_should_stop
            )
        return stream.finish(stats)

    def _generate_remote(
        self,
        remote: RemoteBackend,
        messages: Sequence[Message],
        params: GenerationParams,
        on_piece: OnPiece | None,
        stopped: Callable[[], bool],
    ) -> GenerationResult:
        """The server renders and samples; here the stop strings (the server got them too)
        and the reasoning split, as for a local model. Thinking budgets are the server's."""
        prompt = RenderedPrompt("", False, params.enable_thinking)
        stream = _Stream(prompt, params.stop, None, on_piece)

        def should_stop() -> bool:
            return stream.should_stop() or stopped()

        stats = remote.chat(messages, params, stream.on_text, should_stop)
        return _answer_or_reasoning(stream.finish(stats), params)

    def stopped_result(self) -> GenerationResult:
        """An answer stopped before any text: empty, finish reason "stopped", on the loaded
        model's backend and device. Also what callers that queue generations hand back for
        one stopped while it waited (the GUI's worker, the serve command's engine thread)."""
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

    def prefill(self, prefill: ReasoningPrefill) -> str:
        """Feeds `prefill` as model output (its think block opened unless the prompt opened
        it; closed when it says so) and returns that text, to follow the prompt."""
        opening = "" if self._prompt.starts_in_reasoning else OPEN_TAG + "\n"
        closing = "\n" + CLOSE_TAG + "\n\n" if prefill.close else ""
        written = opening + prefill.text + closing
        self.on_text(written)
        return written

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
        text = self._parser.answer.rstrip()
        reasoning = self._parser.reasoning.strip()
        return GenerationResult(
            text=text,
            reasoning=reasoning,
            stats=stats,
            raw_text="".join(self._raw),
            # The parser still inside reasoning at the end: the think block never closed.
            reasoning_unfinished=self._parser.in_reasoning and bool(reasoning) and not text,
        )

    def _deliver(self, pieces: list[TextPiece]) -> None:
        if self._on_piece is not None:
            for piece in pieces:
                self._on_piece(piece)


def _answer_or_reasoning(result: GenerationResult, params: GenerationParams) -> GenerationResult:
    """A remote answer that is all reasoning: with thinking off (a server that thinks anyway,
    or puts the answer in its reasoning field), or a think block that never closed (a model
    that does not think, taken for a pre-filled `<think>`), the text is the answer. Except
    with thinking on and the token limit reached inside the block: that is a thinking model
    cut off mid-thought, and its reasoning stays reasoning (`reasoning_unfinished`)."""
    if result.text or not result.reasoning:
        return result
    if params.enable_thinking and CLOSE_TAG in result.raw_text:
        return result
    cut_off = result.reasoning_unfinished and result.stats.finish_reason == "length"
    if params.enable_thinking and cut_off:
        return result
    return replace(result, text=result.reasoning, reasoning="", reasoning_unfinished=False)


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


def message_token_shares(counts: Sequence[int], total: int) -> list[int]:
    """Each message's own token count plus an equal share of what the template adds around
    them (`total` minus their sum; the remainder goes to the last message), adding up to
    `total`."""
    if not counts:
        return []
    frame = total - sum(counts)
    share, remainder = divmod(frame, len(counts))
    shares = [count + share for count in counts]
    shares[-1] += remainder
    return exact_total([max(share, 0) for share in shares], total)


def exact_total(counts: Sequence[int], total: int) -> list[int]:
    """`counts` with the last one set so that they add up to `total` (pieces counted apart
    can differ by a token at a seam), never below zero."""
    if not counts:
        return []
    rest = list(counts[:-1])
    return [*rest, max(total - sum(rest), 0)]


def _split_point(text: str) -> int:
    """Near the middle of `text`, just before white space where there is some: tokenizers
    join a space or line break to the word after it, so a split there seldom changes a token.
    Always within the middle half, so that counting in halves takes few steps."""
    low, middle, high = len(text) // 4, len(text) // 2, len(text) * 3 // 4
    before = max(text.rfind(" ", low, middle), text.rfind("\n", low, middle))
    if before > 0:
        return before
    after = [at for at in (text.find(" ", middle, high), text.find("\n", middle, high)) if at > 0]
    return min(after, default=max(middle, 1))


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
