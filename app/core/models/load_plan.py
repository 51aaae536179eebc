"""Loading a model when the first choice fails: step down, say why, remember what worked.

`load_attempts` plans the order (the remembered choice first; OpenVINO GPU -> NPU -> CPU; CUDA
offload -> CPU; then smaller contexts on the CPU; llama.cpp last for a GGUF); `load_with_fallback`
walks it with `Engine.load`, turning each failure into one plain sentence. `load_model` does
both and records the winner in the load memory (`app.core.models.remembered`). All of it is
Qt-free and runs on the worker thread (or in the CLI).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from app.core.models.hardware import Hardware
from app.core.settings import Settings
from engine.errors import (
    BackendUnavailableError,
    ChatTemplateError,
    CorruptModelError,
    EngineError,
    ModelNotFoundError,
    NotAModelError,
    OutOfMemoryError,
    UnsupportedModelError,
)
from engine.model_info import ModelInfo, openvino_can_run
from engine.session import Engine, LoadedModel
from engine.types import LoadOptions

LLAMA = "llama"
OPENVINO = "openvino"
MIN_CONTEXT = 2048
ALL_LAYERS = -1  # llama.cpp: offload every layer
# Failures that no other device, context or backend can fix: the file itself is the problem.
# (A chat template that hangs would otherwise be waited for once per backend.)
_MODEL_ERRORS = (CorruptModelError, ModelNotFoundError, NotAModelError, ChatTemplateError)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    backend: str  # "llama" | "openvino" (engine.backends.registry names)
    device: str  # "CPU", "GPU", "GPU.1", "NPU", "CUDA"
    n_ctx: int
    n_gpu_layers: int = 0
    reason: str = ""  # why this attempt is in the plan, in plain words

    @property
    def choice(self) -> tuple[str, str, int, int]:
        return self.backend, self.device, self.n_ctx, self.n_gpu_layers

    def options(self, base: LoadOptions) -> LoadOptions:
        return replace(base, device=self.device, n_ctx=self.n_ctx, n_gpu_layers=self.n_gpu_layers)


OnAttemptFailed = Callable[[Attempt, EngineError], None]


class LoadMemory(Protocol):
    """What worked before (app.core.models.remembered.RememberedLoads)."""

    def get(self, model: Path, settings: Settings) -> Attempt | None: ...

    def remember(self, model: Path, settings: Settings, attempt: Attempt) -> None: ...


# --- the plan -------------------------------------------------------------------------------


def load_attempts(
    info: ModelInfo,
    settings: Settings,
    hardware: Hardware | None = None,
    remembered: LoadMemory | None = None,
) -> list[Attempt]:
    """Every way to load this model, best first, without duplicates.

    `settings.backend` "auto" means OpenVINO for an IR folder and llama.cpp for a GGUF (faster
    decoding there, docs FACTS); "openvino" on a GGUF OpenVINO computes wrongly goes straight to
    llama.cpp. `settings.device` "AUTO" picks the best device `hardware` knows of; a named one is
    tried first as asked.
    """
    n_ctx = _context(info, settings)
    plan: list[Attempt] = []
    backend = settings.backend
    first_reason = ""
    if backend not in (LLAMA, OPENVINO):
        backend = OPENVINO if info.format == "openvino" else LLAMA
    if backend == OPENVINO and info.format == "gguf":
        ok, why = openvino_can_run(info)
        if not ok:
            backend, first_reason = LLAMA, _sentence(why)
    if backend == LLAMA and info.format == "openvino":
        backend, first_reason = OPENVINO, "An OpenVINO IR folder runs only on OpenVINO."

    devices = (
        _openvino_devices(settings.device, hardware)
        if backend == OPENVINO
        else _llama_devices(settings, hardware)
    )
    for i, (device, layers) in enumerate(devices):
        plan.append(Attempt(backend, device, n_ctx, layers, first_reason if i == 0 else ""))
    for smaller in _halvings(n_ctx):
        plan.append(Attempt(backend, "CPU", smaller, 0, "A smaller context needs less memory."))
    if backend == OPENVINO and info.format == "gguf":
        plan.append(Attempt(LLAMA, "CPU", n_ctx, 0, "llama.cpp reads every GGUF file."))
        plan.extend(Attempt(LLAMA, "CPU", c, 0) for c in _halvings(n_ctx))
    known = remembered.get(info.path, settings) if remembered is not None else None
    if known is not None:
        plan.insert(0, _remembered_attempt(known, plan[0]))
    return _unique(plan)


def _remembered_attempt(known: Attempt, planned: Attempt) -> Attempt:
    """Worth a note only when it departs from what the settings ask for."""
    if known.choice == planned.choice:
        return replace(known, reason=planned.reason)
    where = f"{_backend_words(known.backend)} on {_device_words(known.device)}"
    return replace(
        known,
        reason=f"Using what worked for this model before: {where}, {known.n_ctx:,}-token context.",
    )


def _context(info: ModelInfo, settings: Settings) -> int:
    n_ctx = max(settings.context_length, 1)
    if info.context_length:
        n_ctx = min(n_ctx, info.context_length)
    return n_ctx


def _halvings(n_ctx: int) -> list[int]:
    sizes = []
    while n_ctx > MIN_CONTEXT:
        n_ctx = max(n_ctx // 2, MIN_CONTEXT)
        sizes.append(n_ctx)
    return sizes


def _openvino_devices(requested: str, hardware: Hardware | None) -> list[tuple[str, int]]:
    wanted = (requested or "CPU").upper()
    known = [d.id for d in hardware.openvino_devices or ()] if hardware is not None else []
    gpus = [d for d in known if _kind(d) == "GPU"]
    npus = [d for d in known if _kind(d) == "NPU"]
    if wanted == "AUTO":
        devices = [*gpus, *npus]
    elif wanted == "CPU":
        devices = []
    elif _kind(wanted) == "GPU":
        devices = [wanted, *npus]  # GPU -> NPU -> CPU
    else:
        devices = [wanted]
    return [(d, 0) for d in [*devices, "CPU"]]


def _llama_devices(settings: Settings, hardware: Hardware | None) -> list[tuple[str, int]]:
    device = (settings.device or "CPU").upper()
    has_cuda = hardware is not None and bool(hardware.cuda_offload)
    # llama.cpp offloads whenever gpu_layers is set (engine/backends/llama_cpp.py): keep that.
    if settings.gpu_layers != 0 or device in ("CUDA", "GPU") or (device == "AUTO" and has_cuda):
        return [("CUDA", settings.gpu_layers or ALL_LAYERS), ("CPU", 0)]
    return [("CPU", 0)]


def _kind(device: str) -> str:
    return device.split(".")[0]


def _unique(plan: list[Attempt]) -> list[Attempt]:
    seen: set[tuple[str, str, int, int]] = set()
    result = []
    for attempt in plan:
        if attempt.choice not in seen:
            seen.add(attempt.choice)
            result.append(attempt)
    return result


# --- walking it -----------------------------------------------------------------------------


def load_with_fallback(
    engine: Engine,
    info: ModelInfo,
    attempts: Sequence[Attempt],
    on_attempt_failed: OnAttemptFailed | None = None,
    *,
    base_options: LoadOptions | None = None,
    on_loaded: Callable[[Attempt], None] | None = None,
) -> tuple[LoadedModel, list[str]]:
    """Tries each attempt in turn; returns the loaded model and what happened, in sentences.

    A broken file stops at once (no device helps); a backend that is missing or cannot run the
    model is skipped for the rest of the plan. When everything fails, the first meaningful error
    is raised: about the model rather than about a device that was only worth a try.
    """
    if not attempts:
        raise ValueError("No load attempts to try.")
    base = base_options or LoadOptions()
    failures: list[tuple[Attempt, EngineError]] = []
    skipped_backends: set[str] = set()
    notes: list[str] = []
    for attempt in attempts:
        if attempt.backend in skipped_backends:
            continue
        if failures:
            notes.append(_explain(*failures[-1], attempt))
        try:
            loaded = engine.load(info, attempt.backend, attempt.options(base))
        except _MODEL_ERRORS:
            raise
        except EngineError as exc:
            log.info("Load attempt %s failed: %s", attempt.choice, exc)
            failures.append((attempt, exc))
            if on_attempt_failed is not None:
                on_attempt_failed(attempt, exc)
            if isinstance(exc, BackendUnavailableError | UnsupportedModelError):
                skipped_backends.add(attempt.backend)
            continue
        if not failures and attempt.reason:
            # The plan already departed from the settings (a remembered choice, or llama.cpp
            # for a GGUF OpenVINO gets wrong): say so.
            notes.append(attempt.reason)
        if on_loaded is not None:
            on_loaded(attempt)
        return loaded, notes
    raise _first_meaningful(failures)


def _first_meaningful(failures: list[tuple[Attempt, EngineError]]) -> EngineError:
    for _attempt, exc in failures:
        if isinstance(exc, UnsupportedModelError):
            return exc
    for attempt, exc in failures:
        if attempt.device == "CPU" and not isinstance(exc, BackendUnavailableError):
            return exc
    return failures[0][1]


def _explain(attempt: Attempt, exc: EngineError, following: Attempt) -> str:
    return f"{_cause(attempt, exc)}; {_instead(attempt, following)}."


def _cause(attempt: Attempt, exc: EngineError) -> str:
    device = _device_words(attempt.device)
    if isinstance(exc, OutOfMemoryError):
        if attempt.device == "CPU":
            context = f"{_a(attempt.n_ctx)} {attempt.n_ctx:,}-token context"
            return f"There was not enough memory for {context}"
        return f"{_capital(device)} ran out of memory"
    if isinstance(exc, BackendUnavailableError):
        return f"{_backend_words(attempt.backend)} is not available ({_clause(exc)})"
    if isinstance(exc, UnsupportedModelError):
        return f"{_backend_words(attempt.backend)} cannot run this model ({_clause(exc)})"
    if attempt.device != "CPU":
        return f"{_capital(device)} could not be used, perhaps a driver problem ({_clause(exc)})"
    return f"{_backend_words(attempt.backend)} could not load the model ({_clause(exc)})"


def _instead(before: Attempt, after: Attempt) -> str:
    parts = []
    if after.backend != before.backend:
        parts.append(f"{_backend_words(after.backend)} on")
    if parts or after.device != before.device:
        parts.append(_device_words(after.device))
    if after.n_ctx != before.n_ctx:
        context = f"{_a(after.n_ctx)} {after.n_ctx:,}-token context"
        parts.append(f"with {context}" if parts else context)
    if not parts:
        return "trying again"
    return "using " + " ".join(parts) + " instead"


def _a(number: int) -> str:
    """The article before a number as it is read aloud: "an 8,192", "a 4,096"."""
    text = f"{number:,}"
    return "an" if text.startswith(("8", "11,", "18,")) or text in ("11", "18") else "a"


def _device_words(device: str) -> str:
    kind = device.split(".")[0]
    words = {"CPU": "the CPU", "GPU": "the GPU", "NPU": "the NPU", "CUDA": "the NVIDIA GPU"}
    text = words.get(kind, f"the {device} device")
    return f"{text} ({device})" if "." in device else text


def _backend_words(backend: str) -> str:
    return {LLAMA: "llama.cpp", OPENVINO: "OpenVINO"}.get(backend, backend)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clause(exc: Exception) -> str:
    """The error's sentence as a clause inside parentheses: no full stop, and no capital unless
    the first word is a name ("OpenVINO", "CPU") rather than an ordinary word ("The")."""
    text = str(exc).strip().rstrip(".") or type(exc).__name__
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    return _capital(text) + ("" if text.endswith(".") else ".")


# --- both -----------------------------------------------------------------------------------


def load_model(
    engine: Engine,
    info: ModelInfo,
    settings: Settings,
    hardware: Hardware | None = None,
    remembered: LoadMemory | None = None,
    on_attempt_failed: OnAttemptFailed | None = None,
    *,
    base_options: LoadOptions | None = None,
) -> tuple[LoadedModel, list[str]]:
    """Plan, load with fallback, remember the winner: what the worker and the CLI call.

    `base_options` carries what the plan does not decide (threads, cache folder, flash
    attention); by default they come from `settings`."""
    attempts = load_attempts(info, settings, hardware, remembered)

    def keep(attempt: Attempt) -> None:
        if remembered is not None:
            remembered.remember(info.path, settings, attempt)

    return load_with_fallback(
        engine,
        info,
        attempts,
        on_attempt_failed,
        base_options=base_options or settings.load_options(),
        on_loaded=keep,
    )
