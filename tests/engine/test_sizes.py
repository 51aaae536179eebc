"""The one byte-size formatter: decimal units, three significant digits, no "1000 MB"."""

from __future__ import annotations

import pytest

from engine.sizes import format_size


@pytest.mark.parametrize(
    ("n_bytes", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (999, "999 bytes"),
        (999.6, "1.00 KB"),  # a speed rounds up to a whole KB, not to "1000 bytes"
        (1000, "1.00 KB"),
        (9_950, "9.95 KB"),
        (9_996, "10.0 KB"),  # three digits after rounding, not "10.00 KB"
        (50_000, "50.0 KB"),
        (99_960, "100 KB"),
        (264_000, "264 KB"),
        (999_499, "999 KB"),
        (999_500, "1.00 MB"),  # never "1000 KB"
        (1_000_000, "1.00 MB"),
        (64 * 1024**2, "67.1 MB"),
        (270_000_000, "270 MB"),
        (657_000_000, "657 MB"),
        (999_999_999, "1.00 GB"),
        (1_000_000_000, "1.00 GB"),
        (2**30, "1.07 GB"),  # a GiB is not a GB
        (4_700_000_000, "4.70 GB"),
        (4_970_000_000, "4.97 GB"),
        (16 * 2**30, "17.2 GB"),
        (999_999_999_999_999, "1,000 TB"),  # TB is the largest unit
        (2**64, "18,446,744 TB"),
        (-5_000, "-5.00 KB"),
    ],
)
def test_format_size(n_bytes: float, text: str) -> None:
    assert format_size(n_bytes) == text


def test_the_unit_is_the_largest_that_leaves_at_least_one() -> None:
    for exponent, unit in enumerate(("KB", "MB", "GB", "TB"), start=1):
        assert format_size(10 ** (3 * exponent)).endswith(f" {unit}")
        assert format_size(10 ** (3 * exponent) - 10 ** (3 * exponent - 3)).split()[1] != unit
