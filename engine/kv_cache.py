"""How much memory a model's KV cache takes: sized from the model and the chosen context.

Every layer keeps a key and a value vector per KV head and token, so a token costs
layers x KV heads x head size x 2 x bytes per element: 32 KiB at f16 for MiniCPM4.1-8B (32
layers, 2 KV heads of 128), 23,040 bytes for the starter (30 layers, 3 KV heads of 64). That is
why OpenVINO's cache is no longer one fixed gigabyte: a 64K-token conversation on an 8B model
needs several.
"""

from __future__ import annotations

import math

from engine.model_info import ModelInfo

# The app computes the KV cache in f16 on every device (engine.precision's plans).
F16_BYTES = 2
GIB = 1024**3
# Paged attention allocates whole blocks per sequence, and the prompt of the next turn is
# scheduled while the previous one's blocks are still cached: a tenth more than the tokens.
HEADROOM = 1.1
# What OpenVINO was given before the cache was sized (and where a model does not say its shape).
FALLBACK_CACHE_GIB = 1


def kv_bytes_per_token(info: ModelInfo, element_bytes: int = F16_BYTES) -> int | None:
    """Bytes one token adds to the KV cache; None when the model does not say its shape."""
    layers = _positive(info.extra.get("n_layers"))
    kv_heads = _positive(info.extra.get("n_kv_heads"))
    head_dim = _positive(info.extra.get("head_dim"))
    if layers is None or kv_heads is None or head_dim is None:
        return None
    return layers * kv_heads * head_dim * 2 * element_bytes


def kv_cache_bytes(info: ModelInfo, n_ctx: int, element_bytes: int = F16_BYTES) -> int | None:
    per_token = kv_bytes_per_token(info, element_bytes)
    return None if per_token is None else per_token * max(n_ctx, 1)


def openvino_cache_gib(info: ModelInfo, n_ctx: int, element_bytes: int = F16_BYTES) -> int:
    """Whole GiB for OpenVINO GenAI's `SchedulerConfig.cache_size`: the full context fits."""
    needed = kv_cache_bytes(info, n_ctx, element_bytes)
    if needed is None:
        return FALLBACK_CACHE_GIB
    return max(1, math.ceil(needed * HEADROOM / GIB))


def _positive(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value
