"""Load notes and engine errors become words through Qt's translations (context LoadWords)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.words import load as words
from engine.errors import ErrorCode, ModelNotFoundError, Problem, context_overflow
from engine.load_notes import FALLBACK_CODES, LoadNote, LoadNoteCode

NEXT = {"next_backend": "llama", "next_device": "CPU", "next_n_ctx": 4096}
PARAMS = {
    "reason": "the model's Q4_1 weights come out wrong in OpenVINO",
    "backend": "openvino",
    "device": "GPU.1",
    "n_ctx": 8192,
    "next_n_ctx": 4096,
    "need_bytes": 6_680_000_000,
    "free_bytes": 6_000_000_000,
}


@pytest.mark.parametrize("code", list(LoadNoteCode))
def test_every_note_code_has_words_matching_the_engines_english(code: LoadNoteCode) -> None:
    params = {**PARAMS, **NEXT} if code in FALLBACK_CODES else PARAMS
    note = LoadNote(code, params)
    text = words.load_note_text(note)
    assert text and "{" not in text
    # No translation is installed here: the source strings are the engine's English.
    assert text == note.english()


def test_what_comes_next_is_said_as_the_engine_says_it() -> None:
    for following in (
        {"next_backend": "", "next_device": "CPU", "next_n_ctx": 0},
        {"next_backend": "", "next_device": "", "next_n_ctx": 2048},
        {"next_backend": "", "next_device": "", "next_n_ctx": 0},
        {"next_backend": "", "next_device": "NPU", "next_n_ctx": 8192},
    ):
        note = LoadNote(LoadNoteCode.DEVICE_OUT_OF_MEMORY, {"device": "GPU", **following})
        assert words.load_note_text(note) == note.english()


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_has_its_own_headline(code: ErrorCode) -> None:
    headline = words.engine_error_text(Problem(code, ""))
    assert headline and "{" not in headline
    others = {words.engine_error_text(Problem(c, "")) for c in ErrorCode if c != code}
    assert headline not in others


def test_an_engine_error_is_worded_by_its_code_with_the_engines_detail() -> None:
    error = ModelNotFoundError("No such file: /models/nope.gguf")
    text = words.engine_error_text(error)
    assert text.startswith("The model file was not found.")
    assert "/models/nope.gguf" in text
    overflow = context_overflow(5000, 4096)
    assert overflow.code == ErrorCode.CONTEXT_OVERFLOW
    assert overflow.params == {"prompt_tokens": 5000, "context": 4096, "at_least": 0}
    assert Problem.of(overflow).detail == str(overflow)


def test_every_sentence_is_a_literal_lupdate_can_find() -> None:
    """lupdate reads only literal strings: each translate call names the context and the
    source text directly."""
    source = Path(words.__file__).read_text(encoding="utf-8").split('"""', 2)[2]  # no docstring
    calls = re.findall(r"QCoreApplication\.translate\(\s*([^,]+),\s*(.)", source)
    assert len(calls) > 30
    assert all(context == '"LoadWords"' and quote == '"' for context, quote in calls)


def test_a_context_overflow_is_worded_whole_from_its_numbers() -> None:
    """No English detail after it: the numbers are all a translation needs."""
    error = context_overflow(5000, 4096)
    text = words.engine_error_text(Problem.of(error))
    assert text == str(error)  # the English source is the engine's own sentence
    assert "(" not in text
    cut = words.engine_error_text(context_overflow(2048, 2048, at_least=True))
    assert "at least 2,048 tokens" in cut and "2,048-token context" in cut


def test_a_context_lowered_for_the_memory_is_worded_from_its_numbers() -> None:
    note = LoadNote(
        LoadNoteCode.CONTEXT_EXCEEDS_MEMORY,
        {"n_ctx": 65536, "next_n_ctx": 16384, "need_bytes": 6_680_000_000, "free_bytes": 6 * 10**9},
    )
    english = (
        "The context was lowered from 65,536 to 16,384 tokens: 65,536 tokens would need about "
        "6.68 GB of memory, and 6.00 GB is free."
    )
    assert words.load_note_text(note) == note.english() == english
