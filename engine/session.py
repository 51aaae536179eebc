"""The engine facade: load one model on one backend, render prompts, stream answers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from engine.backends.base import Backend
from engine.backends.registry import OPENVINO, choose_backend, create_backend
from engine.errors import GenerationError, UnsupportedModelError
from engine.model_info import ModelInfo, inspect_model, openvino_can_run
from engine.prompt import ChatTemplate, RenderedPrompt
from engine.reasoning import ReasoningParser, TextPiece
from engine.stops import StopMatcher
from engine.types import GenerationParams, GenerationResult, LoadOptions, Message

OnPiece = Callable[[TextPiece], None]

# OpenVINO's GGUF reader knows only these; anything else fails or crashes inside it.
OPENVINO_GGUF_ARCHITECTURES = frozenset({"llama", "qwen2", "qwen3"})


@dataclass(frozen=True)
class LoadedModel:
    info: ModelInfo
    backend: str
    device: str
    context_length: int
    supports_thinking: bool
    warnings: tuple[str, ...] = field(default=())


class Engine:
    """Owns one backend with one loaded model.

    Call everything from one thread except `stop()`, which any thread may call.
    """

    def __init__(self, backend_factory: Callable[[str], Backend] = create_backend) -> None:
        self._backend_factory = backend_factory
        self._backend: Backend | None = None
        self._template: ChatTemplate | None = None
        self._stop_requested = threading.Event()
        self.loaded: LoadedModel | None = None

    def load(
        self,
        model: str | Path | ModelInfo,
        backend: str = "auto",
        options: LoadOptions | None = None,
    ) -> LoadedModel:
        info = model if isinstance(model, ModelInfo) else inspect_model(Path(model))
        name = choose_backend(info, backend)
        warnings = _openvino_warnings(info) if name == OPENVINO else ()
        template = ChatTemplate(
            info.chat_template,
            bos_token=info.bos_token or "",
            eos_token=info.eos_token or "",
            add_bos_token=info.add_bos_token,
        )
        candidate = self._backend_factory(name)
        candidate.load(info, options or LoadOptions())
        self.unload()
        self._backend, self._template = candidate, template
        self.loaded = LoadedModel(
            info=info,
            backend=name,
            device=candidate.device,
            context_length=candidate.context_length,
            supports_thinking=template.supports_thinking,
            warnings=warnings,
        )
        return self.loaded

    def render(self, messages: Sequence[Message], params: GenerationParams) -> RenderedPrompt:
        if self._template is None:
            raise GenerationError("No model is loaded.")
        return self._template.render(messages, enable_thinking=params.enable_thinking)

    def count_tokens(self, text: str) -> int:
        if self._backend is None:
            raise GenerationError("No model is loaded.")
        return self._backend.count_tokens(text)

    def generate(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        on_piece: OnPiece | None = None,
    ) -> GenerationResult:
        if self._backend is None or self._template is None:
            raise GenerationError("No model is loaded.")
        self._stop_requested.clear()
        prompt = self.render(messages, params)
        parser = ReasoningParser(starts_in_reasoning=prompt.starts_in_reasoning)
        stops = StopMatcher(self._template.stop_strings() + params.stop)
        raw: list[str] = []

        def deliver(pieces: list[TextPiece]) -> None:
            for piece in pieces:
                if on_piece is not None:
                    on_piece(piece)

        def on_text(text: str) -> None:
            raw.append(text)
            deliver(parser.feed(stops.feed(text)))

        def should_stop() -> bool:
            return stops.stopped or self._stop_requested.is_set()

        stats = self._backend.generate(
            prompt.text,
            params,
            self._template.stop_strings() + params.stop,
            on_text,
            should_stop,
        )
        deliver(parser.feed(stops.flush()))
        deliver(parser.flush())
        if stops.stopped and stats.finish_reason != "stop":
            stats = replace(stats, finish_reason="stop")
        return GenerationResult(
            text=parser.answer.rstrip(),
            reasoning=parser.reasoning.strip(),
            stats=stats,
            raw_text="".join(raw),
        )

    def stop(self) -> None:
        """Thread-safe: the running generation ends after the token being decoded."""
        self._stop_requested.set()

    def unload(self) -> None:
        if self._backend is not None:
            self._backend.close()
        self._backend = None
        self._template = None
        self.loaded = None


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
