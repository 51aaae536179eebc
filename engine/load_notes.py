"""How a load went, as typed notes: codes with parameters (the engine's vocabulary).

`engine.loading` writes them; the GUI words them in the person's language
(app/words/load.py); the CLI, logs and tests read `LoadNote.english()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from engine.sizes import format_size
from engine.types import BackendName

NoteValue = str | int


class LoadNoteCode(StrEnum):
    """Why a load departed from what was asked. Parameters per code:

    openvino_misreads_gguf: reason (the engine's English sentence about the file)
    ir_needs_openvino: -
    smaller_context: -
    llama_reads_gguf: -
    remembered: backend, device, n_ctx
    context_exceeds_memory: n_ctx (asked), next_n_ctx (loaded instead), need_bytes (what n_ctx
        would take at least: weights + KV cache + runtime), free_bytes (the free memory)
    flash_attention_for_memory: n_ctx, need_bytes (without flash attention), free_bytes
    kv_q8_0_for_memory: n_ctx, need_bytes (with an f16 cache), free_bytes
    The fallback codes say what failed, then what comes next: next_backend ("" = the same),
    next_device ("" = the same, unless the backend changed), next_n_ctx (0 = the same):
    context_out_of_memory: n_ctx
    device_out_of_memory: device
    backend_unavailable: backend, reason
    backend_cannot_run: backend, reason
    device_unusable: device, reason
    backend_failed: backend, reason
    """

    OPENVINO_MISREADS_GGUF = "openvino_misreads_gguf"
    IR_NEEDS_OPENVINO = "ir_needs_openvino"
    SMALLER_CONTEXT = "smaller_context"
    LLAMA_READS_GGUF = "llama_reads_gguf"
    REMEMBERED = "remembered"
    CONTEXT_EXCEEDS_MEMORY = "context_exceeds_memory"
    FLASH_ATTENTION_FOR_MEMORY = "flash_attention_for_memory"
    KV_Q8_0_FOR_MEMORY = "kv_q8_0_for_memory"
    CONTEXT_OUT_OF_MEMORY = "context_out_of_memory"
    DEVICE_OUT_OF_MEMORY = "device_out_of_memory"
    BACKEND_UNAVAILABLE = "backend_unavailable"
    BACKEND_CANNOT_RUN = "backend_cannot_run"
    DEVICE_UNUSABLE = "device_unusable"
    BACKEND_FAILED = "backend_failed"


# The codes of a failed attempt: their note also says what was tried next.
FALLBACK_CODES = frozenset(
    {
        LoadNoteCode.CONTEXT_OUT_OF_MEMORY,
        LoadNoteCode.DEVICE_OUT_OF_MEMORY,
        LoadNoteCode.BACKEND_UNAVAILABLE,
        LoadNoteCode.BACKEND_CANNOT_RUN,
        LoadNoteCode.DEVICE_UNUSABLE,
        LoadNoteCode.BACKEND_FAILED,
    }
)


@dataclass(frozen=True)
class LoadNote:
    """One thing a person should know about how their model was loaded. Words come from the
    reader: `english()` here, Qt's translations in the GUI."""

    code: LoadNoteCode
    params: Mapping[str, NoteValue] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return str(self.params.get(name, ""))

    def number(self, name: str) -> int:
        value = self.params.get(name, 0)
        return value if isinstance(value, int) else 0

    def english(self) -> str:
        return note_english(self)


# --- in English (the CLI, logs and tests; the GUI words notes with app/words/load.py) ------


def note_english(note: LoadNote) -> str:
    code = note.code
    if code in FALLBACK_CODES:
        return f"{_cause_english(note)}; {_instead_english(note)}."
    if code == LoadNoteCode.OPENVINO_MISREADS_GGUF:
        return _sentence(note.text("reason"))
    if code == LoadNoteCode.IR_NEEDS_OPENVINO:
        return "An OpenVINO IR folder runs only on OpenVINO."
    if code == LoadNoteCode.SMALLER_CONTEXT:
        return "A smaller context needs less memory."
    if code == LoadNoteCode.LLAMA_READS_GGUF:
        return "llama.cpp reads every GGUF file."
    if code == LoadNoteCode.CONTEXT_EXCEEDS_MEMORY:
        return (
            f"The context was lowered from {note.number('n_ctx'):,} to "
            f"{note.number('next_n_ctx'):,} tokens: {note.number('n_ctx'):,} tokens would need "
            f"about {_memory(note)}."
        )
    if code == LoadNoteCode.FLASH_ATTENTION_FOR_MEMORY:
        return (
            f"Flash attention is on to save memory: without it, {note.number('n_ctx'):,} tokens "
            f"of context would need about {_memory(note)}."
        )
    if code == LoadNoteCode.KV_Q8_0_FOR_MEMORY:
        return (
            f"The KV cache is kept in q8_0 to save memory: in f16, {note.number('n_ctx'):,} "
            f"tokens of context would need about {_memory(note)}."
        )
    where = f"{backend_english(note.text('backend'))} on {device_english(note.text('device'))}"
    return (
        f"Using what worked for this model before: {where}, {note.number('n_ctx'):,}-token context."
    )


def _memory(note: LoadNote) -> str:
    need, free = format_size(note.number("need_bytes")), format_size(note.number("free_bytes"))
    return f"{need} of memory, and {free} is free"


def _cause_english(note: LoadNote) -> str:
    code, reason = note.code, note.text("reason")
    backend = backend_english(note.text("backend"))
    device = device_english(note.text("device"))
    if code == LoadNoteCode.CONTEXT_OUT_OF_MEMORY:
        n_ctx = note.number("n_ctx")
        return f"There was not enough memory for {_a(n_ctx)} {n_ctx:,}-token context"
    if code == LoadNoteCode.DEVICE_OUT_OF_MEMORY:
        return f"{_capital(device)} ran out of memory"
    if code == LoadNoteCode.BACKEND_UNAVAILABLE:
        return f"{backend} is not available ({reason})"
    if code == LoadNoteCode.BACKEND_CANNOT_RUN:
        return f"{backend} cannot run this model ({reason})"
    if code == LoadNoteCode.DEVICE_UNUSABLE:
        return f"{_capital(device)} could not be used, perhaps a driver problem ({reason})"
    return f"{backend} could not load the model ({reason})"


def _instead_english(note: LoadNote) -> str:
    parts = []
    if note.text("next_backend"):
        parts.append(f"{backend_english(note.text('next_backend'))} on")
    if note.text("next_device"):
        parts.append(device_english(note.text("next_device")))
    n_ctx = note.number("next_n_ctx")
    if n_ctx:
        context = f"{_a(n_ctx)} {n_ctx:,}-token context"
        parts.append(f"with {context}" if parts else context)
    if not parts:
        return "trying again"
    return "using " + " ".join(parts) + " instead"


def _a(number: int) -> str:
    """The article before a number as it is read aloud: "an 8,192", "a 4,096"."""
    text = f"{number:,}"
    return "an" if text.startswith(("8", "11,", "18,")) or text in ("11", "18") else "a"


def device_english(device: str) -> str:
    kind = device.split(".")[0]
    words = {"CPU": "the CPU", "GPU": "the GPU", "NPU": "the NPU", "CUDA": "the NVIDIA GPU"}
    text = words.get(kind, f"the {device} device")
    return f"{text} ({device})" if "." in device else text


def backend_english(backend: str) -> str:
    words = {str(BackendName.LLAMA): "llama.cpp", str(BackendName.OPENVINO): "OpenVINO"}
    return words.get(backend, backend)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip()
    return _capital(text) + ("" if text.endswith(".") else ".")
