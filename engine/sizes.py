"""The one way a number of bytes is shown to a person, in the engine, the CLI and the GUI.

Decimal units (1 KB = 1,000 bytes, 1 GB = 10^9 bytes), as disk vendors, file managers and the
model hubs' download sizes use, so "4.97 GB" here is the size the catalog and the hub show.
Three significant digits ("4.97 GB", "49.7 GB", "657 MB") in the largest unit that leaves at
least 1: the same relative precision at every size, where a fixed number of decimals would show
"0.5 GB" of runtime (a 10 % rounding) next to "16.0 GB" of RAM.

Memory is shown in the same units, though RAM is sold in binary ones, so that the "does it fit"
sums read alike: "4.97 GB weights + 2.15 GB KV cache + 537 MB runtime = 7.66 GB of 8.59 GB".
"""

from __future__ import annotations

__all__ = ["format_size"]

_UNITS = ("KB", "MB", "GB", "TB")


def format_size(n_bytes: float) -> str:
    """'0 bytes', '1 byte', '999 bytes', '1.00 KB', '9.95 KB', '657 MB', '4.97 GB', '18,446,744 TB'.

    Below 1,000 the exact count of bytes; above, the largest unit that leaves at least 1 (up to
    TB), to three significant digits. Rounding never shows "1000 MB": that is "1.00 GB".
    Accepts floats (download speeds); negative numbers keep their sign.
    """
    if n_bytes < 0:
        return "-" + format_size(-n_bytes)
    whole = round(n_bytes)
    if whole < 1000:
        return "1 byte" if whole == 1 else f"{whole} bytes"
    value = n_bytes / 1000
    unit = _UNITS[0]
    for unit in _UNITS:
        if round(value) < 1000 or unit == _UNITS[-1]:
            break
        value /= 1000
    # Decide on the rounded value, so that 9.996 shows as "10.0", not "10.00".
    decimals = 2 if round(value, 2) < 10 else 1 if round(value, 1) < 100 else 0
    return f"{value:,.{decimals}f} {unit}"
