"""Fuzz: stop strings cut the stream at the same place however it is chunked, and never leak."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from engine.stops import StopMatcher

_ALPHABET = "ab<|>_"
STOPS = st.lists(st.text(alphabet=_ALPHABET, max_size=5), max_size=4).map(tuple)
TEXTS = st.lists(
    st.text(alphabet=_ALPHABET, max_size=4) | st.sampled_from(["<|im_end|>", "<|im", "_end|>"]),
    max_size=16,
).map("".join)


def reference(text: str, stops: tuple[str, ...]) -> tuple[str, bool]:
    """The text a person sees and whether it stopped, read one character at a time.

    The stream stops at the first stop string to be complete; what is shown ends where that
    stop string begins (of two completing together, the longer one is cut).
    """
    stops = tuple(s for s in stops if s)
    for end in range(1, len(text) + 1):
        done = [end - len(s) for s in stops if text[:end].endswith(s)]
        if done:
            return text[: min(done)], True
    return text, False


def run(text: str, cuts: list[int], stops: tuple[str, ...]) -> tuple[str, bool]:
    matcher = StopMatcher(stops)
    bounds = [0, *sorted(cuts), len(text)]
    shown = "".join(matcher.feed(text[a:b]) for a, b in zip(bounds, bounds[1:], strict=False))
    return shown + matcher.flush(), matcher.stopped


@st.composite
def chunked(draw: st.DrawFn) -> tuple[str, list[int]]:
    text = draw(TEXTS)
    return text, draw(st.lists(st.integers(0, len(text)), max_size=10))


@st.composite
def stops_in(draw: st.DrawFn, text: str) -> tuple[str, ...]:
    """Stop strings, most of them cut from the text itself so that they do occur in it."""
    stops = list(draw(STOPS))
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.integers(0, len(text)))
        cut = text[start : draw(st.integers(start, min(len(text), start + 6)))]
        stops.append(cut)
        if draw(st.booleans()):  # and a piece of it: stops inside stops
            inner = draw(st.integers(0, len(cut)))
            stops.append(cut[inner : draw(st.integers(inner, len(cut)))])
    return tuple(draw(st.permutations(stops)))


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, list[int], tuple[str, ...]]:
    text, cuts = draw(chunked())
    return text, cuts, draw(stops_in(text))


@given(cases())
# Found by this test: with stops "abcd" and "c", the text "abcd" in one chunk showed nothing
# (the earliest-starting stop won) but "abc" + "d" showed "ab" (the stream had stopped at "c").
@example(("abcd", [], ("abcd", "c")))
@example(("abcd", [3], ("abcd", "c")))
def test_any_chunking_stops_where_the_first_stop_string_completes(
    case: tuple[str, list[int], tuple[str, ...]],
) -> None:
    text, cuts, stops = case
    assert run(text, cuts, stops) == reference(text, stops)


@given(cases())
def test_no_stop_string_ever_reaches_the_person(
    case: tuple[str, list[int], tuple[str, ...]],
) -> None:
    text, cuts, stops = case
    shown, stopped = run(text, cuts, stops)
    assert not any(s and s in shown for s in stops)
    assert text.startswith(shown)
    if not stopped:
        assert shown == text


@given(cases())
def test_text_held_back_is_only_a_possible_stop_start(
    case: tuple[str, list[int], tuple[str, ...]],
) -> None:
    """Streaming stays live: after each chunk, what is not shown yet could begin a stop."""
    text, cuts, stops = case
    matcher = StopMatcher(stops)
    bounds = [0, *sorted(cuts), len(text)]
    shown = ""
    for a, b in zip(bounds, bounds[1:], strict=False):
        shown += matcher.feed(text[a:b])
        if matcher.stopped:
            return
        held = text[len(shown) : b]
        assert not held or any(s.startswith(held) for s in stops if len(s) > len(held))
