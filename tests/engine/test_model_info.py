"""ModelInfo and the field rules both inspectors share."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.model_info import (
    ModelInfo,
    int_or_none,
    minicpm_version_of,
    str_or_none,
    template_thinks,
)


def test_model_info_needs_only_four_fields() -> None:
    # Other modules' tests build ModelInfo directly.
    info = ModelInfo(path=Path("m.gguf"), format="gguf", name="m", architecture="qwen2")
    assert info.tensor_types == frozenset()
    assert info.extra == {}
    assert info.supports_thinking is False


@pytest.mark.parametrize(
    ("names", "arch", "version"),
    [
        (["MiniCPM5-1B"], "llama", "5"),
        (["MiniCPM4.1-8B"], "minicpm", "4.1"),
        (["minicpm-4"], None, "4"),
        (["MiniCPM-2B"], "minicpm", None),  # a size, not a version
        (["MiniCPM-2B"], "minicpm3", "3"),
        (["Tiny", "MiniCPM4-0.5B"], "llama", "4"),  # the first name that gives one
    ],
)
def test_minicpm_version_of(names: list[str], arch: str | None, version: str | None) -> None:
    assert minicpm_version_of(names, arch) == version


def test_template_thinks() -> None:
    assert template_thinks("{% if enable_thinking %}{% endif %}")
    assert template_thinks("<think>\n\n</think>")
    assert not template_thinks("{{ messages }}")
    assert not template_thinks(None)


def test_plain_values() -> None:
    assert str_or_none("x") == "x"
    assert str_or_none("") is None and str_or_none(3) is None
    assert int_or_none(None, True, "12") == 12  # a bool is not a number here
    assert int_or_none("-5") == -5
    assert int_or_none("\u00b2", "--5", 7) == 7  # digits int() refuses are passed over
    assert int_or_none("x", 2.0) is None
