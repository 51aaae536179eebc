"""Load notes and engine errors in the person's language.

The engine reports how a load went as codes with parameters (engine.loading.LoadNote,
engine.errors.EngineError.code/params); this module turns them into sentences through
`QCoreApplication.translate("LoadWords", ...)`, each with a literal string so lupdate finds it.
The English sources match the engine's own English rendering (what the CLI prints).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.words.remote import REMOTE_CODES, remote_error_text
from engine.errors import EngineError, ErrorCode, Problem
from engine.load_notes import FALLBACK_CODES, LoadNote, LoadNoteCode
from engine.sizes import format_size
from engine.types import BackendName


def backend_text(backend: str) -> str:
    if backend == BackendName.LLAMA:
        return QCoreApplication.translate("LoadWords", "llama.cpp")
    if backend == BackendName.OPENVINO:
        return QCoreApplication.translate("LoadWords", "OpenVINO")
    if backend == BackendName.REMOTE:
        return QCoreApplication.translate("LoadWords", "remote server")
    return backend


def device_text(device: str) -> str:
    """ "the GPU", "the NVIDIA GPU", "the GPU (GPU.1)"."""
    kind = device.split(".")[0]
    if kind == "CPU":
        text = QCoreApplication.translate("LoadWords", "the CPU")
    elif kind == "GPU":
        text = QCoreApplication.translate("LoadWords", "the GPU")
    elif kind == "NPU":
        text = QCoreApplication.translate("LoadWords", "the NPU")
    elif kind == "CUDA":
        text = QCoreApplication.translate("LoadWords", "the NVIDIA GPU")
    else:
        text = QCoreApplication.translate("LoadWords", "the {device} device").format(device=device)
    if "." in device:
        return QCoreApplication.translate("LoadWords", "{device_words} ({device})").format(
            device_words=text, device=device
        )
    return text


def load_note_text(note: LoadNote) -> str:
    """One note as a sentence."""
    if note.code in FALLBACK_CODES:
        return QCoreApplication.translate("LoadWords", "{cause}; {instead}.").format(
            cause=_cause_text(note), instead=_instead_text(note)
        )
    if note.code == LoadNoteCode.OPENVINO_MISREADS_GGUF:
        # The reason is the engine's description of the file's tensor types.
        reason = note.text("reason").strip().rstrip(".")
        return QCoreApplication.translate("LoadWords", "{reason}.").format(
            reason=reason[:1].upper() + reason[1:]
        )
    if note.code == LoadNoteCode.IR_NEEDS_OPENVINO:
        return QCoreApplication.translate(
            "LoadWords", "An OpenVINO IR folder runs only on OpenVINO."
        )
    if note.code == LoadNoteCode.SMALLER_CONTEXT:
        return QCoreApplication.translate("LoadWords", "A smaller context needs less memory.")
    if note.code == LoadNoteCode.LLAMA_READS_GGUF:
        return QCoreApplication.translate("LoadWords", "llama.cpp reads every GGUF file.")
    if note.code in _MEMORY_CODES:
        return _memory_note_text(note)
    return QCoreApplication.translate(
        "LoadWords",
        "Using what worked for this model before: {backend} on {device}, {n_ctx}-token context.",
    ).format(
        backend=backend_text(note.text("backend")),
        device=device_text(note.text("device")),
        n_ctx=f"{note.number('n_ctx'):,}",
    )


_MEMORY_CODES = frozenset(
    {
        LoadNoteCode.CONTEXT_EXCEEDS_MEMORY,
        LoadNoteCode.FLASH_ATTENTION_FOR_MEMORY,
        LoadNoteCode.KV_Q8_0_FOR_MEMORY,
    }
)


def _memory_note_text(note: LoadNote) -> str:
    """How the load was fitted to the free memory, with the numbers that made it necessary."""
    if note.code == LoadNoteCode.CONTEXT_EXCEEDS_MEMORY:
        sentence = QCoreApplication.translate(
            "LoadWords",
            "The context was lowered from {n_ctx} to {next_n_ctx} tokens: {n_ctx} tokens would "
            "need about {need} of memory, and {free} is free.",
        )
    elif note.code == LoadNoteCode.FLASH_ATTENTION_FOR_MEMORY:
        sentence = QCoreApplication.translate(
            "LoadWords",
            "Flash attention is on to save memory: without it, {n_ctx} tokens of context would "
            "need about {need} of memory, and {free} is free.",
        )
    else:
        sentence = QCoreApplication.translate(
            "LoadWords",
            "The KV cache is kept in q8_0 to save memory: in f16, {n_ctx} tokens of context "
            "would need about {need} of memory, and {free} is free.",
        )
    return sentence.format(
        n_ctx=f"{note.number('n_ctx'):,}",
        next_n_ctx=f"{note.number('next_n_ctx'):,}",
        need=format_size(note.number("need_bytes")),
        free=format_size(note.number("free_bytes")),
    )


def load_notes_text(notes: tuple[LoadNote, ...]) -> str:
    return "\n".join(load_note_text(note) for note in notes)


def _cause_text(note: LoadNote) -> str:
    code = note.code
    reason = note.text("reason")
    backend = backend_text(note.text("backend"))
    device = _capital(device_text(note.text("device")))
    if code == LoadNoteCode.CONTEXT_OUT_OF_MEMORY:
        return _context_text(
            note.number("n_ctx"),
            QCoreApplication.translate(
                "LoadWords", "There was not enough memory for a {n_ctx}-token context"
            ),
            QCoreApplication.translate(
                "LoadWords", "There was not enough memory for an {n_ctx}-token context"
            ),
        )
    if code == LoadNoteCode.DEVICE_OUT_OF_MEMORY:
        return QCoreApplication.translate("LoadWords", "{device} ran out of memory").format(
            device=device
        )
    if code == LoadNoteCode.BACKEND_UNAVAILABLE:
        return QCoreApplication.translate(
            "LoadWords", "{backend} is not available ({reason})"
        ).format(backend=backend, reason=reason)
    if code == LoadNoteCode.BACKEND_CANNOT_RUN:
        return QCoreApplication.translate(
            "LoadWords", "{backend} cannot run this model ({reason})"
        ).format(backend=backend, reason=reason)
    if code == LoadNoteCode.DEVICE_UNUSABLE:
        return QCoreApplication.translate(
            "LoadWords", "{device} could not be used, perhaps a driver problem ({reason})"
        ).format(device=device, reason=reason)
    return QCoreApplication.translate(
        "LoadWords", "{backend} could not load the model ({reason})"
    ).format(backend=backend, reason=reason)


def _instead_text(note: LoadNote) -> str:
    backend, device = note.text("next_backend"), note.text("next_device")
    n_ctx = note.number("next_n_ctx")
    if backend:
        where = QCoreApplication.translate("LoadWords", "{backend} on {device}").format(
            backend=backend_text(backend), device=device_text(device)
        )
    elif device:
        where = device_text(device)
    else:
        where = ""
    if where and n_ctx:
        return _context_text(
            n_ctx,
            QCoreApplication.translate(
                "LoadWords", "using {where} with a {n_ctx}-token context instead"
            ),
            QCoreApplication.translate(
                "LoadWords", "using {where} with an {n_ctx}-token context instead"
            ),
            where=where,
        )
    if n_ctx:
        return _context_text(
            n_ctx,
            QCoreApplication.translate("LoadWords", "using a {n_ctx}-token context instead"),
            QCoreApplication.translate("LoadWords", "using an {n_ctx}-token context instead"),
        )
    if where:
        return QCoreApplication.translate("LoadWords", "using {where} instead").format(where=where)
    return QCoreApplication.translate("LoadWords", "trying again")


def _context_text(n_ctx: int, with_a: str, with_an: str, **more: str) -> str:
    """English picks "a" or "an" by how the number is read aloud; other languages translate
    both sentences alike."""
    number = f"{n_ctx:,}"
    an = number.startswith(("8", "11,", "18,")) or number in ("11", "18")
    return (with_an if an else with_a).format(n_ctx=number, **more)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- engine errors ------------------------------------------------------------------------


def engine_error_text(error: EngineError | Problem) -> str:
    """What went wrong, in the person's language. Where the error's parameters say it all
    (a conversation too long for the context), that is the whole sentence; otherwise the
    engine's own sentence follows the translated headline: what exactly is broken in a file, or
    a library's own message, which no translation knows."""
    if error.code == ErrorCode.CONTEXT_OVERFLOW and "context" in error.params:
        return _context_overflow_text(error)
    if error.code in REMOTE_CODES:
        # Whole sentences with the server's address; its own words, if any, follow.
        return remote_error_text(error)
    headline = _error_headline(error)
    detail = str(error).strip()
    if not detail or detail == headline:
        return headline
    # Two sentences: the engine's detail is a whole English sentence of its own.
    detail = detail if detail.endswith((".", "!", "?")) else detail + "."
    return QCoreApplication.translate("LoadWords", "{headline} {detail}").format(
        headline=headline, detail=detail
    )


