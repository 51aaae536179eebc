"""Fuzz: the reasoning parser gives one result however the model's text is chunked."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from engine.reasoning import CLOSE_TAG, OPEN_TAG, ReasoningParser, TextPiece

# Text built mostly from pieces of the tags, so splits inside and around them are common.
_PARTS = st.sampled_from(
    [OPEN_TAG, CLOSE_TAG, "<", "</", "<think", "think>", "<thi", "nk>", ">", "\n", " ", "\t"]
)
TEXTS = st.lists(_PARTS | st.text(max_size=3), max_size=24).map("".join)


def reference(text: str, starts_in_reasoning: bool) -> tuple[str, str]:
    """The documented rules on the whole text at once: (reasoning, answer).

    A think block opens only where nothing but whitespace precedes it in the answer (at the
    start, or right after an earlier block closed) and runs to the next close tag or the end.
    Reasoning loses its leading newlines, the answer its leading whitespace.
    """
    reasoning: list[str] = []
    rest, in_reasoning = text, starts_in_reasoning
    while True:
        if in_reasoning:
            end = rest.find(CLOSE_TAG)
            if end < 0:
                reasoning.append(rest)
                return "".join(reasoning).lstrip("\n"), ""
            reasoning.append(rest[:end])
            rest, in_reasoning = rest[end + len(CLOSE_TAG) :], False
        else:
            stripped = rest.lstrip()
            if not stripped.startswith(OPEN_TAG):
                return "".join(reasoning).lstrip("\n"), stripped
            rest, in_reasoning = stripped[len(OPEN_TAG) :], True


def run(text: str, cuts: list[int], starts_in_reasoning: bool) -> tuple[ReasoningParser, list]:
    parser = ReasoningParser(starts_in_reasoning=starts_in_reasoning)
    pieces: list[TextPiece] = []
    bounds = [0, *sorted(cuts), len(text)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        pieces.extend(parser.feed(text[start:end]))
    pieces.extend(parser.flush())
    return parser, pieces


@st.composite
def chunked(draw: st.DrawFn) -> tuple[str, list[int]]:
    text = draw(TEXTS)
    cuts = draw(st.lists(st.integers(0, len(text)), max_size=12))
    return text, cuts


@given(chunked(), st.booleans())
# Found by this test: visible answer text followed by "<think>" in the same chunk opened a
# think block (the answer had already started); split into two chunks it stayed answer text.
@example(("x<think>y", []), False)
@example(("<<think>a", []), False)
def test_any_chunking_gives_the_documented_split(
    case: tuple[str, list[int]], starts_in_reasoning: bool
) -> None:
    text, cuts = case
    parser, pieces = run(text, cuts, starts_in_reasoning)
    assert (parser.reasoning, parser.answer) == reference(text, starts_in_reasoning)
    # What the caller was handed adds up to the same two texts, piece by piece.
    assert "".join(p.text for p in pieces if p.channel == "reasoning") == parser.reasoning
    assert "".join(p.text for p in pieces if p.channel == "answer") == parser.answer
    assert all(p.text for p in pieces)


def merged(pieces: list[TextPiece]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for piece in pieces:
        if out and out[-1][0] == piece.channel:
            out[-1] = (piece.channel, out[-1][1] + piece.text)
        else:
            out.append((piece.channel, piece.text))
    return out


@given(chunked(), st.booleans())
def test_chunking_does_not_change_the_pieces(
    case: tuple[str, list[int]], starts_in_reasoning: bool
) -> None:
    text, cuts = case
    _, whole = run(text, [], starts_in_reasoning)
    _, chunked_pieces = run(text, cuts, starts_in_reasoning)
    _, by_character = run(text, list(range(len(text))), starts_in_reasoning)
    assert merged(chunked_pieces) == merged(whole) == merged(by_character)


@given(st.text(alphabet=st.characters(blacklist_characters="<"), max_size=40), st.booleans())
def test_text_without_tags_passes_through(text: str, starts_in_reasoning: bool) -> None:
    parser, _ = run(text, list(range(0, len(text), 3)), starts_in_reasoning)
    if starts_in_reasoning:
        assert (parser.reasoning, parser.answer) == (text.lstrip("\n"), "")
    else:
        assert (parser.reasoning, parser.answer) == ("", text.lstrip())
