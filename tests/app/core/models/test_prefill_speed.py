"""Measured prefill speed: learned from answers' stats, kept on disk, a line per model here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.models.prefill_speed import (
    FILE_NAME,
    MAX_RECORDS,
    MIN_PREFILLED_TOKENS,
    PrefillModel,
    PrefillSpeeds,
)
from app.core.paths import cache_dir
from engine.types import GenerationStats

MODEL, BACKEND, DEVICE = "/models/starter.gguf", "llama", "CPU"
ARGS = (MODEL, BACKEND, DEVICE)


def stats(prompt: int, seconds: float, cached: int = 0, finish: str = "stop") -> GenerationStats:
    return GenerationStats(
        backend="llama.cpp",
        device="CPU",
        prompt_tokens=prompt,
        cached_tokens=cached,
        time_to_first_token_s=seconds,
        finish_reason=finish,  # type: ignore[arg-type]
    )


def quadratic_seconds(start: int, end: int, overhead: float = 0.0) -> float:
    """A machine where a token at position x takes 1 ms + 10 ns · x, after `overhead`."""
    return PrefillModel(overhead, 1e-3, 1e-8).seconds(end, start)


def test_nothing_measured_gives_no_estimate(tmp_path: Path) -> None:
    speeds = PrefillSpeeds(tmp_path / FILE_NAME)
    assert speeds.tokens_per_s(*ARGS) is None
    assert speeds.estimate_s(*ARGS, 1000) is None


def test_it_lives_in_the_cache_dir() -> None:
    speeds = PrefillSpeeds()
    speeds.record(*ARGS, stats(1000, 2.0))
    assert speeds.path == cache_dir() / FILE_NAME and speeds.path.is_file()


def test_one_measurement_gives_its_speed(tmp_path: Path) -> None:
    speeds = PrefillSpeeds(tmp_path / FILE_NAME)
    speeds.record(*ARGS, stats(1000, 2.0))
    assert speeds.tokens_per_s(*ARGS) == pytest.approx(500)
    assert speeds.estimate_s(*ARGS, 2000) == pytest.approx(4.0)
    # Only what the cache does not hold is read.
    assert speeds.estimate_s(*ARGS, 2000, cached_tokens=1500) == pytest.approx(1.0)
    assert speeds.estimate_s(*ARGS, 100, cached_tokens=200) == 0.0
    # Another backend or device is another machine.
    assert speeds.estimate_s(MODEL, "openvino", DEVICE, 1000) is None
    assert speeds.estimate_s(MODEL, BACKEND, "CUDA", 1000) is None


def test_cached_tokens_are_not_counted_as_prefilled(tmp_path: Path) -> None:
    speeds = PrefillSpeeds(tmp_path / FILE_NAME)
    speeds.record(*ARGS, stats(1100, 0.5, cached=1000))
    assert speeds.tokens_per_s(*ARGS) == pytest.approx(200)


@pytest.mark.parametrize(
    "ignored",
    [
        stats(MIN_PREFILLED_TOKENS - 1, 1.0),
        stats(5000, 1.0, cached=5000 - MIN_PREFILLED_TOKENS + 1),
        stats(1000, 0.0),
        stats(1000, float("nan")),
        stats(1000, 1.0, finish="error"),
    ],
)
def test_short_or_timeless_runs_teach_nothing(tmp_path: Path, ignored: GenerationStats) -> None:
    speeds = PrefillSpeeds(tmp_path / FILE_NAME)
    speeds.record(*ARGS, ignored)
    assert speeds.tokens_per_s(*ARGS) is None
    assert not speeds.path.exists()


def test_the_cost_per_token_grows_with_the_position(tmp_path: Path) -> None:
    speeds = PrefillSpeeds(tmp_path / FILE_NAME)
    for start, end in [(0, 500), (0, 4000), (4000, 4200), (0, 16000), (16000, 16300)]:
        speeds.record(*ARGS, stats(end, quadratic_seconds(start, end), cached=start))
    for tokens in (1000, 8000, 32000):
        estimate = speeds.estimate_s(*ARGS, tokens)
        assert estimate == pytest.approx(quadratic_seconds(0, tokens), rel=1e-6)
    long, short = speeds.tokens_per_s(*ARGS, 32000), speeds.tokens_per_s(*ARGS, 1000)
    assert long is not None and short is not None and long < short


def test_a_fixed_cost_per_run_is_told_from_the_cost_per_token(tmp_path: Path) -> None:
    speeds = PrefillSpeeds(tmp_path / FILE_NAME)
    for start, end in [(0, 100), (0, 3000), (3000, 3100), (0, 9000), (9000, 9500)]:
        speeds.record(*ARGS, stats(end, quadratic_seconds(start, end, 0.4), cached=start))
    fitted = speeds.fitted(*ARGS)
    assert fitted is not None
    assert fitted.overhead_s == pytest.approx(0.4, rel=1e-6)
    assert speeds.estimate_s(*ARGS, 20000, cached_tokens=19000) == pytest.approx(
        quadratic_seconds(19000, 20000, 0.4), rel=1e-6
    )


def test_noisy_answers_never_give_a_negative_cost(tmp_path: Path) -> None:
    speeds = PrefillSpeeds(tmp_path / FILE_NAME)
    # Longer prompts that took less time per token (a busy machine calming down).
    for start, end, seconds in [(0, 100, 3.0), (0, 2000, 2.0), (0, 8000, 4.0), (8000, 8100, 0.1)]:
        speeds.record(*ARGS, stats(end, seconds, cached=start))
    fitted = speeds.fitted(*ARGS)
    assert fitted is not None
    assert min(fitted.overhead_s, fitted.per_token_s, fitted.slope_s) >= 0
    estimates = [speeds.estimate_s(*ARGS, tokens) or 0.0 for tokens in (100, 1000, 10000)]
    assert 0 < estimates[0] <= estimates[1] <= estimates[2]


def test_lengths_that_all_look_alike_give_a_flat_line(tmp_path: Path) -> None:
    speeds = PrefillSpeeds(tmp_path / FILE_NAME)
    speeds.record(*ARGS, stats(1000, 1.0))
    speeds.record(*ARGS, stats(1100, 1.21))
    fitted = speeds.fitted(*ARGS)
    assert fitted is not None and fitted.slope_s == 0.0 and fitted.overhead_s == 0.0


def test_recent_answers_count_most(tmp_path: Path) -> None:
    speeds = PrefillSpeeds(tmp_path / FILE_NAME)
    speeds.record(*ARGS, stats(1000, 10.0))  # a cold start
    for _ in range(30):
        speeds.record(*ARGS, stats(1000, 1.0))
    speed = speeds.tokens_per_s(*ARGS)
    assert speed is not None and 900 < speed <= 1000


def test_the_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    first = PrefillSpeeds(path)
    first.record(*ARGS, stats(1000, 2.0))
    first.record(*ARGS, stats(8000, 30.0))
    again = PrefillSpeeds(path)
    assert again.fitted(*ARGS) == first.fitted(*ARGS)
    assert again.estimate_s(*ARGS, 4000) == first.estimate_s(*ARGS, 4000)


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2]",
        '"text"',
        "\x00\xff",
        json.dumps({f"{MODEL}\t{BACKEND}\t{DEVICE}": {"w": "one"}}),
        json.dumps({f"{MODEL}\t{BACKEND}\t{DEVICE}": {"w": 1, "m": 500, "y": -1}}),
        json.dumps({f"{MODEL}\t{BACKEND}\t{DEVICE}": {"w": 1e999, "m": 5, "y": 1}}),
        json.dumps({f"{MODEL}\t{BACKEND}\t{DEVICE}": [1, 2, 3]}),
    ],
)
def test_a_broken_file_is_ignored_and_replaced(tmp_path: Path, content: str) -> None:
    path = tmp_path / FILE_NAME
    path.write_text(content, encoding="utf-8", errors="surrogateescape")
    speeds = PrefillSpeeds(path)
    assert speeds.estimate_s(*ARGS, 1000) is None
    speeds.record(*ARGS, stats(1000, 2.0))
    assert PrefillSpeeds(path).tokens_per_s(*ARGS) == pytest.approx(500)


def test_a_broken_record_leaves_the_others(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    PrefillSpeeds(path).record(*ARGS, stats(1000, 2.0))
    records = json.loads(path.read_text(encoding="utf-8"))
    records["other\tllama\tCPU"] = {"w": None}
    path.write_text(json.dumps(records), encoding="utf-8")
    assert PrefillSpeeds(path).tokens_per_s(*ARGS) == pytest.approx(500)


def test_an_unwritable_file_keeps_the_speed_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("", encoding="utf-8")
    speeds = PrefillSpeeds(blocker / FILE_NAME)
    speeds.record(*ARGS, stats(1000, 2.0))
    assert speeds.tokens_per_s(*ARGS) == pytest.approx(500)


def test_the_least_recently_measured_models_are_forgotten(tmp_path: Path) -> None:
    speeds = PrefillSpeeds(tmp_path / FILE_NAME)
    for number in range(MAX_RECORDS + 3):
        speeds.record(f"model {number}", BACKEND, DEVICE, stats(1000, 1.0))
    records = json.loads(speeds.path.read_text(encoding="utf-8"))
    assert len(records) == MAX_RECORDS
    assert speeds.tokens_per_s("model 0", BACKEND, DEVICE) is None
    assert speeds.tokens_per_s(f"model {MAX_RECORDS + 2}", BACKEND, DEVICE) is not None
