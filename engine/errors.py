"""Typed engine errors. Each message is written for the person using the app."""

from __future__ import annotations


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
