"""Any bytes on the command line become words, never a traceback.

Python decodes a command-line byte that is not UTF-8 into a lone surrogate (PEP 383), and so can
a JSON `\\ud800` escape. Such a string cannot be encoded again: the llama.cpp tokenizer, the
OpenVINO tokenizer, SQLite and a strict stdout all raise on it. `main.py` cleans every parsed
argument once, for all commands, and makes stdout write what it cannot encode as an escape.
"""

from __future__ import annotations

import argparse
import io
import re
import sys

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """`text` with each lone surrogate (a byte that was not UTF-8) replaced by U+FFFD, as a
    UTF-8 decoder with errors="replace" would have read those bytes."""
    return _SURROGATE.sub(REPLACEMENT, text)


def clean_arguments(args: argparse.Namespace) -> argparse.Namespace:
    """Every text argument made valid Unicode, in place. Paths (`type=Path`) stay as given: a
    file name may be any bytes, and the file must still be found."""
    for name, value in vars(args).items():
        if isinstance(value, str):
            setattr(args, name, valid_text(value))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            setattr(args, name, [valid_text(v) for v in value])
    return args


def tolerant_stdout() -> None:
    """stdout escapes what it cannot encode (a file name that is not UTF-8, say) as stderr
    already does, instead of raising mid-listing. Only a strict stream is changed: under the
    C locale Python already writes such bytes back as they were."""
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.errors == "strict":
        sys.stdout.reconfigure(errors="backslashreplace")
