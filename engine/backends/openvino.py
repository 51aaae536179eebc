"""OpenVINO GenAI: OpenVINO IR folders, and GGUF files through a cached IR export."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from engine.backends.base import OnText, PromptTokens, ShouldStop
from engine.backends.openvino_rope import open_pipeline
from engine.backends.openvino_stream import (
    CONTEXT_TOKENS,
    IncrementalText,
    TableText,
    TokenTexts,
    token_streamer,
)
from engine.convert.gguf_export import export_gguf
from engine.errors import (
    BackendUnavailableError,
    GenerationError,
    ModelLoadError,
    OutOfMemoryError,
    plain_reason,
)
from engine.kv_cache import openvino_cache_gib
from engine.model_info import ModelInfo
from engine.precision import AppliedPrecision, applied_precision, properties_for
from engine.privacy import block_telemetry
from engine.sparse_prefill import SparsePlan, apply_plan, plan_for, plan_of
from engine.types import FinishReason, GenerationParams, GenerationStats, LoadRequest

NAME = "openvino"
# Devices whose pipeline supports the paged KV cache with prefix caching; NPU is stateful only.
PAGED_DEVICES = ("CPU", "GPU")
# llama.cpp also ends a turn at these token texts (llama-vocab.cpp's end-of-generation list);
# a MiniCPM GGUF's "</s>" is one of them although its EOS is "<|im_end|>".
EXTRA_END_TOKENS = ("</s>",)
NOT_LOADED = AppliedPrecision("", "")
# Appended to a prompt to see whether the tokenizer cut it: four separate words, so more tokens
# in any vocabulary (at most the first merges into the prompt's end) unless the tokenizer
# stopped at the fixed length in its IR.
CUT_PROBE = " 0 1 2 3"


def import_openvino_genai() -> Any:
    block_telemetry()
    try:
        import openvino_genai
    except Exception as exc:
        raise BackendUnavailableError(f"openvino-genai is not usable: {exc}") from exc
    return openvino_genai


def available_devices() -> list[str]:
    import_openvino_genai()
    import openvino

    return list(openvino.Core().available_devices)


def ir_folder(info: ModelInfo, cache_dir: str | None) -> Path:
    """The IR folder OpenVINO loads for `info`: the folder itself, or the GGUF's cached export
    (made first when it is missing)."""
    if info.format == "openvino":
        return info.path
    return export_gguf(info.path, Path(cache_dir) if cache_dir else default_cache_root())


def default_cache_root() -> Path:
    return Path(tempfile.gettempdir()) / "minicpm-chat-openvino"


class OpenVinoBackend:
    name = NAME

    def __init__(self) -> None:
        self._pipe: Any = None
        self._tokenizer: Any = None
        self._n_ctx = 0
        self._previous: list[int] = []
        self._texts: TokenTexts | None = None
        self.device = "CPU"
        self.applied = NOT_LOADED
        # OpenVINO's KV cache for the loaded model, in GiB (0 where the device is not paged).
        self.cache_gib = 0
        # The sparse prefill pattern the pipeline was built with (None: dense attention).
        self.sparse_plan: SparsePlan | None = None

    @property
    def context_length(self) -> int:
        return self._n_ctx

    @property
    def native(self) -> Any:
        return self._pipe

    def load(self, info: ModelInfo, request: LoadRequest) -> None:
        genai = import_openvino_genai()
        folder = ir_folder(info, request.cache_dir)
        device = (request.device or "CPU").upper()
        import openvino

        core = openvino.Core()
        precision = self._precision_properties(core, device, request.precision)
        properties = dict(precision)
        n_ctx = min(request.n_ctx or 4096, info.context_length or request.n_ctx or 4096)
        if device in PAGED_DEVICES:
            scheduler = genai.SchedulerConfig()
            scheduler.enable_prefix_caching = True
            # Room for the whole chosen context, from the model's shape (engine.kv_cache).
            self.cache_gib = openvino_cache_gib(info, n_ctx)
            scheduler.cache_size = self.cache_gib
            # Long prompts read faster; prompts under the threshold stay exactly dense.
            apply_plan(genai, scheduler, plan_for(request.sparse_prefill))
            properties["scheduler_config"] = scheduler
        if request.n_threads and device == "CPU":
            properties["INFERENCE_NUM_THREADS"] = request.n_threads
        try:
            # LongRoPE's factor set follows the context (engine.backends.openvino_rope).
            self._pipe = open_pipeline(genai, folder, n_ctx, device, properties)
        except RuntimeError as exc:
            raise _load_error(exc, device) from exc
        self._tokenizer = self._pipe.get_tokenizer()
        self._texts = self._token_texts(int(str(info.extra.get("vocab_size") or 0)))
        self.applied = self._applied(core, device, precision)
        scheduler = properties.get("scheduler_config")
        self.sparse_plan = plan_of(scheduler) if scheduler is not None else None
        self._n_ctx = n_ctx
        self.device = device

    @property
    def precision(self) -> str:
        return self.applied.label()

    @property
    def sparse_threshold(self) -> int:
        return self.sparse_plan.threshold if self.sparse_plan is not None else 0

    @staticmethod
    def _precision_properties(core: Any, device: str, choice: str) -> dict[str, Any]:
        """engine.precision's plan for this device: never the plugin's CPU-dependent default."""
        try:
            return properties_for(core, device, choice)
        except ValueError as exc:
            raise ModelLoadError(str(exc)) from exc

    @staticmethod
    def _applied(core: Any, device: str, properties: dict[str, Any]) -> AppliedPrecision:
        try:
            return applied_precision(core, device, properties)
        except RuntimeError:  # the model loaded; only the read-back probe failed
            return AppliedPrecision(str(properties.get("INFERENCE_PRECISION_HINT", "")), "")

    def count_tokens(self, text: str) -> int:
        return len(self._encode(text))

    def _token_texts(self, vocab_size: int) -> TokenTexts | None:
        """Every token's text, decoded once (engine.backends.openvino_stream); None where the
        tokenizer cannot say (then a window is decoded per token)."""
        try:
            anchor = self._encode(TokenTexts.ANCHOR)
            # An IR folder's model info has no vocabulary size; its tokenizer says.
            size = vocab_size or len(self._tokenizer.get_vocab())
            if len(anchor) != 1 or size <= 0:
                return None
            return TokenTexts.build(self._decode_batch, anchor[0], size)
        except (RuntimeError, ValueError):  # UnicodeDecodeError is a ValueError
            return None

    def _decode_batch(self, batch: list[list[int]]) -> list[str]:
        return [str(text) for text in self._tokenizer.decode(batch)]

    def _decode(self, ids: list[int]) -> str:
        return str(self._tokenizer.decode(ids))

    def _encode(self, text: str) -> list[int]:
        encoded = self._tokenizer.encode(text, add_special_tokens=False)
        return [int(t) for t in encoded.input_ids.data[0]]

    def tokenize(self, prompt: str) -> PromptTokens:
        encoded = self._tokenizer.encode(prompt, add_special_tokens=False)
        tokens = tuple(int(t) for t in encoded.input_ids.data[0])
        # The tokenizer silently keeps only the first tokens up to a length fixed in its IR
        # (the GGUF's context length), so a cut prompt is longer than it looks.
        return PromptTokens(prompt, tokens, self._is_cut(prompt, len(tokens)), encoded)

    def generate(
        self,
        prompt: PromptTokens,
        budget: int,
        params: GenerationParams,
        stop_strings: tuple[str, ...],
        on_text: OnText,
        should_stop: ShouldStop,
    ) -> GenerationStats:
        if self._pipe is None:
            raise GenerationError("No model is loaded.")
        genai = import_openvino_genai()
        encoded = prompt.native
        if encoded is None:  # tokenized elsewhere: encode here, once
            encoded = self._tokenizer.encode(prompt.text, add_special_tokens=False)
        tokens = list(prompt.ids)
        config = self._config(genai, params, budget)
        # OpenVINO's detokenizer hides control tokens, so an end marker emitted as one token
        # never reaches the stop strings; stop on its id instead, as llama.cpp does.
        config.stop_token_ids = self._end_token_ids(stop_strings)
        # Token ids in, text out here: GenAI's TextStreamer would hold the text back.
        text: IncrementalText | TableText = (
            TableText(self._texts, self._decode)
            if self._texts is not None
            else IncrementalText(self._decode, tokens[-CONTEXT_TOKENS:])
        )
        streamer = token_streamer(genai, text, on_text, should_stop)
        start = time.perf_counter()
        try:
            result = self._pipe.generate(encoded, config, streamer)
        except RuntimeError as exc:
            raise GenerationError(
                f"OpenVINO failed while generating: {plain_reason(str(exc))}"
            ) from exc
        end = time.perf_counter()
        output = [int(t) for t in result.tokens[0]]
        stopped = bool(streamer.stopped)
        if not stopped and output and output[-1] in config.stop_token_ids:
            output.pop()  # the end token: not text, and llama.cpp does not count it either
        cached = _shared_prefix(self._previous, tokens)
        self._previous = tokens + output
        finish: FinishReason = "stopped" if stopped else "stop"
        if not stopped and len(output) >= config.max_new_tokens:
            finish = "length"
        return self._stats(
            result.perf_metrics, len(tokens), cached, len(output), end - start, finish
        )

    def _is_cut(self, prompt: str, length: int) -> bool:
        return len(self._encode(prompt + CUT_PROBE)) <= length

    def _end_token_ids(self, stop_strings: tuple[str, ...]) -> set[int]:
        """Ids of the stop strings (and llama.cpp's extra end tokens) that are one token."""
        ids = set(self._pipe.get_generation_config().stop_token_ids)
        for text in (*stop_strings, *EXTRA_END_TOKENS):
            encoded = self._encode(text)
            if len(encoded) == 1:
                ids.add(encoded[0])
        return ids

    @staticmethod
    def _config(genai: Any, params: GenerationParams, budget: int) -> Any:
        config = genai.GenerationConfig()
        config.apply_chat_template = False
        config.max_new_tokens = budget
        config.do_sample = not params.greedy
        if not params.greedy:
            config.temperature = params.temperature
            config.top_p = params.top_p
            config.top_k = params.top_k if params.top_k > 0 else 2**31 - 1
            config.rng_seed = params.engine_seed
        config.repetition_penalty = params.repetition_penalty
        # No config.stop_strings: the engine matches them in the text (engine.stops) and stops
        # through the streamer; GenAI's matching would hold the streamed text back.
        return config

    def _stats(
        self,
        metrics: Any,
        prompt_tokens: int,
        cached: int,
        generated: int,
        total_s: float,
        finish: FinishReason,
    ) -> GenerationStats:
        plan = self.sparse_plan
        return GenerationStats(
            sparse_prefill=plan is not None and plan.used_for(prompt_tokens, cached),
            backend=self.name,
            device=self.device,
            prompt_tokens=prompt_tokens,
            cached_tokens=cached,
            generated_tokens=generated,
            time_to_first_token_s=float(metrics.get_ttft().mean) / 1000.0,
            decode_tokens_per_s=float(metrics.get_throughput().mean) if generated > 1 else 0.0,
            total_s=total_s,
            finish_reason=finish,
        )

    def close(self) -> None:
        self._pipe = None
        self._tokenizer = None
        self._texts = None
        self._previous = []
        self.applied = NOT_LOADED
        self.sparse_plan = None


def _shared_prefix(previous: list[int], tokens: list[int]) -> int:
    """Tokens whose KV blocks the prefix cache still holds from the last turn."""
    shared = 0
    for a, b in zip(previous, tokens, strict=False):
        if a != b:
            break
        shared += 1
    return min(shared, max(len(tokens) - 1, 0))


def _load_error(exc: RuntimeError, device: str) -> ModelLoadError:
    text = str(exc)
    lowered = text.lower()
    if "memory" in lowered or "bad_alloc" in lowered:
        return OutOfMemoryError(f"Not enough memory to load this model on {device}.")
    if "device" in lowered and device != "CPU":
        return ModelLoadError(f"OpenVINO cannot use the {device} device here: {plain_reason(text)}")
    return ModelLoadError(f"OpenVINO could not load the model: {plain_reason(text)}")
