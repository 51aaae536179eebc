"""Typed engine errors. Each message is written for the person using the app."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class ErrorCode(StrEnum):
    """What kind of failure, for readers that word it themselves (the GUI's app/words/load.py);
    `str(error)` stays the engine's English sentence (the CLI, logs)."""

    ENGINE = "engine"
    MODEL_NOT_FOUND = "model_not_found"
    NOT_A_MODEL = "not_a_model"
    CORRUPT_MODEL = "corrupt_model"
    UNSUPPORTED_MODEL = "unsupported_model"
    CHAT_TEMPLATE = "chat_template"
    STOPPED = "stopped"
    BACKEND_UNAVAILABLE = "backend_unavailable"
    MODEL_LOAD = "model_load"
    OUT_OF_MEMORY = "out_of_memory"
    CONTEXT_OVERFLOW = "context_overflow"
    GENERATION = "generation"
    # A remote server (engine/backends/remote.py): the sentence names the server's address.
    REMOTE_UNREACHABLE = "remote_unreachable"
    REMOTE_TLS = "remote_tls"
    REMOTE_TIMEOUT = "remote_timeout"
    REMOTE_AUTH = "remote_auth"
    REMOTE_MODEL_NOT_FOUND = "remote_model_not_found"
    REMOTE_BUSY = "remote_busy"
    REMOTE_SERVER = "remote_server"
    REMOTE_REFUSED = "remote_refused"
    REMOTE_INTERRUPTED = "remote_interrupted"


class EngineError(Exception):
    """Base of every error the engine raises on purpose. `code` says which kind; `params`
    carry the numbers or names a translated sentence needs (e.g. a context overflow's
    prompt_tokens and context)."""

    code = ErrorCode.ENGINE

    def __init__(self, *args: object, params: Mapping[str, str | int] | None = None) -> None:
        super().__init__(*args)
        self.params: Mapping[str, str | int] = dict(params or {})


class ModelNotFoundError(EngineError):
    """The path does not exist or is not readable."""

    code = ErrorCode.MODEL_NOT_FOUND


class NotAModelError(EngineError):
    """The path exists but is neither a GGUF file nor an OpenVINO IR folder."""

    code = ErrorCode.NOT_A_MODEL


class CorruptModelError(EngineError):
    """The file claims to be a model but its structure is broken (truncated, bad counts)."""

    code = ErrorCode.CORRUPT_MODEL


class UnsupportedModelError(EngineError):
    """A valid model this backend cannot run (architecture, tokenizer or tensor type)."""

    code = ErrorCode.UNSUPPORTED_MODEL


class ChatTemplateError(UnsupportedModelError):
    """The model's chat template is broken, fails, runs too long, grows too large or reaches
    outside its sandbox: no backend can run the model with it."""

    code = ErrorCode.CHAT_TEMPLATE


class RenderStopped(EngineError):
    """`Engine.stop()` (or the caller's stop condition) ended the rendering of a prompt."""

    code = ErrorCode.STOPPED


class BackendUnavailableError(EngineError):
    """The requested backend's library is missing or failed to import."""

    code = ErrorCode.BACKEND_UNAVAILABLE


class ModelLoadError(EngineError):
    """The backend refused to load a model that passed our own validation."""

    code = ErrorCode.MODEL_LOAD


class OutOfMemoryError(ModelLoadError):
    """Not enough RAM or device memory for the model at this context size."""

    code = ErrorCode.OUT_OF_MEMORY


class ContextOverflowError(EngineError):
    """The conversation no longer fits in the model's context window."""

    code = ErrorCode.CONTEXT_OVERFLOW


class GenerationError(EngineError):
    """Generation failed after the model was loaded."""

    code = ErrorCode.GENERATION


@dataclass(frozen=True)
class Problem:
    """An engine error as a signal payload (immutable): its code and parameters for the GUI's
    words (app/words/load.py), and the engine's English sentence as `detail` (`str()`)."""

    code: ErrorCode
    detail: str
    params: Mapping[str, str | int] = field(default_factory=dict)

    @classmethod
    def of(cls, error: EngineError) -> Problem:
        return cls(error.code, str(error), dict(error.params))

    def __str__(self) -> str:
        return self.detail


def context_overflow(
    prompt_tokens: int, context: int, *, at_least: bool = False
) -> ContextOverflowError:
    """The error for a prompt of `prompt_tokens` tokens in a `context`-token window.

    `at_least`: the tokenizer stopped counting (OpenVINO's cuts a prompt at a fixed length), so
    the conversation is longer still. The context in use comes first: a lone number after
    "conversation" was read as the context size.
    """
    size = f"at least {prompt_tokens:,}" if at_least else f"{prompt_tokens:,}"
    return ContextOverflowError(
        f"The conversation does not fit the {context:,}-token context the model was loaded "
        f"with: it is {size} tokens long. Send a shorter message, start a new chat or raise "
        "the context size.",
        params={"prompt_tokens": prompt_tokens, "context": context, "at_least": int(at_least)},
    )


# A source location ("Exception from src/core.cpp:84:", "Check 'x' failed at src/a.cpp:9:") or
# a class path ("engine.errors.UnsupportedModelError: ", "RuntimeError: ") before the words.
_NOT_WORDS = re.compile(
    r"^(?:Exception from \S+:\d+:|Check '.*' failed at \S+:\d+:"
    r"|[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt):)\s*"
)


def plain_reason(text: str, default: str = "no reason given") -> str:
    """The sentence in a library's error text or a traceback: its last line that says more than
    where the error came from, without the source location or class path in front."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        while match := _NOT_WORDS.match(line):
            line = line[match.end() :]
        if line:
            return line
    return default


class RemoteError(EngineError):
    """A remote server could not be used or failed mid-answer. `code` says how (one of the
    REMOTE_* codes); `params` hold `url` and, where there is one, the HTTP `status` and the
    server's own `detail`."""

    def __init__(
        self, code: ErrorCode, message: str, params: Mapping[str, str | int] | None = None
    ) -> None:
        super().__init__(message, params=params)
        self.code = code
