"""Which backends are installed here, and how to make one. Which backend a model loads on is
decided by the planner (engine.loading), never here."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from engine.backends.base import Backend
from engine.errors import BackendUnavailableError
from engine.types import BackendName

BACKEND_NAMES = tuple(BackendName)
_MODULES = {
    BackendName.LLAMA: "llama_cpp",
    BackendName.OPENVINO: "openvino_genai",
    BackendName.REMOTE: "openai",
}
_PACKAGES = {
    BackendName.LLAMA: "llama-cpp-python",
    BackendName.OPENVINO: "openvino-genai",
    BackendName.REMOTE: "openai",
}


@dataclass(frozen=True)
class BackendStatus:
    name: BackendName
    available: bool
    reason: str = ""


def available_backends() -> list[BackendStatus]:
    """Cheap: looks for the packages without importing their native libraries."""
    statuses = []
    for name in BACKEND_NAMES:
        if importlib.util.find_spec(_MODULES[name]) is None:
            reason = f"{_PACKAGES[name]} is not installed"
            statuses.append(BackendStatus(name, False, reason))
        else:
            statuses.append(BackendStatus(name, True))
    return statuses


def is_available(name: str) -> bool:
    return any(s.name == name and s.available for s in available_backends())


def require(name: str) -> BackendName:
    """The backend of this name, when it is known and installed."""
    try:
        backend = BackendName(name)
    except ValueError:
        raise BackendUnavailableError(f"Unknown backend '{name}'.") from None
    for status in available_backends():
        if status.name == backend and not status.available:
            raise BackendUnavailableError(f"The {backend} backend is unavailable: {status.reason}.")
    return backend


def create_backend(name: str) -> Backend:
    if name == BackendName.LLAMA:
        from engine.backends.llama_cpp import LlamaCppBackend

        return LlamaCppBackend()
    if name == BackendName.OPENVINO:
        from engine.backends.openvino import OpenVinoBackend

        return OpenVinoBackend()
    if name == BackendName.REMOTE:
        from engine.backends.remote import RemoteBackend

        return RemoteBackend()
    raise BackendUnavailableError(f"Unknown backend '{name}'.")
