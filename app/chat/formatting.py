"""Short texts the transcript shows under and above answers.

Plain functions (no widgets); the words go through Qt's translator under the "MessageWidget"
context, which works without a QApplication (then they stay English).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication

# A longer message shows only its start. Qt draws nothing in a label some million pixels tall
# (a 1 MB question was a blank box) and lays all of its text out again on every resize.
PREVIEW_CHARS = 10_000
PREVIEW_LINES = 200


def preview(text: str, max_chars: int = PREVIEW_CHARS, max_lines: int = PREVIEW_LINES) -> str:
    """`text` itself when it is short enough to show, else its start: at most `max_chars`
    characters and `max_lines` lines, cut at a word break when one is near the end."""
    cut = text[:max_chars]
    lines = cut.split("\n")
    if len(lines) > max_lines:
        return "\n".join(lines[:max_lines]).rstrip()
    if len(cut) == len(text):
        return text
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= len(cut) * 3 // 4:
        cut = cut[:space]
    return cut.rstrip()


def _finish_note(reason: str) -> str:
    # Literal strings in each call, so pyside6-lupdate can extract them.
    if reason == "stopped":
        return QCoreApplication.translate("MessageWidget", "stopped")
    if reason == "length":
        return QCoreApplication.translate("MessageWidget", "cut off at the token limit")
    if reason == "error":
        return QCoreApplication.translate("MessageWidget", "ended by an error")
    return ""


def describe_stats(stats: Mapping[str, object] | None) -> str:
    """'42 tokens · 18.3 tokens/s · 0.41 s to first token', plus how it ended if not naturally."""
    if not stats:
        return ""
    parts: list[str] = []
    tokens = stats.get("generated_tokens")
    if isinstance(tokens, int) and tokens > 0:
        one = QCoreApplication.translate("MessageWidget", "{count} token")
        many = QCoreApplication.translate("MessageWidget", "{count} tokens")
        parts.append((one if tokens == 1 else many).format(count=tokens))
    speed = stats.get("decode_tokens_per_s")
    if isinstance(speed, int | float) and speed > 0:
        parts.append(
            QCoreApplication.translate("MessageWidget", "{speed} tokens/s").format(
                speed=f"{speed:.1f}"
            )
        )
    first = stats.get("time_to_first_token_s")
    if isinstance(first, int | float) and first > 0:
        parts.append(
            QCoreApplication.translate("MessageWidget", "{seconds} s to first token").format(
                seconds=f"{first:.2f}"
            )
        )
    if stats.get("sparse_prefill") is True:
        parts.append(QCoreApplication.translate("MessageWidget", "sparse prefill"))
    note = _finish_note(str(stats.get("finish_reason", "")))
    if note:
        parts.append(note)
    return " · ".join(parts)


def describe_duration(seconds: float) -> str:
    if seconds < 1:
        return QCoreApplication.translate("MessageWidget", "less than a second")
    if seconds < 60:
        if round(seconds) == 1:
            return QCoreApplication.translate("MessageWidget", "1 second")
        return QCoreApplication.translate("MessageWidget", "{count} seconds").format(
            count=f"{seconds:.0f}"
        )
    minutes, rest = divmod(round(seconds), 60)
    return QCoreApplication.translate("MessageWidget", "{minutes} min {seconds} s").format(
        minutes=minutes, seconds=rest
    )


def thinking_title(thinking_s: float | None, thinking_now: bool) -> str:
    if thinking_now:
        return QCoreApplication.translate("MessageWidget", "Thinking…")
    if thinking_s is None:
        return QCoreApplication.translate("MessageWidget", "Thoughts")
    return QCoreApplication.translate("MessageWidget", "Thought for {duration}").format(
        duration=describe_duration(thinking_s)
    )
