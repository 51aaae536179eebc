"""llama.cpp through llama-cpp-python: GGUF on CPU, or with layers offloaded to a CUDA GPU."""

from __future__ import annotations

import codecs
import os
import time
from typing import Any

from engine.backends.base import OnText, PromptTokens, ShouldStop
from engine.errors import (
    BackendUnavailableError,
    GenerationError,
    ModelLoadError,
    OutOfMemoryError,
)
from engine.kv_cache import flash_attention, kv_cache_type
from engine.model_info import ModelInfo
from engine.types import (
    BackendName,
    FinishReason,
    GenerationParams,
    GenerationStats,
    LoadRequest,
)

NAME = "llama.cpp"
# ggml's type numbers for the KV cache (llama_cpp.GGML_TYPE_F16 / GGML_TYPE_Q8_0).
GGML_TYPES = {"f16": 1, "q8_0": 8}


def import_llama_cpp() -> Any:
    try:
        import llama_cpp
    except Exception as exc:  # a broken native library raises OSError, not ImportError
        raise BackendUnavailableError(f"llama-cpp-python is not usable: {exc}") from exc
    return llama_cpp


def gpu_offload_supported() -> bool:
    return bool(import_llama_cpp().llama_supports_gpu_offload())


class LlamaCppBackend:
    name = NAME

    def __init__(self) -> None:
        self._llm: Any = None
        self.device = "CPU"
        # llama.cpp has no arithmetic switch; this says the KV cache where it is not f16.
        self.precision = ""
        self.kv_cache = "f16"
        self.flash_attn = False
        self.sparse_threshold = 0  # llama.cpp's attention is always dense

    @property
    def native(self) -> Any:
        return self._llm

    @property
    def context_length(self) -> int:
        if self._llm is None:
            return 0
        # llama.cpp may round the context up; the Python token buffer keeps the size asked for.
        return min(int(self._llm.n_ctx()), len(self._llm.input_ids))

    def load(self, info: ModelInfo, request: LoadRequest) -> None:
        llama_cpp = import_llama_cpp()
        offload = request.n_gpu_layers != 0 and gpu_offload_supported()
        n_ctx = request.n_ctx or (info.context_length or 4096)
        # The cache type and flash attention: engine.kv_cache's policy (docs/kv-cache.md).
        kv_type = kv_cache_type(request.kv_cache, n_ctx, BackendName.LLAMA)
        flash = flash_attention(request.flash_attn, kv_type, offload)
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(info.path),
                n_ctx=n_ctx,
                n_threads=request.n_threads or _default_threads(),
                n_gpu_layers=request.n_gpu_layers if offload else 0,
                flash_attn=flash,
                type_k=GGML_TYPES[kv_type],
                type_v=GGML_TYPES[kv_type],
                verbose=False,
            )
        except ValueError as exc:
            raise _load_error(exc, n_ctx) from exc
        self.device = "CUDA" if offload else "CPU"
        self.kv_cache, self.flash_attn = kv_type, flash
        self.precision = "" if kv_type == "f16" else f"KV {kv_type}"

    def count_tokens(self, text: str) -> int:
        return len(self._tokenize(text))

    def _tokenize(self, text: str) -> list[int]:
        # The prompt already carries BOS when the template or model wants it.
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def tokenize(self, prompt: str) -> PromptTokens:
        return PromptTokens(prompt, tuple(self._tokenize(prompt)))

    def generate(
        self,
        prompt: PromptTokens,
        budget: int,
        params: GenerationParams,
        stop_strings: tuple[str, ...],
        on_text: OnText,
        should_stop: ShouldStop,
    ) -> GenerationStats:
        if self._llm is None:
            raise GenerationError("No model is loaded.")
        tokens = list(prompt.ids)
        cached = self._reusable_prefix(tokens)
        if params.seed is not None:
            self._llm.set_seed(params.engine_seed)
        try:
            return self._decode(tokens, cached, budget, params, on_text, should_stop)
        except (ValueError, RuntimeError) as exc:
            raise GenerationError(f"llama.cpp failed while generating: {exc}") from exc

    def _reusable_prefix(self, tokens: list[int]) -> int:
        past = list(self._llm._input_ids[: self._llm.n_tokens])
        shared = 0
        for a, b in zip(past, tokens, strict=False):
            if a != b:
                break
            shared += 1
        # llama-cpp-python re-decodes at least the last prompt token to get fresh logits.
        return min(shared, len(tokens) - 1)

    def _decode(
        self,
        tokens: list[int],
        cached: int,
        budget: int,
        params: GenerationParams,
        on_text: OnText,
        should_stop: ShouldStop,
    ) -> GenerationStats:
        llama_cpp = import_llama_cpp()
        vocab = self._llm._model.vocab
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        start = time.perf_counter()
        first_token_at = 0.0
        generated = 0
        finish: FinishReason = "length"
        stream = self._llm.generate(tokens, **sampling_arguments(params))
        try:
            for token in stream:
                if generated == 0:
                    first_token_at = time.perf_counter()
                if llama_cpp.llama_vocab_is_eog(vocab, token):
                    finish = "stop"
                    break
                generated += 1
                text = decoder.decode(self._llm.detokenize([token], special=True))
                if text:
                    on_text(text)
                if should_stop():
                    finish = "stopped"
                    break
                if generated >= budget:
                    break
        finally:
            stream.close()
        tail = decoder.decode(b"", final=True)
        if tail:
            on_text(tail)
        end = time.perf_counter()
        return self._stats(len(tokens), cached, generated, start, first_token_at, end, finish)

    def _stats(
        self,
        prompt_tokens: int,
        cached: int,
        generated: int,
        start: float,
        first_token_at: float,
        end: float,
        finish: FinishReason,
    ) -> GenerationStats:
        ttft = (first_token_at or end) - start
        decode_time = end - (first_token_at or end)
        tps = (generated - 1) / decode_time if generated > 1 and decode_time > 0 else 0.0
        return GenerationStats(
            backend=self.name,
            device=self.device,
            prompt_tokens=prompt_tokens,
            cached_tokens=cached,
            generated_tokens=generated,
            time_to_first_token_s=ttft,
            decode_tokens_per_s=tps,
            total_s=end - start,
            finish_reason=finish,
        )

    def close(self) -> None:
        if self._llm is not None:
            self._llm.close()
            self._llm = None


def sampling_arguments(params: GenerationParams) -> dict[str, Any]:
    """`Llama.generate`'s sampler settings for `params` (`bench engine` passes the same to the
    raw library)."""
    return {
        "top_k": params.top_k if params.top_k > 0 else 0,
        "top_p": params.top_p,
        "min_p": 0.0,
        "temp": max(params.temperature, 0.0),
        "repeat_penalty": params.repetition_penalty,
    }


def _default_threads() -> int:
    return max(1, (os.cpu_count() or 2))


def _load_error(exc: ValueError, n_ctx: int) -> ModelLoadError:
    text = str(exc)
    if "context" in text.lower():
        return OutOfMemoryError(
            f"Not enough memory for a {n_ctx}-token context with this model. "
            "Lower the context size or choose a smaller model."
        )
    return ModelLoadError(f"llama.cpp could not load the model: {text}")
