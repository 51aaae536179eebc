"""Runs the converter's child process (app.core.attachments.child) for one PDF, Word or HTML
file, and turns what it reports into text or an AttachmentError.

Never hangs: the child is ended after CONVERT_TIMEOUT_S (TOO_LARGE, "took too long"). A child
that crashes or reports nothing means the file is DAMAGED for the library that read it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.core.attachments.child import CHILD_MODULE, RESULT_MARK
from app.core.attachments.errors import AttachmentCode, AttachmentError
from engine.child import child_command, child_env, last_line

__all__ = ["CONVERT_TIMEOUT_S", "convert_document"]

# A 139-page PDF takes 0.4 s and a 5,000-paragraph .docx 3 s on a 2-core machine (see
# docs/attachments.md); a file that needs more than this is not one a chat can hold anyway.
CONVERT_TIMEOUT_S = 30


def convert_document(path: Path, kind: str, max_chars: int) -> str:
    """The text of a "pdf", "docx" or "html" file; raises AttachmentError only."""
    command = child_command(CHILD_MODULE, kind, str(path), str(max_chars))
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=CONVERT_TIMEOUT_S,
            env=child_env(),
        )
    except subprocess.TimeoutExpired:
        seconds = CONVERT_TIMEOUT_S
        detail = f"reading took more than {seconds} s"
        raise AttachmentError(
            AttachmentCode.TOO_LARGE, path.name, detail, {"seconds": seconds}
        ) from None
    except OSError as error:
        detail = f"the reader could not start: {error}"
        raise AttachmentError(AttachmentCode.DAMAGED, path.name, detail) from None
    result = _result(done.stdout)
    if result is None:
        stderr = done.stderr.decode("utf-8", "replace")
        detail = f"the reader stopped (exit code {done.returncode}): {last_line(stderr)}"
        raise AttachmentError(AttachmentCode.DAMAGED, path.name, detail)
    return _text_or_raise(result, path.name)


def _result(stdout: bytes) -> dict[str, Any] | None:
    lines = stdout.decode("ascii", "replace").splitlines()
    marked = [line for line in lines if line.startswith(RESULT_MARK)]
    if not marked:
        return None
    try:
        result = json.loads(marked[-1].removeprefix(RESULT_MARK))
    except ValueError:
        return None
    return result if isinstance(result, dict) else None


def _text_or_raise(result: Mapping[str, Any], name: str) -> str:
    text = result.get("text")
    if isinstance(text, str):
        return text
    try:
        code = AttachmentCode(str(result.get("code")))
    except ValueError:
        code = AttachmentCode.DAMAGED
    params = result.get("params")
    params = {k: v for k, v in params.items() if isinstance(v, str | int)} if params else {}
    raise AttachmentError(code, name, str(result.get("detail") or ""), params)
