"""engine.backends.openvino_stream: token ids to text at once, as the detokenizer reads them."""

from __future__ import annotations

import pytest

from engine.backends.openvino_stream import WINDOW, IncrementalText, TableText, TokenTexts

# A SentencePiece-like vocabulary: "▁" is a space, byte tokens join into UTF-8 characters,
# and decoding drops the leading space of the first piece (as SentencePiece does).
PIECES: dict[int, bytes] = {
    0: b"",  # a control token: decoded as nothing
    1: "▁The".encode(),
    2: "▁river".encode(),
    3: b"s",
    4: "▁flow".encode(),
    5: b"\n",
    6: "▁code".encode(),
    7: b"\xe4",  # 中 = e4 b8 ad, one byte per token
    8: b"\xb8",
    9: b"\xad",
    10: "▁!".encode(),
}
CALLS: list[int] = []


def decode(ids: list[int]) -> str:
    CALLS.append(len(ids))
    text = b"".join(PIECES[i] for i in ids).decode("utf-8", errors="replace")
    text = text.replace("▁", " ")
    return text[1:] if text.startswith(" ") else text


def stream(ids: list[int], context: list[int] | None = None) -> list[str]:
    text = IncrementalText(decode, context or [])
    pieces = [text.add(i) for i in ids]
    return [*pieces, text.flush()]


def test_each_token_is_text_at_once_and_words_keep_their_spaces() -> None:
    assert stream([1, 2, 3, 4]) == ["The", " river", "s", " flow", ""]


def test_the_first_word_keeps_its_space_after_the_prompt() -> None:
    # The prompt's last tokens are decoded in front, so " flow" is not read as "flow".
    assert stream([4, 3], context=[0, 1, 2]) == [" flow", "s", ""]


def test_a_character_split_over_tokens_waits_for_its_last_byte() -> None:
    assert stream([1, 7, 8, 9, 10]) == ["The", "", "", "中", " !", ""]


def test_a_space_after_a_newline_is_kept_past_many_windows() -> None:
    ids = [1, 2, 5, 6] * (WINDOW // 2)
    assert "".join(stream(ids)) == decode(ids)


def test_a_character_cut_at_the_end_is_flushed_as_the_decoder_reads_it() -> None:
    assert stream([1, 7]) == ["The", "", "\ufffd"]


@pytest.mark.parametrize("length", [40, 200])
def test_about_one_decode_per_token(length: int) -> None:
    CALLS.clear()
    text = IncrementalText(decode, [1, 2])
    for i in range(length):
        text.add(2 + i % 3)
    assert len(CALLS) <= length * 1.1 + 2
    assert max(CALLS) <= WINDOW + 2  # the window does not grow with the answer


ANCHOR_ID = 11
PIECES[ANCHOR_ID] = b"a"


def decode_batch(batch: list[list[int]]) -> list[str]:
    return [decode(ids) if all(i in PIECES for i in ids) else "" for ids in batch]


def table_stream(ids: list[int]) -> list[str]:
    table = TokenTexts.build(decode_batch, ANCHOR_ID, 12)
    assert table is not None
    text = TableText(table, decode)
    return [*(text.add(i) for i in ids), text.flush()]


def test_the_table_reads_each_word_with_its_space_and_leaves_out_byte_tokens() -> None:
    table = TokenTexts.build(decode_batch, ANCHOR_ID, 12)
    assert table is not None
    assert table.get(2) == " river" and table.get(3) == "s" and table.get(0) == ""
    assert table.get(7) is None  # one byte of a character
    assert table.get(99) is None  # out of range: through the detokenizer


def test_table_text_needs_no_detokenizer_call_for_whole_tokens() -> None:
    table = TokenTexts.build(decode_batch, ANCHOR_ID, 12)
    assert table is not None
    CALLS.clear()
    text = TableText(table, decode)
    assert [text.add(i) for i in (1, 2, 3, 5, 6)] == [" The", " river", "s", "\n", " code"]
    assert CALLS == []


def test_table_text_joins_a_split_character_and_what_follows_it() -> None:
    assert table_stream([1, 7, 8, 9, 10]) == [" The", "", "", "中", " !", ""]
    assert table_stream([7, 8, 2, 9]) == ["", "", "\ufffd river", "", "\ufffd"]  # broken bytes
    assert table_stream([1, 7]) == [" The", "", "\ufffd"]  # cut at the end: flushed as read


def test_no_table_without_an_anchor_that_reads_alone() -> None:
    assert TokenTexts.build(lambda batch: ["?" for _ in batch], ANCHOR_ID, 12) is None
