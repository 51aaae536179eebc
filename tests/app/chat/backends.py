"""Scripted backends the chat tests share."""

from __future__ import annotations

from pathlib import Path

from engine.backends.scripted import ScriptedBackend
from engine.errors import GenerationError

STARTER = Path(__file__).resolve().parents[3] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
LONG_REPLY = " ".join(f"w{i}" for i in range(300))


class FailingBackend(ScriptedBackend):
    """Writes a word, then fails as a model that ran out of context would."""

    def generate(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        on_text = args[4]  # (prompt, budget, params, stop_strings, on_text, should_stop)
        on_text("Partial")
        raise GenerationError("The model ran out of context.")
