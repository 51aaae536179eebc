"""Plain value types shared by the engine, the CLI and the GUI."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Final, Literal

from engine.model_info import ModelInfo

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "stopped", "error"]
SEED_RANGE = 2**32


@dataclass(frozen=True)
class Message:
    role: Role
    content: str
    reasoning: str = ""


@dataclass(frozen=True)
class ReasoningPrefill:
    """Reasoning an answer starts from, already written: that of an answer that stopped while
    thinking, so the model goes on from where it stopped instead of starting over. `close`:
    the think block ends after it and the model answers from it (the model had ended its turn
    inside the block: more thinking would not come); otherwise it goes on thinking (it had run
    out of tokens mid-thought)."""

    text: str
    close: bool


@dataclass(frozen=True)
class GenerationParams:
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    repetition_penalty: float = 1.0
    max_new_tokens: int = 1024
    seed: int | None = None
    enable_thinking: bool | None = None
    thinking_budget: int | None = None
    stop: tuple[str, ...] = ()
    # Local models only (a server renders its own prompt and ignores it): see ReasoningPrefill.
    prefill: ReasoningPrefill | None = None

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0

    @property
    def engine_seed(self) -> int:
        """The seed as both engines take it: an unsigned 32-bit number (OpenVINO refused a
        negative one or one of 2**64 with a TypeError). Any whole number a person types maps
        into that range; no seed gives a fresh random one, as the Settings page promises."""
        if self.seed is None:
            return random.randrange(SEED_RANGE)
        return self.seed % SEED_RANGE


class BackendName(StrEnum):
    """The backends, by the names settings.json, catalog.json and load_memory.json store."""

    LLAMA = "llama"
    OPENVINO = "openvino"
    # A model served by another program (vLLM, SGLang, llama-server, Ollama) over the OpenAI
    # API: chosen by picking a server's model, never by the planner.
    REMOTE = "remote"


# The backends that run a model file on this PC: what "auto" chooses among.
LOCAL_BACKENDS: Final = (BackendName.LLAMA, BackendName.OPENVINO)

# A request that leaves the backend to the planner (engine.loading); stored as "auto" too.
AUTO: Final = "auto"
BackendChoice = BackendName | Literal["auto"]


# What a person may type or pick for a model file: "auto" first, then each local backend.
BACKEND_CHOICES: tuple[str, ...] = (AUTO, *LOCAL_BACKENDS)


class ServerKind(StrEnum):
    """What serves a remote model; it decides how the thinking switch is sent."""

    VLLM = "vllm"
    SGLANG = "sglang"
    LLAMA_SERVER = "llama-server"
    OLLAMA = "ollama"
    OTHER = "other"


@dataclass(frozen=True)
class RemoteModel:
    """One model on an OpenAI-compatible server, as a load request names it. The API key is
    read from the keyring just before the load and never stored with the settings."""

    base_url: str
    model: str
    kind: ServerKind = ServerKind.OTHER
    api_key: str | None = field(default=None, repr=False)
    server_name: str = ""
    connect_timeout_s: float = 10.0
    # Thinking models can be silent for minutes before the first token.
    read_timeout_s: float = 600.0
    # Append /think or /no_think to the last question, for servers that ignore
    # chat_template_kwargs.
    thinking_suffix: bool = False


def backend_choice(text: str) -> BackendChoice:
    """A stored or typed backend name; anything unknown (a hand edit) means "auto"."""
    try:
        name = BackendName(text)
    except ValueError:
        return AUTO
    return name if name in LOCAL_BACKENDS else AUTO


@dataclass(frozen=True)
class LoadRequest:
    """Everything one model load asks for, built once (from the settings, or the CLI's
    arguments). The planner varies device, n_ctx and n_gpu_layers with `dataclasses.replace`
    and settles the backend; a backend's `load` reads the rest as it is."""

    model: Path
    backend: BackendChoice = AUTO
    device: str = "CPU"
    n_ctx: int = 4096
    n_threads: int | None = None
    n_gpu_layers: int = 0
    flash_attn: bool | None = None
    # OpenVINO's arithmetic: "auto", "f32" or "bf16" (engine.precision).
    precision: str = "auto"
    # llama.cpp's KV cache: "auto", "f16" or "q8_0" (engine.kv_cache.kv_cache_type).
    kv_cache: str = "auto"
    # Where backends may keep derived files (OpenVINO IR exported from a GGUF).
    cache_dir: str | None = None
    # OpenVINO's sparse prefill: "auto", "always" or "never" (engine.sparse_prefill).
    sparse_prefill: str = "auto"
    # Set for the remote backend: the server and model (then `model` is only a label).
    remote: RemoteModel | None = None


@dataclass(frozen=True)
class GenerationStats:
    backend: str
    device: str
    prompt_tokens: int = 0
    cached_tokens: int = 0
    generated_tokens: int = 0
    time_to_first_token_s: float = 0.0
    decode_tokens_per_s: float = 0.0
    total_s: float = 0.0
    finish_reason: FinishReason = "stop"
    # Part of the prompt's attention was left out (OpenVINO's sparse prefill).
    sparse_prefill: bool = False

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class GenerationResult:
    text: str
    reasoning: str
    stats: GenerationStats
    raw_text: str = field(default="", repr=False)
    # The output ended inside a think block that never closed, with no answer after it (a
    # thinking model that ran out of tokens, or was stopped, mid-thought).
    reasoning_unfinished: bool = False


@dataclass(frozen=True)
class LoadedModel:
    """The model in use, as the GUI shows it: what `Engine.load` returns."""

    info: ModelInfo
    backend: str
    device: str
    context_length: int
    supports_thinking: bool
    warnings: tuple[str, ...] = field(default=())
    # The arithmetic OpenVINO compiled ("f32", "bf16", "f16, KV u8"); for llama.cpp its KV
    # cache where it is not f16 ("KV q8_0"), else "".
    precision: str = ""
    # Prompts longer than this are read with sparse prefill (engine.sparse_prefill); 0 when
    # attention is always dense.
    sparse_threshold: int = 0
