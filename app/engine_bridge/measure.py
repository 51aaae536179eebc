"""What the chat needs to know about a prompt before it asks for an answer: how many tokens it
takes, how many each message brings, and what a larger context would cost here.

Plain Python (no Qt): the engine worker runs `measure_prompt` on its own thread, between
generations, and sends the `PromptMeasure` to the GUI as a signal payload.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.core.context_fit import free_context_memory
from engine.accelerators import probe_hardware
from engine.errors import GenerationError
from engine.kv_cache import kv_bytes_per_token
from engine.session import Engine
from engine.types import GenerationParams, Message


@dataclass(frozen=True)
class PromptMeasure:
    """A prompt as the loaded model would read it, and what the loaded model allows.

    `message_tokens`: per message, adding up to `prompt_tokens`; `context_length`: the context
    the model was loaded with; `trained_context`: the model's own (None when it does not say);
    `kv_bytes_per_token`: what one more token of context costs in memory (None: unknown);
    `free_memory_bytes`: the memory a larger context would come out of (None: unknown);
    `model`, `backend`, `device`: which model measured it (for the prefill estimate)."""

    prompt_tokens: int
    message_tokens: tuple[int, ...]
    context_length: int
    trained_context: int | None
    kv_bytes_per_token: int | None
    free_memory_bytes: int | None
    model: str
    backend: str
    device: str


def measure_prompt(
    engine: Engine,
    messages: Sequence[Message],
    params: GenerationParams,
    should_stop: Callable[[], bool] | None = None,
) -> PromptMeasure:
    """Renders and tokenizes `messages` exactly as `engine.generate` would, without generating.
    Raises the engine's errors (no model, a template that fails, `RenderStopped` once
    `should_stop()` turns true while the template renders)."""
    loaded = engine.loaded
    if loaded is None:
        raise GenerationError("No model is loaded.")
    # A model's template may run for its whole time limit (a hostile one, on purpose): Stop
    # reaches every render of the measurement.
    if messages:
        counts = tuple(engine.message_tokens(messages, params, should_stop))
        total = sum(counts)
    else:
        counts, total = (), engine.prompt_tokens(messages, params, should_stop)
    return PromptMeasure(
        prompt_tokens=total,
        message_tokens=counts,
        context_length=engine.context_length,
        trained_context=loaded.info.context_length,
        kv_bytes_per_token=kv_bytes_per_token(loaded.info),
        free_memory_bytes=_free_memory(loaded.backend, loaded.device),
        model=str(loaded.info.path),
        backend=loaded.backend,
        device=loaded.device,
    )


def _free_memory(backend: str, device: str) -> int | None:
    """RAM now (cheap); a GPU's free memory only where the model runs on one."""
    on_cpu = device.split(".")[0].upper() == "CPU"
    try:
        return free_context_memory(probe_hardware(accelerators=not on_cpu), backend, device)
    except Exception:  # a probe that fails hides the memory figure, never the measure
        return None
