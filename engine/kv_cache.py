"""How much memory a model's KV cache takes: sized from the model and the chosen context.

Every layer keeps a key and a value vector per KV head and token, so a token costs
layers x KV heads x head size x 2 x bytes per element: 32 KiB at f16 for MiniCPM4.1-8B (32
layers, 2 KV heads of 128), 23,040 bytes for the starter (30 layers, 3 KV heads of 64). That is
why OpenVINO's cache is no longer one fixed gigabyte: a 64K-token conversation on an 8B model
needs several.

llama.cpp's cache may also be q8_0 (blocks of 32 int8 values with one f16 scale: 34 bytes for
32 elements, 53 % of f16), which needs flash attention. Without flash attention llama.cpp also
holds the attention scores of one micro-batch against the whole context (512 tokens x heads x
4 bytes per context token: 64 KiB for MiniCPM4.1-8B, twice its f16 cache). On the CPU both cost
speed (measured in docs/kv-cache.md: with flash attention decoding at 8K tokens is a third to
two fifths slower, with q8_0 an 8K prompt is read two to three times slower), so "auto" keeps
f16 without flash attention on the CPU (`kv_cache_type`, `flash_attention`), and the load
planner (engine.loading) turns on flash attention, then q8_0, only where the free memory needs
it. The backends, the planner and the catalog's fit advice all size the cache with these
functions, so what the advice promises is what the load asks for.
"""

from __future__ import annotations

import math

from engine.model_info import ModelInfo
from engine.types import BackendName

# OpenVINO keeps the KV cache in f16 on every device (engine.precision's plans); so does
# llama.cpp unless q8_0 is chosen.
F16_BYTES = 2
# What a person may choose (Settings -> Model -> KV cache, LoadRequest.kv_cache).
AUTO_KV = "auto"
KV_CACHE_TYPES = ("f16", "q8_0")
KV_CACHE_CHOICES = (AUTO_KV, *KV_CACHE_TYPES)
# Bytes per element: ggml's q8_0 block is 32 int8 values and one f16 scale.
ELEMENT_BYTES: dict[str, float] = {"f16": 2.0, "q8_0": 34 / 32}
# llama-cpp-python's micro-batch (n_ubatch): without flash attention one step holds the f32
# scores of this many prompt tokens against every context token, for every head.
SCORE_BATCH = 512
# Runtime buffers (llama.cpp's compute graph, the tokenizer, the app itself) on top of the
# weights and the KV cache: what the fit advice and the load planner add.
RUNTIME_OVERHEAD_BYTES = 512 * 1024**2
GIB = 1024**3
# Paged attention allocates whole blocks per sequence, and the prompt of the next turn is
# scheduled while the previous one's blocks are still cached: a tenth more than the tokens.
HEADROOM = 1.1
# What OpenVINO was given before the cache was sized (and where a model does not say its shape).
FALLBACK_CACHE_GIB = 1


def kv_cache_type(choice: str, n_ctx: int = 0, backend: str = BackendName.LLAMA) -> str:
    """The element type a load's KV cache uses ("f16" or "q8_0") for `choice` ("auto", "f16",
    "q8_0"; anything else means "auto") at `n_ctx` tokens. "auto" is f16 at every length, the
    faster on the CPU; the load planner asks for q8_0 where f16 does not fit the free memory
    (engine.loading). OpenVINO's is always f16 (its plans in engine.precision)."""
    del n_ctx  # the choice does not depend on the length today (docs/kv-cache.md)
    if backend == BackendName.OPENVINO:
        return "f16"
    return choice if choice in KV_CACHE_TYPES else "f16"


def flash_attention(asked: bool | None, kv_type: str, offload: bool) -> bool:
    """Whether a llama.cpp load uses flash attention: always with a quantized cache (llama.cpp
    refuses a quantized V cache without it), else as asked, else on CUDA (where it pays off)
    and not on the CPU (decoding is faster without; the planner asks for it where memory is
    short)."""
    if kv_type != "f16":
        return True
    if asked is not None:
        return asked
    return offload


def attention_scores_bytes(info: ModelInfo, n_ctx: int) -> int:
    """The score buffer llama.cpp holds without flash attention; 0 where the model does not
    say its head count (the runtime allowance covers small ones)."""
    heads = _positive(info.extra.get("n_heads")) or _heads_from_width(info)
    return 0 if heads is None else n_ctx * SCORE_BATCH * heads * 4


def bytes_per_element(cache_type: str) -> float:
    """Bytes per cached element of `cache_type` ("f16", "q8_0"); ValueError for others."""
    try:
        return ELEMENT_BYTES[cache_type]
    except KeyError:
        raise ValueError(f"Unknown KV cache type {cache_type!r} (use f16 or q8_0).") from None


def bytes_per_token_as(f16_bytes_per_token: int, cache_type: str) -> int:
    """A per-token size stated for f16 (the catalog's), for a cache of `cache_type`."""
    return math.ceil(f16_bytes_per_token * bytes_per_element(cache_type) / F16_BYTES)


def kv_bytes_per_token(info: ModelInfo, element_bytes: float = F16_BYTES) -> int | None:
    """Bytes one token adds to the KV cache; None when the model does not say its shape."""
    layers = _positive(info.extra.get("n_layers"))
    kv_heads = _positive(info.extra.get("n_kv_heads"))
    head_dim = _positive(info.extra.get("head_dim"))
    if layers is None or kv_heads is None or head_dim is None:
        return None
    return math.ceil(layers * kv_heads * head_dim * 2 * element_bytes)


def kv_cache_bytes(info: ModelInfo, n_ctx: int, element_bytes: float = F16_BYTES) -> int | None:
    per_token = kv_bytes_per_token(info, element_bytes)
    return None if per_token is None else per_token * max(n_ctx, 1)


def load_bytes(info: ModelInfo, n_ctx: int, cache_type: str, flash: bool = True) -> int | None:
    """What loading `info` at `n_ctx` tokens takes in memory: the weights (the file), the KV
    cache of `cache_type`, the score buffer without `flash` attention (llama.cpp) and the
    runtime; None when the model does not say its shape."""
    kv = kv_cache_bytes(info, n_ctx, bytes_per_element(cache_type))
    if kv is None:
        return None
    scores = 0 if flash else attention_scores_bytes(info, n_ctx)
    return info.size_bytes + kv + scores + RUNTIME_OVERHEAD_BYTES


def openvino_cache_gib(info: ModelInfo, n_ctx: int, element_bytes: float = F16_BYTES) -> int:
    """Whole GiB for OpenVINO GenAI's `SchedulerConfig.cache_size`: the full context fits."""
    needed = kv_cache_bytes(info, n_ctx, element_bytes)
    if needed is None:
        return FALLBACK_CACHE_GIB
    return max(1, math.ceil(needed * HEADROOM / GIB))


def _heads_from_width(info: ModelInfo) -> int | None:
    """Query heads of a GGUF: its width over the head size (the inspector keeps both)."""
    width = _positive(info.extra.get("embedding_length"))
    head_dim = _positive(info.extra.get("head_dim"))
    if width is None or head_dim is None:
        return None
    return width // head_dim or None


def _positive(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value
