"""How the model reads attached documents: each one under a "## Attached: NAME" heading, its
text in a fenced block, all before the person's own words; the form GPT4All uses, fenced so a
document's own headings cannot pass for the question. Measured on the 135M starter model
(docs/attachments.md): it answered questions about a short document in this form as well as in
the others tried (XML tags, a bare name over the fence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.core.chat_records import Attachment

__all__ = ["with_attachments"]

_BACKTICK_RUNS = re.compile(r"`{3,}")


def with_attachments(content: str, attachments: Sequence[Attachment]) -> str:
    """The user message text the model reads; without attachments, `content` unchanged."""
    if not attachments:
        return content
    blocks = [_block(attachment) for attachment in attachments]
    return "\n\n".join([*blocks, content]) if content else "\n\n".join(blocks)


def _block(attachment: Attachment) -> str:
    fence = _fence(attachment.text)
    return f"## Attached: {attachment.name}\n\n{fence}\n{attachment.text}\n{fence}"


def _fence(text: str) -> str:
    """Longer than any run of backticks in the text (CommonMark), so a document that holds
    fenced code (Markdown, a README) cannot end the block early."""
    longest = max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=2)
    return "`" * (longest + 1)
