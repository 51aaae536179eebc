"""The JSON the API answers with, in OpenAI's shapes (as vLLM sends them): the model list, a
completion, and a stream's chunks. Reasoning goes out twice, as `reasoning_content` (vLLM,
DeepSeek; what most clients read) and `reasoning` (vLLM's newer name, OpenRouter)."""

from __future__ import annotations

import json
import time
import uuid

from engine.reasoning import TextPiece
from engine.types import GenerationResult, GenerationStats

OWNER = "minicpm-chat"
DONE = b"data: [DONE]\n\n"


def model_list(model_id: str | None, created: int) -> dict[str, object]:
    """`GET /v1/models`: the loaded model, or an empty list."""
    data = [] if model_id is None else [model_entry(model_id, created)]
    return {"object": "list", "data": data}


def model_entry(model_id: str, created: int) -> dict[str, object]:
    return {"id": model_id, "object": "model", "created": created, "owned_by": OWNER}


def finish_reason(stats: GenerationStats) -> str:
    """OpenAI's words; an answer stopped under a client still there (the window's Stop, the
    API turned off, the server stopping) ends "abort", as vLLM says it, so the client does
    not take it for a whole one."""
    return "abort" if stats.finish_reason == "stopped" else stats.finish_reason


def usage(stats: GenerationStats) -> dict[str, int]:
    prompt, completion = stats.prompt_tokens, stats.generated_tokens
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def delta(piece: TextPiece) -> dict[str, str]:
    if piece.channel == "reasoning":
        return {"reasoning_content": piece.text, "reasoning": piece.text}
    return {"content": piece.text}


def sse(data: dict[str, object]) -> bytes:
    """One server-sent event, as OpenAI frames them."""
    return b"data: " + json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\n\n"


class Shapes:
    """The envelope of one completion: one id, one creation time, one model name for the
    whole answer, streamed or not."""

    def __init__(self, model: str, include_usage: bool = False) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model
        self.include_usage = include_usage

    def chunk(self, delta: dict[str, str], finish: str | None = None) -> dict[str, object]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        chunk = self._envelope("chat.completion.chunk", [choice])
        if self.include_usage:
            # OpenAI's way: every chunk but the last says "usage": null.
            chunk["usage"] = None
        return chunk

    def usage_chunk(self, stats: GenerationStats) -> dict[str, object]:
        chunk = self._envelope("chat.completion.chunk", [])
        chunk["usage"] = usage(stats)
        return chunk

    def completion(self, result: GenerationResult) -> dict[str, object]:
        reasoning = result.reasoning or None
        message = {
            "role": "assistant",
            "content": result.text,
            "reasoning_content": reasoning,
            "reasoning": reasoning,
        }
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": finish_reason(result.stats),
        }
        body = self._envelope("chat.completion", [choice])
        body["usage"] = usage(result.stats)
        return body

    def _envelope(self, kind: str, choices: list[dict[str, object]]) -> dict[str, object]:
        return {
            "id": self.id,
            "object": kind,
            "created": self.created,
            "model": self.model,
            "choices": choices,
        }
