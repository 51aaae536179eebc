"""One typed settings schema with a version and upgrade steps. Secrets never live here."""

from __future__ import annotations

import json
import math
import typing
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, TypeGuard

from app.core.files import write_text_atomically
from app.core.paths import cache_dir
from engine.kv_cache import AUTO_KV, KV_CACHE_CHOICES
from engine.precision import PRECISIONS
from engine.sparse_prefill import sparse_choice
from engine.types import (
    BackendName,
    GenerationParams,
    LoadRequest,
    RemoteModel,
    ServerKind,
    backend_choice,
)

SCHEMA_VERSION = 1
# The local API's default port: not LM Studio's 1234, Jan's 1337, GPT4All's 4891, nor the
# 8000 / 30000 of vLLM and SGLang, which a person may run on the same PC.
DEFAULT_API_PORT = 8321
# How a remote model is named in `Settings.model`: "remote://<server name>/<model id>".
REMOTE_PREFIX = "remote://"


@dataclass(frozen=True)
class ServerSettings:
    """One remote server a person added (Settings -> Servers). Its API key is in the system
    keyring under `server_key_name(name)`, never here."""

    name: str
    base_url: str
    kind: str = ServerKind.OTHER.value
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 600.0
    # Append /think or /no_think to the question, for servers that ignore the template kwargs.
    thinking_suffix: bool = False

    def remote_model(self, model: str, api_key: str | None) -> RemoteModel:
        return RemoteModel(
            base_url=self.base_url,
            model=model,
            kind=server_kind(self.kind),
            api_key=api_key,
            server_name=self.name,
            connect_timeout_s=self.connect_timeout_s,
            read_timeout_s=self.read_timeout_s,
            thinking_suffix=self.thinking_suffix,
        )


def server_kind(text: str) -> ServerKind:
    """A stored kind; anything unknown (a hand edit) is "other"."""
    try:
        return ServerKind(text)
    except ValueError:
        return ServerKind.OTHER


def remote_model_name(server: str, model: str) -> str:
    """`Settings.model` for `model` on the server named `server`."""
    return f"{REMOTE_PREFIX}{server}/{model}"


def parse_remote_model_name(name: str | None) -> tuple[str, str] | None:
    """(server name, model id) of a `remote_model_name`; None for a local model. The model id
    may hold slashes ("openbmb/MiniCPM4.1-8B"); a server name never does."""
    if not name or not name.startswith(REMOTE_PREFIX):
        return None
    server, _, model = name[len(REMOTE_PREFIX) :].partition("/")
    return (server, model) if server and model else None


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
    # Remote servers (engine/backends/remote.py); the offline switch keeps the app off them.
    servers: tuple[ServerSettings, ...] = ()
    # The app's own OpenAI-compatible API (app/core/api): off by default; 127.0.0.1 only unless
    # `api_lan`; its key (optional) is in the keyring; CORS only for `api_allowed_origin`.
    api_enabled: bool = False
    api_port: int = DEFAULT_API_PORT
    api_lan: bool = False
    api_allowed_origin: str = ""

    def server(self, name: str) -> ServerSettings | None:
        return next((s for s in self.servers if s.name == name), None)

    def remote_load_request(
        self, server: ServerSettings, model: str, api_key: str | None
    ) -> LoadRequest:
        """What loading `model` from `server` asks the engine for; the key is the keyring's."""
        return LoadRequest(
            model=Path(remote_model_name(server.name, model)),
            backend=BackendName.REMOTE,
            n_ctx=self.context_length,
            remote=server.remote_model(model, api_key),
        )

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
    "api_port": (1, 65535),
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
    values: dict[str, Any] = {"servers": _servers(raw.get("servers"))}
    for f in fields(Settings):
        if f.name == "servers":
            continue
        if f.name in raw and _usable(f.name, raw[f.name]):
            values[f.name] = float(raw[f.name]) if _TYPES[f.name] is float else raw[f.name]
    return replace(Settings(), **values)


def _servers(raw: Any) -> tuple[ServerSettings, ...]:
    """The servers a settings file lists; an entry that is not a usable server (a hand edit)
    is left out, and of two with one name the first wins."""
    if not isinstance(raw, list):
        return ()
    servers: list[ServerSettings] = []
    for entry in raw:
        server = _server(entry)
        if server is not None and all(s.name != server.name for s in servers):
            servers.append(server)
    return tuple(servers)


def _server(entry: Any) -> ServerSettings | None:
    if not isinstance(entry, dict):
        return None
    name, url = entry.get("name"), entry.get("base_url")
    if not (isinstance(name, str) and isinstance(url, str) and name.strip() and url.strip()):
        return None
    if "/" in name:
        return None
    values: dict[str, Any] = {"name": name.strip(), "base_url": url.strip()}
    kind = entry.get("kind")
    if isinstance(kind, str):
        values["kind"] = server_kind(kind).value
    for key in ("connect_timeout_s", "read_timeout_s"):
        value = entry.get(key)
        if _seconds(value):
            values[key] = float(value)
    if isinstance(entry.get("thinking_suffix"), bool):
        values["thinking_suffix"] = entry["thinking_suffix"]
    return ServerSettings(**values)


def _seconds(value: Any) -> TypeGuard[float]:
    """A timeout a settings file may hold: a number of seconds, more than none, at most a day."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return math.isfinite(value) and 0 < value <= 86_400


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
