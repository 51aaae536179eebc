"""Which backends exist here, and how to make one."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from engine.backends.base import Backend
from engine.errors import BackendUnavailableError, UnsupportedModelError
from engine.model_info import ModelInfo, openvino_can_run

LLAMA = "llama"
OPENVINO = "openvino"
BACKEND_NAMES = (LLAMA, OPENVINO)
_MODULES = {LLAMA: "llama_cpp", OPENVINO: "openvino_genai"}
_PACKAGES = {LLAMA: "llama-cpp-python", OPENVINO: "openvino-genai"}


@dataclass(frozen=True)
class BackendStatus:
    name: str
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


def _require(name: str) -> None:
    for status in available_backends():
        if status.name == name and not status.available:
            raise BackendUnavailableError(f"The {name} backend is unavailable: {status.reason}.")


def backends_for(info: ModelInfo) -> list[str]:
    """Backends that can run this model correctly, best first."""
    if info.format == "openvino":
        return [OPENVINO]
    names = [LLAMA]
    if openvino_can_run(info)[0]:
        names.append(OPENVINO)
    return names


def choose_backend(info: ModelInfo, requested: str = "auto") -> str:
    if requested == "auto":
        usable = {s.name for s in available_backends() if s.available}
        for name in backends_for(info):
            if name in usable:
                return name
        raise BackendUnavailableError("No installed backend can run this model.")
    if requested not in BACKEND_NAMES:
        raise BackendUnavailableError(f"Unknown backend '{requested}'.")
    _require(requested)
    if info.format == "openvino" and requested != OPENVINO:
        raise UnsupportedModelError("An OpenVINO IR folder runs only on the OpenVINO backend.")
    return requested


def create_backend(name: str) -> Backend:
    if name == LLAMA:
        from engine.backends.llama_cpp import LlamaCppBackend

        return LlamaCppBackend()
    if name == OPENVINO:
        from engine.backends.openvino import OpenVinoBackend

        return OpenVinoBackend()
    raise BackendUnavailableError(f"Unknown backend '{name}'.")
