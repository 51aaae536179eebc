"""One typed settings schema with a version and upgrade steps. Secrets never live here."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from app.core.files import write_text_atomically
from app.core.paths import cache_dir
from engine.precision import PRECISIONS
from engine.types import GenerationParams, LoadOptions

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

    def load_options(self) -> LoadOptions:
        return LoadOptions(
            device=self.device,
            n_ctx=self.context_length,
            n_threads=self.cpu_threads or None,
            n_gpu_layers=self.gpu_layers,
            # A hand-edited value the engine does not know falls back to the default.
            precision=self.openvino_precision if self.openvino_precision in PRECISIONS else "auto",
            cache_dir=str(cache_dir() / "openvino"),
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


def _upgrade(raw: dict[str, Any]) -> dict[str, Any]:
    version = int(raw.get("version", 1))
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
    except (OSError, ValueError):
        return Settings()
    if not isinstance(raw, dict):
        return Settings()
    raw = _upgrade(raw)
    defaults = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name in raw and _same_kind(raw[f.name], getattr(defaults, f.name)):
            values[f.name] = raw[f.name]
    return replace(defaults, **values)


def _same_kind(value: Any, default: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return type(value) is type(default)


def save_settings(settings: Settings, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(asdict(settings), indent=2))
