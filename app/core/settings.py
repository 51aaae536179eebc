"""One typed settings schema with a version and upgrade steps. Secrets never live here."""

from __future__ import annotations

import json
import math
import typing
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from app.core.files import write_text_atomically
from app.core.paths import cache_dir
from engine.kv_cache import AUTO_KV, KV_CACHE_CHOICES
from engine.precision import PRECISIONS
from engine.sparse_prefill import sparse_choice
from engine.types import GenerationParams, LoadRequest, backend_choice

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Settings:
    version: int = SCHEMA_VERSION
    model: str | None = None
    backend: str = "auto"
    device: str = "CPU"
    context_length: int = 4096
    cpu_threads: int = 0
    gpu_layers: int = 0
    # OpenVINO's arithmetic (engine.precision): "auto" (exact f32 on CPU), "f32", "bf16".
    openvino_precision: str = "auto"
    # OpenVINO's sparse prefill for long prompts (engine.sparse_prefill): "auto", "always",
    # "never".
    sparse_prefill: str = "auto"
    # llama.cpp's KV cache (engine.kv_cache): "auto" (f16; q8_0 where only that fits the free
    # memory), "f16", "q8_0".
    kv_cache: str = "auto"
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    repetition_penalty: float = 1.0
    # Catalog models bring recommended temperature / top_p per thinking mode; they win when set.
    model_sampling: bool = True
    max_new_tokens: int = 1024
    seed: int | None = None
    # Sent when a chat has no system prompt of its own. Without one, many templates insert
    # their own (SmolLM2's made the starter answer "What is the capital of France?" wrongly).
    system_prompt: str = "You are a helpful AI assistant."
    thinking: bool = False
    # Caps reasoning tokens; 0 lets the model think as long as it wants.
    thinking_budget: int = 0
    # Downloads: an offline switch hides everything that would connect; a Hub mirror endpoint
    # ("" = huggingface.co) and the order of sources tried ("hf", "mirror", "modelscope").
    offline: bool = False
    hub_endpoint: str = ""
    download_sources: str = "hf,modelscope"
    theme: str = "system"
    language: str = "system"

    def load_request(self, model_path: Path) -> LoadRequest:
        """What loading `model_path` with these settings asks the engine for: built once, here,
        and passed unchanged to the engine's planner (engine.loading)."""
        return LoadRequest(
            model=Path(model_path),
            # A hand-edited backend the engine does not know means "auto", as it always did.
            backend=backend_choice(self.backend),
            device=self.device,
            n_ctx=self.context_length,
            n_threads=self.cpu_threads or None,
            n_gpu_layers=self.gpu_layers,
            # A hand-edited value the engine does not know falls back to the default.
            precision=self.openvino_precision if self.openvino_precision in PRECISIONS else "auto",
            kv_cache=self.kv_cache if self.kv_cache in KV_CACHE_CHOICES else AUTO_KV,
            cache_dir=str(cache_dir() / "openvino"),
            # A hand-edited value means "auto" (engine.sparse_prefill.sparse_choice).
            sparse_prefill=sparse_choice(self.sparse_prefill).value,
        )

    def generation_params(
        self,
        *,
        thinking: bool | None = None,
        recommended: tuple[float, float] | None = None,
    ) -> GenerationParams:
        """`recommended` is the model's own (temperature, top_p) for this thinking mode."""
        temperature, top_p = self.temperature, self.top_p
        if recommended is not None and self.model_sampling:
            temperature, top_p = recommended
        return GenerationParams(
            temperature=temperature,
            top_p=top_p,
            top_k=self.top_k,
            repetition_penalty=self.repetition_penalty,
            max_new_tokens=self.max_new_tokens,
            seed=self.seed,
            enable_thinking=self.thinking if thinking is None else thinking,
            thinking_budget=self.thinking_budget or None,
        )


_UPGRADES: dict[int, Any] = {}  # version -> function(dict) -> dict, for the next schema change

# Numbers a settings file may hold. Outside them the app cannot use the value (a negative
# context, a seed OpenVINO refuses), so the default is used instead. The settings pages' ranges
# lie within these, except the seed field, which takes any whole number.
_BOUNDS: dict[str, tuple[float, float]] = {
    "context_length": (1, 1 << 24),
    "cpu_threads": (0, 4096),
    "gpu_layers": (-1, 1 << 16),  # -1: every layer, as llama.cpp counts them
    "temperature": (0.0, 100.0),
    "top_p": (0.0, 1.0),
    "top_k": (0, (1 << 31) - 1),
    "repetition_penalty": (0.01, 100.0),
    "max_new_tokens": (1, 1 << 24),
    "seed": (0, (1 << 32) - 1),  # llama.cpp's seed is a uint32
    "thinking_budget": (0, 1 << 24),
}
_TYPES = typing.get_type_hints(Settings)


def _upgrade(raw: dict[str, Any]) -> dict[str, Any]:
    version = raw.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        version = 1  # a hand edit: read it as the oldest schema, whose keys are all still known
    while version < SCHEMA_VERSION:
        raw = _UPGRADES[version](raw)
        version += 1
    raw["version"] = SCHEMA_VERSION
    return raw


def load_settings(path: Path) -> Settings:
    """Unknown keys are ignored and bad values fall back to defaults, so a hand edit never
    locks anyone out of the app."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # deeply nested JSON overflows the parser
        return Settings()
    if not isinstance(raw, dict):
        return Settings()
    raw = _upgrade(raw)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name in raw and _usable(f.name, raw[f.name]):
            values[f.name] = float(raw[f.name]) if _TYPES[f.name] is float else raw[f.name]
    return replace(Settings(), **values)


def _usable(name: str, value: Any) -> bool:
    kinds = typing.get_args(_TYPES[name]) or (_TYPES[name],)
    # type(), not isinstance(): true is not a number; an int is fine where a float is due.
    if type(value) not in kinds and not (float in kinds and type(value) is int):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if isinstance(value, str):
        try:
            value.encode("utf-8")  # JSON can spell lone surrogates, which no model can read
        except UnicodeEncodeError:
            return False
    low, high = _BOUNDS.get(name, (-math.inf, math.inf))
    return value is None or isinstance(value, str | bool) or low <= value <= high


def save_settings(settings: Settings, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(asdict(settings), indent=2))
