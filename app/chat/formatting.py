"""Short texts the transcript shows under and above answers. Qt-free."""

from __future__ import annotations

from collections.abc import Mapping

_FINISH_NOTES = {
    "stopped": "stopped",
    "length": "cut off at the token limit",
    "error": "ended by an error",
}


def describe_stats(stats: Mapping[str, object] | None) -> str:
    """'42 tokens · 18.3 tokens/s · 0.41 s to first token', plus how it ended if not naturally."""
    if not stats:
        return ""
    parts: list[str] = []
    tokens = stats.get("generated_tokens")
    if isinstance(tokens, int) and tokens > 0:
        parts.append(f"{tokens} token" + ("" if tokens == 1 else "s"))
    speed = stats.get("decode_tokens_per_s")
    if isinstance(speed, int | float) and speed > 0:
        parts.append(f"{speed:.1f} tokens/s")
    first = stats.get("time_to_first_token_s")
    if isinstance(first, int | float) and first > 0:
        parts.append(f"{first:.2f} s to first token")
    note = _FINISH_NOTES.get(str(stats.get("finish_reason", "")))
    if note:
        parts.append(note)
    return " · ".join(parts)


def describe_duration(seconds: float) -> str:
    if seconds < 1:
        return "less than a second"
    if seconds < 60:
        return f"{seconds:.0f} second" + ("" if round(seconds) == 1 else "s")
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def thinking_title(thinking_s: float | None, thinking_now: bool) -> str:
    if thinking_now:
        return "Thinking…"
    if thinking_s is None:
        return "Thoughts"
    return f"Thought for {describe_duration(thinking_s)}"
