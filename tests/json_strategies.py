"""Hypothesis strategies for JSON that a server or a file on disk may hold: mostly valid
fields, now and then anything at all. Shared by the fuzz tests of downloads."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

TEXT = st.text(st.characters(exclude_categories=()), max_size=16)  # lone surrogates too
NUMBER = st.integers() | st.integers(min_value=10**30) | st.floats()
ANY_JSON = st.recursive(
    st.none() | st.booleans() | NUMBER | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
HEX64 = st.text("0123456789abcdefABCDEF", min_size=64, max_size=64)
HEX40 = st.text("0123456789abcdef", min_size=40, max_size=40)
SAFE_NAME = st.from_regex(r"[a-z0-9_-]{1,8}(/[a-z0-9_.-]{1,8}){0,2}", fullmatch=True)
NASTY_NAME = st.sampled_from(
    ["", ".", "..", "../x", "/etc/passwd", "a//b", "a/../../b", "C:x", "c:\\x", "a\0b", "\ud800"]
)


def field(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid value, one time in ten anything at all."""
    return st.integers(0, 9).flatmap(lambda n: ANY_JSON if n == 0 else valid)


def maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(value, value, value, ANY_JSON)


def rarely(valid: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`valid` four times in five: one bad entry refuses a whole listing."""
    return st.one_of(valid, valid, valid, valid, bad)
