"""Download errors carry a code and params besides their English, and a sentence survives a
trip through JSON (the saved queue keeps why an item failed)."""

from __future__ import annotations

from app.core.models.errors import (
    DownloadCancelled,
    DownloadCode,
    DownloadError,
    Sentence,
    sentence_from_json,
)


def test_an_error_is_its_english_with_a_code_and_params() -> None:
    error = DownloadError("Gone.", DownloadCode.EMPTY_REPO, {"repo": "a/b"})
    assert (str(error), error.code, dict(error.params)) == ("Gone.", "empty_repo", {"repo": "a/b"})
    assert error.sentence == Sentence(DownloadCode.EMPTY_REPO, {"repo": "a/b"}, "Gone.")
    assert DownloadError("The CLI's own check.").code == DownloadCode.OTHER


def test_pause_and_cancel_have_their_own_codes() -> None:
    assert DownloadCancelled("paused", kept_partial=True).code == DownloadCode.PAUSED
    assert DownloadCancelled("cancelled", kept_partial=False).code == DownloadCode.CANCELLED


def test_a_sentence_round_trips_through_json_with_its_causes() -> None:
    cause = Sentence(DownloadCode.REPO_NOT_FOUND, {"host": "", "repo": "a/b"}, "Not found.")
    sentence = Sentence(DownloadCode.ALL_FAILED, {}, "Every source failed.", (("hf", cause),))
    assert sentence_from_json(sentence.to_json()) == sentence


def test_anything_else_is_no_sentence() -> None:
    good = Sentence(DownloadCode.DISK_FULL, {"n": 1}, "Full.").to_json()
    for bad in (
        None,
        [],
        {**good, "code": "no_such_code"},
        {**good, "params": {"n": [1]}},
        {**good, "params": {"n": True}},
        {**good, "english": 3},
        {**good, "causes": [["hf"]]},
        {**good, "causes": [["hf", {"code": "disk_full"}]]},
    ):
        assert sentence_from_json(bad) is None