def _error_headline(error: EngineError | Problem) -> str:
    code = error.code
    if code == ErrorCode.MODEL_NOT_FOUND:
        return QCoreApplication.translate("LoadWords", "The model file was not found.")
    if code == ErrorCode.NOT_A_MODEL:
        return QCoreApplication.translate(
            "LoadWords", "This is neither a GGUF file nor an OpenVINO model folder."
        )
    if code == ErrorCode.CORRUPT_MODEL:
        return QCoreApplication.translate("LoadWords", "The model file is damaged.")
    if code == ErrorCode.CHAT_TEMPLATE:
        return QCoreApplication.translate("LoadWords", "The model's chat template cannot be used.")
    if code == ErrorCode.UNSUPPORTED_MODEL:
        return QCoreApplication.translate("LoadWords", "This model is not supported.")
    if code == ErrorCode.BACKEND_UNAVAILABLE:
        return QCoreApplication.translate("LoadWords", "The inference library is not available.")
    if code == ErrorCode.OUT_OF_MEMORY:
        return QCoreApplication.translate("LoadWords", "There is not enough memory for this model.")
    if code == ErrorCode.MODEL_LOAD:
        return QCoreApplication.translate("LoadWords", "The model could not be loaded.")
    if code == ErrorCode.CONTEXT_OVERFLOW:
        return QCoreApplication.translate(
            "LoadWords", "The conversation does not fit the model's context."
        )
    if code == ErrorCode.GENERATION:
        return QCoreApplication.translate("LoadWords", "The answer could not be generated.")
    if code == ErrorCode.STOPPED:
        return QCoreApplication.translate("LoadWords", "Stopped.")
    return QCoreApplication.translate("LoadWords", "Something went wrong in the engine.")


def _context_overflow_text(error: EngineError | Problem) -> str:
    tokens = f"{_number(error.params.get('prompt_tokens')):,}"
    context = f"{_number(error.params.get('context')):,}"
    if _number(error.params.get("at_least")):
        return QCoreApplication.translate(
            "LoadWords",
            "The conversation does not fit the {context}-token context the model was loaded "
            "with: it is at least {tokens} tokens long. Send a shorter message, start a new "
            "chat or raise the context size.",
        ).format(context=context, tokens=tokens)
    return QCoreApplication.translate(
        "LoadWords",
        "The conversation does not fit the {context}-token context the model was loaded with: "
        "it is {tokens} tokens long. Send a shorter message, start a new chat or raise the "
        "context size.",
    ).format(context=context, tokens=tokens)


def _number(value: object) -> int:
    return value if isinstance(value, int) else 0
