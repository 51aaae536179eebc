"""Typed engine errors. Each message is written for the person using the app."""

from __future__ import annotations

import re


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class ModelNotFoundError(EngineError):
    """The path does not exist or is not readable."""


class NotAModelError(EngineError):
    """The path exists but is neither a GGUF file nor an OpenVINO IR folder."""


class CorruptModelError(EngineError):
    """The file claims to be a model but its structure is broken (truncated, bad counts)."""


class UnsupportedModelError(EngineError):
    """A valid model this backend cannot run (architecture, tokenizer or tensor type)."""


class ChatTemplateError(UnsupportedModelError):
    """The model's chat template is broken, fails, runs too long, grows too large or reaches
    outside its sandbox: no backend can run the model with it."""


class RenderStopped(EngineError):
    """`Engine.stop()` (or the caller's stop condition) ended the rendering of a prompt."""


class BackendUnavailableError(EngineError):
    """The requested backend's library is missing or failed to import."""


class ModelLoadError(EngineError):
    """The backend refused to load a model that passed our own validation."""


class OutOfMemoryError(ModelLoadError):
    """Not enough RAM or device memory for the model at this context size."""


class ContextOverflowError(EngineError):
    """The conversation no longer fits in the model's context window."""


class GenerationError(EngineError):
    """Generation failed after the model was loaded."""


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
        "the context size."
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
