"""A `/v1/chat/completions` body -> the engine's messages and parameters, or a 400.

The shape is OpenAI's (and vLLM's, for `top_k`, `repetition_penalty` and
`chat_template_kwargs`); fields this app has no use for (`tools`, `logprobs`, `user`, ...) are
ignored, as clients send many of them by default."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.core.api.problems import ApiError
from engine.types import GenerationParams, Message, Role

_T = TypeVar("_T")
_SURROGATE = re.compile("[\ud800-\udfff]")

# A person's stop strings; more is a client bug, not a need.
MAX_STOP_STRINGS = 16
_ROLES: dict[str, Role] = {
    "system": "system",
    # OpenAI's newer name for the system role (o-series models, recent SDK examples).
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class _ContentPart(_Lenient):
    type: str
    text: str | None = None


class _ChatMessage(_Lenient):
    role: str
    content: str | list[_ContentPart] | None = None
    # vLLM's and OpenRouter's names for an earlier answer's reasoning.
    reasoning_content: str | None = None
    reasoning: str | None = None


class _StreamOptions(_Lenient):
    include_usage: bool = False


class _TemplateKwargs(_Lenient):
    enable_thinking: bool | None = None


class _ChatRequest(_Lenient):
    messages: Annotated[list[_ChatMessage], Field(min_length=1)]
    model: str | None = None
    stream: bool = False
    stream_options: _StreamOptions | None = None
    stop: str | Annotated[list[str], Field(max_length=MAX_STOP_STRINGS)] | None = None
    max_tokens: Annotated[int, Field(ge=1)] | None = None
    max_completion_tokens: Annotated[int, Field(ge=1)] | None = None
    temperature: Annotated[float, Field(ge=0.0)] | None = None
    top_p: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    # 0 or less: no top-k cut (both backends read it so; vLLM's -1).
    top_k: int | None = None
    repetition_penalty: Annotated[float, Field(gt=0.0)] | None = None
    seed: int | None = None
    # One answer per request: the engine samples one sequence.
    n: Annotated[int, Field(ge=1, le=1)] | None = None
    chat_template_kwargs: _TemplateKwargs | None = None


@dataclass(frozen=True)
class Completion:
    """One parsed request. `model`: as the client named it ("" when it did not)."""

    model: str
    messages: tuple[Message, ...]
    params: GenerationParams
    stream: bool
    include_usage: bool


def parse_completion(body: bytes) -> Completion:
    """The request in `body`; `ApiError` 400 when it is not JSON or not the right shape."""
    request = _validated(_json(body))
    options = request.stream_options
    return Completion(
        model=request.model or "",
        messages=tuple(_message(m, i) for i, m in enumerate(request.messages)),
        params=_params(request),
        stream=request.stream,
        include_usage=bool(options and options.include_usage),
    )


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        raise ApiError(400, "The JSON body is nested too deeply.", "invalid_json") from None
    except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8
        raise ApiError(400, f"The body is not valid JSON: {exc}", "invalid_json") from None


def _validated(data: Any) -> _ChatRequest:
    try:
        return _ChatRequest.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, f"Invalid request: {_first_errors(exc)}", "invalid_request") from None


def _first_errors(exc: ValidationError) -> str:
    """Where and what, for the first few problems (pydantic's own text runs to many lines)."""
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(step) for step in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _message(message: _ChatMessage, index: int) -> Message:
    role = _ROLES.get(message.role)
    if role is None:
        raise ApiError(
            400,
            f"messages.{index}.role: '{message.role}' is not supported "
            "(system, developer, user or assistant).",
            "invalid_request",
        )
    reasoning = message.reasoning_content or message.reasoning or ""
    return Message(role, _text(message.content, index), _clean(reasoning))


def _text(content: str | list[_ContentPart] | None, index: int) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return _clean(content)
    texts = []
    for part in content:
        if part.type != "text" or part.text is None:
            raise ApiError(
                400,
                f"messages.{index}.content: only text parts are supported, not '{part.type}'.",
                "invalid_request",
            )
        texts.append(part.text)
    return _clean("".join(texts))


def _clean(text: str) -> str:
    """JSON may carry lone surrogates ("\\ud800"); a tokenizer raises on them, as U+FFFD they
    are just a character (as app/cli/encoding.py does for the command line)."""
    return _SURROGATE.sub("\ufffd", text)


def _params(request: _ChatRequest) -> GenerationParams:
    """The request's sampling over `GenerationParams()`'s defaults for what it leaves out."""
    default = GenerationParams()
    thinking = request.chat_template_kwargs
    return GenerationParams(
        temperature=_or(request.temperature, default.temperature),
        top_p=_or(request.top_p, default.top_p),
        top_k=_or(request.top_k, default.top_k),
        repetition_penalty=_or(request.repetition_penalty, default.repetition_penalty),
        max_new_tokens=request.max_completion_tokens
        or request.max_tokens
        or default.max_new_tokens,
        seed=request.seed,
        enable_thinking=thinking.enable_thinking if thinking else None,
        stop=_stops(request.stop),
    )


def _or(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def _stops(stop: str | list[str] | None) -> tuple[str, ...]:
    """An empty stop string would end every answer before it starts: left out."""
    if stop is None:
        return ()
    items = [stop] if isinstance(stop, str) else stop
    return tuple(_clean(item) for item in items if item)
