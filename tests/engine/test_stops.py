from __future__ import annotations

from engine.stops import StopMatcher


def run(matcher: StopMatcher, chunks: list[str]) -> str:
    shown = "".join(matcher.feed(c) for c in chunks)
    return shown + matcher.flush()


def test_stop_string_split_across_chunks() -> None:
    matcher = StopMatcher(("<|im_end|>",))
    assert run(matcher, ["Paris", ".<|im", "_end|>", "junk"]) == "Paris."
    assert matcher.stopped


def test_near_miss_is_released() -> None:
    matcher = StopMatcher(("<|im_end|>",))
    assert run(matcher, ["a <|im", " b"]) == "a <|im b"
    assert not matcher.stopped


def test_earliest_of_several_stops_wins() -> None:
    matcher = StopMatcher(("STOP", "END"))
    assert run(matcher, ["one END two STOP"]) == "one "


def test_no_stops_passes_everything() -> None:
    matcher = StopMatcher(())
    assert run(matcher, ["a", "b"]) == "ab"
