from __future__ import annotations

import pytest

from engine.reasoning import ReasoningParser

TEXT = "<think>\nLet me think about it.\n</think>\n\nThe answer is 42."


def feed_in_chunks(parser: ReasoningParser, text: str, size: int) -> None:
    for i in range(0, len(text), size):
        parser.feed(text[i : i + size])
    parser.flush()


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64])
def test_split_tags_in_any_chunking(size: int) -> None:
    parser = ReasoningParser()
    feed_in_chunks(parser, TEXT, size)
    assert parser.reasoning.strip() == "Let me think about it."
    assert parser.answer == "The answer is 42."


def test_every_split_point_of_both_tags() -> None:
    for cut in range(len(TEXT)):
        parser = ReasoningParser()
        parser.feed(TEXT[:cut])
        parser.feed(TEXT[cut:])
        parser.flush()
        assert parser.answer == "The answer is 42.", cut
        assert parser.reasoning.strip() == "Let me think about it.", cut


def test_prompt_opened_think_block() -> None:
    parser = ReasoningParser(starts_in_reasoning=True)
    feed_in_chunks(parser, "plan it</think>Done.", 4)
    assert parser.reasoning == "plan it"
    assert parser.answer == "Done."


def test_no_think_block_is_all_answer() -> None:
    parser = ReasoningParser()
    feed_in_chunks(parser, "Paris is the capital.", 3)
    assert parser.answer == "Paris is the capital."
    assert parser.reasoning == ""


def test_tag_inside_an_answer_is_text() -> None:
    parser = ReasoningParser()
    feed_in_chunks(parser, "Use the <think> tag like this.", 2)
    assert parser.answer == "Use the <think> tag like this."


def test_partial_tag_at_the_end_is_flushed_as_text() -> None:
    parser = ReasoningParser()
    parser.feed("Less than <thi")
    parser.flush()
    assert parser.answer == "Less than <thi"


def test_unclosed_reasoning_stays_reasoning() -> None:
    parser = ReasoningParser()
    feed_in_chunks(parser, "<think>still going", 3)
    assert parser.reasoning == "still going"
    assert parser.answer == ""
    assert parser.in_reasoning


def test_pieces_are_labelled_in_order() -> None:
    parser = ReasoningParser()
    pieces = parser.feed("<think>a</think>b")
    assert [(p.channel, p.text) for p in pieces] == [("reasoning", "a"), ("answer", "b")]
