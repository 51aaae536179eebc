"""Loading a model: which backend, and what to try when the first choice fails.

The one place that decides the backend. `load_attempts` plans the order from a `LoadRequest`
and the probed accelerators (the remembered choice first; OpenVINO GPU -> NPU -> CPU; CUDA
offload -> CPU; then smaller contexts on the CPU; llama.cpp last for a GGUF);
`load_with_fallback` walks it with `Engine.load`, turning each failure into a typed `LoadNote`.
Given the free RAM, the plan counts weights + KV cache + runtime (engine.kv_cache.load_bytes)
for each CPU context and goes straight to the largest that fits, on llama.cpp turning on flash
attention or a q8_0 cache first where the person left that to the app, and says so, rather
than letting the backend fail or the machine swap.
`load_model` does both and records the winner in a `LoadMemory` the caller passes in (the app's
is app.core.models.remembered). Plain Python: runs on the GUI's worker thread or in the CLI.
Notes carry codes and parameters; the GUI words them (app/words/load.py), the CLI and logs use
`LoadNote.english()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from engine.accelerators import probe_hardware
from engine.backends.registry import is_available
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
from engine.kv_cache import (
    AUTO_KV,
    RUNTIME_OVERHEAD_BYTES,
    bytes_per_element,
    flash_attention,
    kv_cache_bytes,
    kv_cache_type,
    load_bytes,
)
from engine.load_notes import LoadNote, LoadNoteCode, NoteValue
from engine.machine import Hardware
from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model
from engine.openvino_support import openvino_can_run
from engine.session import Engine
from engine.types import AUTO, BackendChoice, BackendName, LoadedModel, LoadRequest

LLAMA = BackendName.LLAMA
OPENVINO = BackendName.OPENVINO
MIN_CONTEXT = 2048
ALL_LAYERS = -1  # llama.cpp: offload every layer
# Failures that no other device, context or backend can fix: the file itself is the problem.
# (A chat template that hangs would otherwise be waited for once per backend.)
_MODEL_ERRORS = (CorruptModelError, ModelNotFoundError, NotAModelError, ChatTemplateError)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """One way to load: the request as the plan varied it, and why it is in the plan."""

    request: LoadRequest
    note: LoadNote | None = None
    # How the plan fitted this attempt to the free memory (a smaller context, flash
    # attention, a q8_0 cache): said whenever this attempt loads.
    memory_notes: tuple[LoadNote, ...] = ()

    @property
    def backend(self) -> BackendName:
        return BackendName(self.request.backend)

    @property
    def device(self) -> str:
        return self.request.device

    @property
    def n_ctx(self) -> int:
        return self.request.n_ctx

    @property
    def n_gpu_layers(self) -> int:
        return self.request.n_gpu_layers

    @property
    def choice(self) -> tuple[str, str, int, int]:
        return self.backend, self.device, self.n_ctx, self.n_gpu_layers


OnAttemptFailed = Callable[[Attempt, EngineError], None]


class LoadMemory(Protocol):
    """What loaded a model before, keyed by what the request asked for (its model, backend,
    device, n_ctx and n_gpu_layers); the app's is app.core.models.remembered.RememberedLoads."""

    def get(self, asked: LoadRequest) -> LoadRequest | None:
        """The request that worked for `asked` (same model), or None."""
        ...

    def remember(self, asked: LoadRequest, worked: LoadRequest) -> None: ...


# --- which backend --------------------------------------------------------------------------


def backends_for(info: ModelInfo) -> list[BackendName]:
    """Backends that can run this model correctly, best first."""
    if info.format == "openvino":
        return [OPENVINO]
    names = [LLAMA]
    if openvino_can_run(info)[0]:
        names.append(OPENVINO)
    return names


def auto_backend(info: ModelInfo) -> BackendName:
    """What "auto" means for this model: the best installed backend that runs it correctly
    (llama.cpp for a GGUF, faster decoding there, docs FACTS; OpenVINO for an IR folder)."""
    candidates = backends_for(info)
    for name in candidates:
        if is_available(name):
            return name
    return candidates[0]  # its load says which package is missing


