"""The context's use and the "does not fit" choices become words through tr() (ContextWords)."""

from __future__ import annotations

import pytest

from app.core.context_fit import ContextChoices, ContextUse
from app.words.context import choice_texts, context_use_text, reading_time_text

MARKED_CONTEXT = "ContextWords"  # for the `marking` fixture (conftest.py)
OVER = ContextUse(prompt_tokens=5000, reply_tokens=256, context_length=4096)
ALL = ContextChoices(
    raise_to=8192,
    raise_extra_bytes=94_371_840,
    drop_count=4,
    can_summarize=True,
    drop_tokens=1500,
)


def test_the_usage_line_says_tokens_share_and_reading_time() -> None:
    use = ContextUse(prompt_tokens=1234, reply_tokens=256, context_length=4096)
    assert context_use_text(use) == "1,234 of 4,096 tokens (30 %)"
    assert context_use_text(use, 2.4) == "1,234 of 4,096 tokens (30 %) · about 2 s to read"
    assert context_use_text(OVER) == "5,000 of 4,096 tokens: too long for the context"
    no_room = ContextUse(prompt_tokens=4000, reply_tokens=256, context_length=4096)
    assert context_use_text(no_room) == (
        "4,000 of 4,096 tokens: too little room left for an answer"
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.3, "under a second"), (1.2, "about 1 s"), (59.4, "about 59 s"), (125, "about 2 min 5 s")],
)
def test_reading_time_is_said_as_an_estimate(seconds: float, text: str) -> None:
    assert reading_time_text(seconds) == text


def test_every_choice_offered_has_its_sentence() -> None:
    texts = choice_texts(OVER, ALL)
    assert texts.headline == (
        "The conversation is 5,000 tokens long and does not fit the 4,096-token context "
        "with room for an answer. Nothing has been cut."
    )
    assert texts.raise_context == (
        "Raise the context to 8,192 tokens and reload the model (about 94.4 MB more memory)."
    )
    assert texts.drop_oldest == (
        "Leave out the 4 oldest messages (1,500 tokens) so that the rest fits."
    )
    assert texts.new_chat is not None and "summary" in texts.new_chat


def test_choices_not_offered_have_no_sentence() -> None:
    none = ContextChoices(raise_to=None, raise_extra_bytes=None, drop_count=0, can_summarize=False)
    texts = choice_texts(OVER, none)
    assert (texts.raise_context, texts.drop_oldest, texts.new_chat) == (None, None, None)
    assert texts.headline.endswith("shorten the message.")
    one = ContextChoices(8192, None, 1, False, drop_tokens=7)
    texts = choice_texts(OVER, one)
    assert texts.drop_oldest == "Leave out the oldest message (7 tokens) so that the rest fits."
    assert texts.raise_context is not None and "not known" in texts.raise_context


@pytest.mark.usefixtures("marking")
def test_every_sentence_goes_through_translate() -> None:
    use = ContextUse(prompt_tokens=1234, reply_tokens=256, context_length=4096)
    marked = "««1,234 of 4,096 tokens (30 %)» · «about 1 min 10 s» to read»"
    assert context_use_text(use, 70) == marked
    texts = choice_texts(OVER, ALL)
    for text in (texts.headline, texts.raise_context, texts.drop_oldest, texts.new_chat):
        assert text is not None and text.startswith("«")
