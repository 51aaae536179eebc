"""A remote server's errors become sentences that name the server and say what to do
(context RemoteWords); the server's own words follow, untranslated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.words import load as load_words
from app.words import remote as words
from engine.errors import ErrorCode, Problem, RemoteError

MARKED_CONTEXT = "RemoteWords"
URL = "http://gpu-box:8000/v1"


@pytest.mark.parametrize("code", sorted(words.REMOTE_CODES))
def test_every_remote_code_names_the_host(code: ErrorCode) -> None:
    problem = Problem(code, "the engine's English", {"url": URL, "status": 500})
    text = load_words.engine_error_text(problem)
    assert "gpu-box:8000" in text
    assert "{" not in text
    assert "the engine's English" not in text  # the sentence is the GUI's own, whole


def test_the_sentences_the_person_reads() -> None:
    def text(code: ErrorCode, **params: str | int) -> str:
        return load_words.engine_error_text(Problem(code, "", {"url": URL, **params}))

    assert text(ErrorCode.REMOTE_UNREACHABLE, detail="[Errno 111] Connection refused") == (
        "Could not connect to gpu-box:8000. Is the server running, and is the address right? "
        "([Errno 111] Connection refused)"
    )
    assert text(ErrorCode.REMOTE_AUTH, status=401, detail="Invalid API key") == (
        "gpu-box:8000 refused the API key. Check the key in Settings → Servers. (Invalid API key)"
    )
    assert text(ErrorCode.REMOTE_BUSY, status=429, detail="slow down") == (
        "gpu-box:8000 is busy (too many requests). Try again in a moment."
    )
    assert "raise it in Settings → Servers" in text(ErrorCode.REMOTE_TIMEOUT)
    assert text(ErrorCode.REMOTE_MODEL_NOT_FOUND, model="org/m") == (
        "gpu-box:8000 does not serve the model org/m. Pick another one in Settings → Model."
    )
    assert "/v1" in text(ErrorCode.REMOTE_MODEL_NOT_FOUND, status=404, detail="Not Found")
    assert text(ErrorCode.REMOTE_SERVER, status=503, detail="overloaded") == (
        "gpu-box:8000 failed with error 503. (overloaded)"
    )
    assert text(ErrorCode.REMOTE_REFUSED, status=400, detail="bad top_k") == (
        "gpu-box:8000 refused the request (error 400). (bad top_k)"
    )
    assert text(ErrorCode.REMOTE_INTERRUPTED) == (
        "The answer from gpu-box:8000 stopped before it was finished. Regenerate to try again."
    )


def test_an_engine_remote_error_is_worded_by_its_code() -> None:
    error = RemoteError(
        ErrorCode.REMOTE_MODEL_NOT_FOUND,
        "gpu-box:8000 does not serve the model 'x'.",
        params={"url": URL, "model": "x"},
    )
    assert load_words.engine_error_text(error).startswith("gpu-box:8000 does not serve")
    assert load_words.engine_error_text(Problem.of(error)) == load_words.engine_error_text(error)


def test_without_an_address_it_is_the_server() -> None:
    text = load_words.engine_error_text(Problem(ErrorCode.REMOTE_BUSY, ""))
    assert text.startswith("The server is busy")


def test_the_backend_has_a_name() -> None:
    assert load_words.backend_text("remote") == "remote server"


def test_every_sentence_goes_through_translate(marking: None) -> None:
    for code in words.REMOTE_CODES:
        text = load_words.engine_error_text(Problem(code, "", {"url": URL, "status": 500}))
        # The outer "{sentence} ({detail})" or the sentence itself is marked.
        assert text.startswith("«") or text[1:].startswith("«"), text


def test_every_sentence_is_a_literal_lupdate_can_find() -> None:
    source = Path(words.__file__).read_text(encoding="utf-8").split('"""', 2)[2]
    calls = re.findall(r"QCoreApplication\.translate\(\s*([^,]+),\s*(.)", source)
    assert len(calls) >= 12
    assert all(context == '"RemoteWords"' and quote == '"' for context, quote in calls)