def _first_backend(info: ModelInfo, asked: BackendChoice) -> tuple[BackendName, LoadNote | None]:
    """The backend the plan starts with, and why it is not the one asked for."""
    backend = auto_backend(info) if asked == AUTO else BackendName(asked)
    if backend == OPENVINO and info.format == "gguf":
        ok, why = openvino_can_run(info)
        if not ok:
            return LLAMA, LoadNote(LoadNoteCode.OPENVINO_MISREADS_GGUF, {"reason": why})
    if backend == LLAMA and info.format == "openvino":
        return OPENVINO, LoadNote(LoadNoteCode.IR_NEEDS_OPENVINO)
    return backend, None


def resolved(request: LoadRequest, info: ModelInfo) -> LoadRequest:
    """The request with "auto" settled for this model; a named backend stays as asked."""
    if request.backend != AUTO:
        return request
    return replace(request, backend=auto_backend(info))


def load_once(engine: Engine, request: LoadRequest, info: ModelInfo | None = None) -> LoadedModel:
    """One load as asked, "auto" settled here, no fallback: the CLI's and the tests' way."""
    if request.backend == BackendName.REMOTE:
        return engine.load(request)
    info = info or inspect_model(request.model)
    return engine.load(resolved(request, info), info)


# --- the plan -------------------------------------------------------------------------------


def load_attempts(
    info: ModelInfo,
    request: LoadRequest,
    hardware: Hardware | None = None,
    memory: LoadMemory | None = None,
    *,
    free_ram_bytes: int | None = None,
) -> list[Attempt]:
    """Every way to load this model, best first, without duplicates.

    Backend "auto" means OpenVINO for an IR folder and llama.cpp for a GGUF; "openvino" on a
    GGUF OpenVINO computes wrongly goes straight to llama.cpp. Device "AUTO" picks the best
    device `hardware` knows of; a named one is tried first as asked. With `free_ram_bytes`,
    CPU contexts that would not fit in it are left out (`within_memory`).
    """
    n_ctx = _context(info, request)
    backend, first_note = _first_backend(info, request.backend)
    base = replace(request, model=info.path, n_ctx=n_ctx)
    devices = (
        _openvino_devices(request.device, hardware)
        if backend == OPENVINO
        else _llama_devices(request, hardware)
    )
    plan = [
        Attempt(_varied(base, backend, device, n_ctx, layers), first_note if i == 0 else None)
        for i, (device, layers) in enumerate(devices)
    ]
    smaller = LoadNote(LoadNoteCode.SMALLER_CONTEXT)
    plan.extend(Attempt(_varied(base, backend, "CPU", c, 0), smaller) for c in _halvings(n_ctx))
    if backend == OPENVINO and info.format == "gguf":
        llama_note = LoadNote(LoadNoteCode.LLAMA_READS_GGUF)
        plan.append(Attempt(_varied(base, LLAMA, "CPU", n_ctx, 0), llama_note))
        plan.extend(Attempt(_varied(base, LLAMA, "CPU", c, 0)) for c in _halvings(n_ctx))
    known = memory.get(replace(request, model=info.path)) if memory is not None else None
    if known is not None and known.backend != AUTO:
        plan.insert(0, _remembered_attempt(replace(known, model=info.path), plan[0]))
    plan = _unique(plan)
    return plan if free_ram_bytes is None else within_memory(plan, info, free_ram_bytes)


def _varied(
    base: LoadRequest, backend: BackendName, device: str, n_ctx: int, layers: int
) -> LoadRequest:
    return replace(base, backend=backend, device=device, n_ctx=n_ctx, n_gpu_layers=layers)


