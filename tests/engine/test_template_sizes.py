"""The size checks of a template render: refused before a long value is made."""

from __future__ import annotations

import pytest

from engine.errors import ChatTemplateError
from engine.template_limits import RenderLimits, TemplateAbort
from engine.template_sizes import MAX_INT_BITS, SizeGuard

SMALL = RenderLimits(chars=1000, chars_per_input_char=0, work_factor=4)


def _refused(check: object) -> str:
    assert callable(check)
    with pytest.raises(TemplateAbort) as caught:
        check()
    assert isinstance(caught.value.error, ChatTemplateError)
    return str(caught.value.error)


def test_a_repeated_text_is_refused_before_it_is_made() -> None:
    guard = SizeGuard(SMALL, 0)
    guard.check_binop("*", "ab", 500)  # 1,000 characters: the limit itself
    words = _refused(lambda: guard.check_binop("*", "a", 10**10))
    assert "10,000,000,000 characters" in words


def test_numbers_are_bounded_in_bits() -> None:
    guard = SizeGuard(SMALL, 0)
    guard.check_binop("**", 2, MAX_INT_BITS // 2)  # estimated as 2 bits per power of 2
    assert "bits" in _refused(lambda: guard.check_binop("**", 10, 10**10))


def test_the_limit_grows_with_the_conversation() -> None:
    limits = RenderLimits(chars=1000, chars_per_input_char=4)
    assert SizeGuard(limits, 500).max_chars == 3000


def test_all_a_render_makes_together_is_bounded() -> None:
    guard = SizeGuard(SMALL, 0)
    for _ in range(4):
        guard.made("x" * 1000)
    assert "4,000 characters" in _refused(lambda: guard.made("x"))


def test_a_shared_item_counts_every_time_it_is_printed() -> None:
    guard = SizeGuard(SMALL, 0)
    item = ["x" * 100]
    assert guard.size_of([item, item]) == 2 * guard.size_of(item) + 2 + 2 * 4
    assert "characters or items" in _refused(lambda: guard.size_of([item] * 20))


def test_a_join_is_checked_before_it_runs() -> None:
    guard = SizeGuard(SMALL, 0)
    assert guard.check_str_method(",", "join", (["a", "b"],), {}) == (["a", "b"],)
    _refused(lambda: guard.check_filter("join", (["x" * 600, "y" * 600],), {}))
