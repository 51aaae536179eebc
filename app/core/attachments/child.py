"""The converter's child process: `python -m app.core.attachments.child KIND PATH MAX_CHARS`
reads one PDF, Word or HTML file and writes its text (or why not) as one JSON line, marked with
RESULT_MARK, to stdout. The libraries run here and not in the app, so a native crash in PDFium,
a file that takes too long (the parent ends the child) or one that fills the memory costs only
this process (app.core.attachments.converting starts it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from app.core.attachments.errors import AttachmentCode, AttachmentError

__all__ = ["CHILD_MODULE", "RESULT_MARK", "convert", "result_of"]

CHILD_MODULE = "app.core.attachments.child"
# Starts the one line of stdout the parent reads: a library may print lines of its own.
RESULT_MARK = "minicpm-attachment-result: "


def convert(kind: str, path: Path, max_chars: int) -> str:
    """The text of one document; raises AttachmentError."""
    if kind == "pdf":
        from app.core.attachments.pdf import pdf_text

        return pdf_text(path, max_chars)
    if kind == "docx":
        from app.core.attachments.word import docx_markdown

        return docx_markdown(path)
    if kind == "html":
        from app.core.attachments.markup import html_to_markdown

        return html_to_markdown(path.read_bytes())
    raise ValueError(f"no converter for {kind!r}")


def result_of(kind: str, path: Path, max_chars: int) -> dict[str, Any]:
    """What the child reports: {"text": ...} or {"code", "detail", "params"}. Libraries raise
    anything on a broken file (KeyError, struct.error, RecursionError...): all of it means
    the file is damaged."""
    try:
        return {"text": convert(kind, path, max_chars)}
    except AttachmentError as error:
        return {"code": str(error.code), "detail": error.detail, "params": dict(error.params)}
    except OSError as error:
        return {"code": str(AttachmentCode.NOT_FOUND), "detail": error.strerror or str(error)}
    except Exception as error:  # noqa: BLE001 - see the docstring
        detail = f"{type(error).__name__}: {error}".strip().rstrip(":")
        return {"code": str(AttachmentCode.DAMAGED), "detail": detail[:300]}


def main(argv: list[str]) -> int:
    kind, path, max_chars = argv
    result = result_of(kind, Path(path), int(max_chars))
    # ASCII JSON: the pipe's encoding (a Windows code page) cannot garble it.
    sys.stdout.write(RESULT_MARK + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