def _remembered_attempt(known: LoadRequest, planned: Attempt) -> Attempt:
    """Worth a note only when it departs from what the request asks for."""
    attempt = Attempt(
        replace(
            planned.request,
            backend=known.backend,
            device=known.device,
            n_ctx=known.n_ctx,
            n_gpu_layers=known.n_gpu_layers,
        )
    )
    if attempt.choice == planned.choice:
        return planned
    params: dict[str, NoteValue] = {
        "backend": attempt.backend,
        "device": attempt.device,
        "n_ctx": attempt.n_ctx,
    }
    return replace(attempt, note=LoadNote(LoadNoteCode.REMEMBERED, params))


def _context(info: ModelInfo, request: LoadRequest) -> int:
    n_ctx = max(request.n_ctx, 1)
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


def _llama_devices(request: LoadRequest, hardware: Hardware | None) -> list[tuple[str, int]]:
    device = (request.device or "CPU").upper()
    has_cuda = hardware is not None and bool(hardware.cuda_offload)
    layers = request.n_gpu_layers
    # llama.cpp offloads whenever gpu_layers is set (engine/backends/llama_cpp.py): keep that.
    if layers != 0 or device in ("CUDA", "GPU") or (device == "AUTO" and has_cuda):
        return [("CUDA", layers or ALL_LAYERS), ("CPU", 0)]
    return [("CPU", 0)]


def needs_accelerators(request: LoadRequest) -> bool:
    """Whether the plan for this request reads the probed accelerators (the probe imports
    OpenVINO and runs nvidia-smi: not worth it while only the CPU is asked for)."""
    return request.device.upper() != "CPU" or request.n_gpu_layers != 0


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


# --- the memory it takes --------------------------------------------------------------------


def attempt_bytes(attempt: Attempt, info: ModelInfo) -> int | None:
    """Weights + KV cache + (llama.cpp without flash attention) the score buffer + runtime, as
    this attempt would load; None when the model does not say its shape."""
    request = attempt.request
    kv_type = kv_cache_type(request.kv_cache, request.n_ctx, attempt.backend)
    return load_bytes(info, request.n_ctx, kv_type, _flash(request, attempt.backend, kv_type))


def _flash(request: LoadRequest, backend: BackendName, kv_type: str) -> bool:
    if backend != LLAMA:
        return True  # OpenVINO's paged attention holds no score buffer of the context's size
    offload = request.n_gpu_layers != 0
    return flash_attention(request.flash_attn, kv_type, offload)


@dataclass(frozen=True)
class _Variant:
    """One way to load an attempt's context: the request and what its change saves."""

    request: LoadRequest
    need: int
    note: LoadNote | None = None


def _variants(attempt: Attempt, info: ModelInfo, free: int) -> list[_Variant] | None:
    """The ways to load this attempt's context on llama.cpp, fastest first (measured,
    docs/kv-cache.md): as asked; with flash attention (no score buffer, decoding slower); with
    a q8_0 cache (half the cache, long prompts read slower). Only where the person left the
    choice to the app. None when the model does not say its shape."""
    request = attempt.request
    asked = attempt_bytes(attempt, info)
    if asked is None:
        return None
    variants = [_Variant(request, asked)]
    if attempt.backend != LLAMA:
        return variants
    kv_type = kv_cache_type(request.kv_cache, request.n_ctx, attempt.backend)
    if kv_type == "f16" and request.flash_attn is None and not _flash(request, LLAMA, kv_type):
        flashed = replace(request, flash_attn=True)
        need = load_bytes(info, request.n_ctx, "f16", flash=True) or 0
        note = _memory_note(LoadNoteCode.FLASH_ATTENTION_FOR_MEMORY, request, asked, free)
        variants.append(_Variant(flashed, need, note))
    if request.kv_cache == AUTO_KV:
        quantized = replace(request, kv_cache="q8_0")
        need = load_bytes(info, request.n_ctx, "q8_0", flash=True) or 0
        f16_need = variants[-1].need
        note = _memory_note(LoadNoteCode.KV_Q8_0_FOR_MEMORY, request, f16_need, free)
        variants.append(_Variant(quantized, need, note))
    return variants


def _memory_note(code: LoadNoteCode, request: LoadRequest, need: int, free: int) -> LoadNote:
    return LoadNote(code, {"n_ctx": request.n_ctx, "need_bytes": need, "free_bytes": free})


def within_memory(plan: list[Attempt], info: ModelInfo, free_ram_bytes: int) -> list[Attempt]:
    """The plan fitted to `free_ram_bytes`, for each backend's CPU attempts: the largest
    context that fits comes first, loaded the fastest way that fits (on llama.cpp, where the
    person left it to the app: flash attention, then a q8_0 cache), each change with a note
    saying why; the smallest context, saving all it can, where none fits. No change where the
    model does not say its shape. Attempts on a GPU or NPU keep their place: their memory is
    not the RAM."""
    for backend in dict.fromkeys(attempt.backend for attempt in plan):
        plan = _backend_within_memory(plan, backend, info, free_ram_bytes)
    return plan


def _backend_within_memory(
    plan: list[Attempt], backend: BackendName, info: ModelInfo, free: int
) -> list[Attempt]:
    on_cpu = [a for a in plan if a.backend == backend and a.device == "CPU"]
    ways: dict[int, list[_Variant]] = {}
    for attempt in on_cpu:
        variants = _variants(attempt, info, free)
        if variants is None:
            return plan
        ways.setdefault(attempt.n_ctx, variants)
    if not ways:
        return plan
    fitting = {n_ctx: next((v for v in vs if v.need <= free), None) for n_ctx, vs in ways.items()}
    fits = [n_ctx for n_ctx, variant in fitting.items() if variant is not None]
    target = max(fits) if fits else min(ways)
    chosen = fitting[target] or ways[target][-1]
    dropped = [a for a in on_cpu if a.n_ctx > target]
    notes = [chosen.note] if chosen.note is not None else []
    if dropped:
        asked = dropped[0].n_ctx
        params: dict[str, NoteValue] = {
            "n_ctx": asked,
            "next_n_ctx": target,
            "need_bytes": ways[asked][-1].need,
            "free_bytes": free,
        }
        notes.insert(0, LoadNote(LoadNoteCode.CONTEXT_EXCEEDS_MEMORY, params))
    if not notes:
        return plan
    # A note the first attempt carried about the backend still holds for its replacement;
    # one about the context (a remembered or smaller one) does not.
    carried = plan[0].note if plan[0] in dropped else None
    if carried is not None and carried.code in _CONTEXT_NOTES:
        carried = None
    first = next(a for a in on_cpu if a.n_ctx == target)
    own = None if first.note is not None and first.note.code in _CONTEXT_NOTES else first.note
    fitted = replace(first, request=chosen.request, note=carried or own, memory_notes=tuple(notes))
    return [fitted if a is first else a for a in plan if a not in dropped]


_CONTEXT_NOTES = frozenset({LoadNoteCode.REMEMBERED, LoadNoteCode.SMALLER_CONTEXT})


def free_ram_for_load(engine: Engine) -> int | None:
    """The RAM a new load may use: free now, plus what unloading the model in use gives back
    (its KV cache and runtime; its weights are file pages the system counts as free already).
    None when it cannot be probed."""
    try:
        free = probe_hardware().available_ram_bytes
    except Exception:  # noqa: BLE001 (no figure: plan without the memory check)
        log.exception("probing the free memory failed")
        return None
    loaded = engine.loaded
    if loaded is None:
        return free
    # llama.cpp's q8_0 cache shows in `precision` ("KV q8_0"); every other one is f16.
    kv_type = "q8_0" if "q8_0" in loaded.precision else "f16"
    kv = kv_cache_bytes(loaded.info, loaded.context_length, bytes_per_element(kv_type))
    return free + (kv or 0) + RUNTIME_OVERHEAD_BYTES


# --- walking it -----------------------------------------------------------------------------


def load_with_fallback(
    engine: Engine,
    info: ModelInfo,
    attempts: Sequence[Attempt],
    on_attempt_failed: OnAttemptFailed | None = None,
    *,
    on_loaded: Callable[[Attempt], None] | None = None,
) -> tuple[LoadedModel, list[LoadNote]]:
    """Tries each attempt in turn; returns the loaded model and what happened, as notes.

    A broken file stops at once (no device helps); a backend that is missing or cannot run the
    model is skipped for the rest of the plan. When everything fails, the first meaningful error
    is raised: about the model rather than about a device that was only worth a try.
    """
    if not attempts:
        raise ValueError("No load attempts to try.")
    failures: list[tuple[Attempt, EngineError]] = []
    skipped_backends: set[str] = set()
    notes: list[LoadNote] = []
    for attempt in attempts:
        if attempt.backend in skipped_backends:
            continue
        if failures:
            notes.append(_fallback_note(*failures[-1], attempt))
        try:
            loaded = engine.load(attempt.request, info)
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
        if not failures and attempt.note is not None:
            # The plan already departed from the request (a remembered choice, or llama.cpp
            # for a GGUF OpenVINO gets wrong): say so.
            notes.append(attempt.note)
        notes.extend(attempt.memory_notes)
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


def _fallback_note(attempt: Attempt, exc: EngineError, following: Attempt) -> LoadNote:
    code, params = _cause(attempt, exc)
    backend_changed = following.backend != attempt.backend
    device_shown = backend_changed or following.device != attempt.device
    params.update(
        next_backend=following.backend if backend_changed else "",
        next_device=following.device if device_shown else "",
        next_n_ctx=following.n_ctx if following.n_ctx != attempt.n_ctx else 0,
    )
    return LoadNote(code, params)


def _cause(attempt: Attempt, exc: EngineError) -> tuple[LoadNoteCode, dict[str, NoteValue]]:
    reason = _clause(exc)
    if isinstance(exc, OutOfMemoryError):
        if attempt.device == "CPU":
            return LoadNoteCode.CONTEXT_OUT_OF_MEMORY, {"n_ctx": attempt.n_ctx}
        return LoadNoteCode.DEVICE_OUT_OF_MEMORY, {"device": attempt.device}
    if isinstance(exc, BackendUnavailableError):
        return LoadNoteCode.BACKEND_UNAVAILABLE, {"backend": attempt.backend, "reason": reason}
    if isinstance(exc, UnsupportedModelError):
        return LoadNoteCode.BACKEND_CANNOT_RUN, {"backend": attempt.backend, "reason": reason}
    if attempt.device != "CPU":
        return LoadNoteCode.DEVICE_UNUSABLE, {"device": attempt.device, "reason": reason}
    return LoadNoteCode.BACKEND_FAILED, {"backend": attempt.backend, "reason": reason}


def _clause(exc: Exception) -> str:
    """The error's sentence as a clause inside parentheses: no full stop, and no capital unless
    the first word is a name ("OpenVINO", "CPU") rather than an ordinary word ("The")."""
    text = str(exc).strip().rstrip(".") or type(exc).__name__
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


# --- both -----------------------------------------------------------------------------------


def load_model(
    engine: Engine,
    request: LoadRequest,
    hardware: Hardware | None = None,
    memory: LoadMemory | None = None,
    on_attempt_failed: OnAttemptFailed | None = None,
    *,
    info: ModelInfo | None = None,
    free_ram_bytes: int | None = None,
) -> tuple[LoadedModel, list[LoadNote]]:
    """Plan, load with fallback, remember the winner: what the GUI's worker calls.
    `free_ram_bytes`: the RAM this load may use (default: probed now, `free_ram_for_load`).
    A remote model has nothing to plan: one attempt, on its server."""
    if request.backend == BackendName.REMOTE:
        return engine.load(request), []
    info = info or inspect_model(request.model)
    asked = replace(request, model=info.path)
    free = free_ram_bytes if free_ram_bytes is not None else free_ram_for_load(engine)
    attempts = load_attempts(info, asked, hardware, memory, free_ram_bytes=free)

    def keep(attempt: Attempt) -> None:
        if memory is not None:
            memory.remember(asked, attempt.request)

    return load_with_fallback(engine, info, attempts, on_attempt_failed, on_loaded=keep)
