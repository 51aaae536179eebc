"""`python main.py bench longctx`: dense vs sparse prefill on long prompts, and a needle check.

Two parts, measured in one run so the ratios hold on a busy machine:
- Speed: a random-weight MiniCPM-shaped model (muP scales, grouped-query attention, a 64K
  trained context) built in the cache folder as an OpenVINO graph by the app's own converter
  code (engine.convert.graph), prompted with N random token ids, once with dense attention and
  once with the app's automatic sparse prefill (engine.sparse_prefill). It cannot answer, so
  its `needle_found` is null.
- Needle: the starter model (or `--needle-model`) on both backends through the app's own Engine:
  a password hidden in the middle of filler text that fills the model's trained context, then
  the question. OpenVINO runs dense and sparse; llama.cpp is always dense.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from app.core import paths
from app.core.models.store import ModelStore
from app.core.settings import load_settings
from engine.errors import EngineError
from engine.kv_cache import kv_bytes_per_token, kv_cache_bytes, openvino_cache_gib
from engine.model_info import ModelInfo
from engine.sparse_prefill import AUTO_PLAN, SparsePlan, apply_plan
from engine.types import BackendName, GenerationParams, LoadRequest, Message
from resources import bundled_models_dir

DEFAULT_TOKENS = (4096, 8192, 16384, 32768)
NEEDLE = "The secret password is PINEAPPLE."
ANSWER = "PINEAPPLE"
QUESTION = "What is the secret password? Answer with the password only."
FILLER = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again."
SYSTEM = Message("system", "You are a helpful AI assistant.")
# Room left in the context for the chat template's own tokens and the answer.
ANSWER_ROOM = 192


@dataclass(frozen=True)
class SpeedShape:
    """The speed model: MiniCPM's proportions (4 query heads per KV head, muP), small enough
    that 2 CPU cores prefill 32K tokens in under a minute."""

    n_layers: int = 2
    n_embd: int = 256
    n_heads: int = 4
    n_kv_heads: int = 1
    n_ff: int = 640
    n_vocab: int = 1024
    context_length: int = 65536

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_heads

    def info(self, folder: Path) -> ModelInfo:
        """As engine.kv_cache reads a model's shape, so the cache is sized as the app sizes it."""
        shape = {"n_layers": self.n_layers, "n_kv_heads": self.n_kv_heads}
        shape["head_dim"] = self.head_dim
        return ModelInfo(
            folder, "openvino", "speed", "minicpm", context_length=self.context_length, extra=shape
        )

    def folder_name(self) -> str:
        return "minicpm-speed-" + "-".join(str(v) for v in asdict(self).values())


@dataclass(frozen=True)
class LongContextRun:
    """One row of the results: `--json` prints these under "results"."""

    backend: str
    model: str
    tokens: int
    dense_ttft_s: float | None
    sparse_ttft_s: float | None
    speedup: float | None
    needle_found: bool | None  # with sparse prefill where it ran; null: the model cannot answer
    needle_found_dense: bool | None
    rss_mb: float
    kv_cache_mb: float | None


def _rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 1e6


# -- speed ------------------------------------------------------------------------------------


def speed_model(root: Path, shape: SpeedShape = SpeedShape()) -> Path:
    """The speed model's IR folder under `root`, built on first use (a few MB)."""
    folder = root / shape.folder_name()
    if (folder / "openvino_model.xml").is_file():
        return folder
    import openvino

    from engine.convert.graph import DecoderSpec, build_decoder, rope_inverse_frequencies
    from engine.convert.quants import Matrix

    rng = np.random.default_rng(0)
    std = 1.0 / math.sqrt(shape.n_embd)
    kv = shape.n_kv_heads * shape.head_dim
    sizes = {"attn_q": (shape.n_embd, shape.n_embd), "attn_k": (kv, shape.n_embd)}
    sizes |= {"attn_v": (kv, shape.n_embd), "attn_output": (shape.n_embd, shape.n_embd)}
    sizes |= {"ffn_gate": (shape.n_ff, shape.n_embd), "ffn_up": (shape.n_ff, shape.n_embd)}
    sizes |= {"ffn_down": (shape.n_embd, shape.n_ff)}

    def matrix(name: str) -> Matrix:
        if name in ("token_embd.weight", "output.weight"):
            rows, columns = shape.n_vocab, shape.n_embd
        else:
            rows, columns = sizes[name.split(".")[2]]
        values = rng.normal(0.0, std, (rows, columns)).astype(np.float16)
        return Matrix(rows, columns, values=values)

    def vector(name: str) -> np.ndarray:
        if name.endswith(".bias"):
            raise KeyError(name)
        return np.ones(shape.n_embd, dtype=np.float32)

    spec = DecoderSpec(
        n_layers=shape.n_layers,
        n_embd=shape.n_embd,
        n_heads=shape.n_heads,
        n_kv_heads=shape.n_kv_heads,
        head_dim=shape.head_dim,
        rms_eps=1e-5,
        inverse_frequencies=rope_inverse_frequencies(10000.0, shape.head_dim, None),
        embedding_scale=12.0,
        residual_scale=1.4 / math.sqrt(shape.n_layers),
        logit_scale=shape.n_embd / 256.0,
    )
    model = build_decoder(spec, matrix, vector, tied_embeddings=False)
    work = folder.with_name(folder.name + ".part")
    work.mkdir(parents=True, exist_ok=True)
    openvino.save_model(model, work / "openvino_model.xml", compress_to_fp16=False)
    # GenAI reads the end token from here; the random prompts never contain it.
    config = {"model_type": "minicpm", "bos_token_id": 1, "eos_token_id": 2}
    config["max_position_embeddings"] = shape.context_length
    (work / "config.json").write_text(json.dumps(config), encoding="utf-8")
    work.replace(folder)
    return folder


def _pipeline(folder: Path, plan: SparsePlan | None, cache_gib: int) -> Any:
    from engine.backends.openvino import import_openvino_genai
    from engine.precision import plan_for

    genai = import_openvino_genai()
    scheduler = genai.SchedulerConfig()
    scheduler.cache_size = cache_gib
    apply_plan(genai, scheduler, plan)
    # Exact f32 on every CPU, as the app computes (engine.precision).
    properties = plan_for("CPU", "f32").properties()
    return genai.LLMPipeline(str(folder), "CPU", scheduler_config=scheduler, **properties)


def speed_ttft(folder: Path, tokens: int, plan: SparsePlan | None) -> float:
    """Seconds to the first token of a `tokens`-long random prompt (no prefix cache)."""
    from engine.backends.openvino import import_openvino_genai

    genai = import_openvino_genai()
    import openvino

    shape = SpeedShape()
    pipe = _pipeline(folder, plan, openvino_cache_gib(shape.info(folder), tokens + 64))
    ids = np.random.default_rng(tokens).integers(3, shape.n_vocab, size=(1, tokens))
    ids = ids.astype(np.int64)
    inputs = genai.TokenizedInputs(openvino.Tensor(ids), openvino.Tensor(np.ones_like(ids)))
    config = genai.GenerationConfig()
    config.max_new_tokens = 1
    config.ignore_eos = True
    config.do_sample = False
    result = pipe.generate(inputs, config)
    return float(result.perf_metrics.get_ttft().mean) / 1000.0


def speed_run(folder: Path, tokens: int) -> LongContextRun:
    dense = speed_ttft(folder, tokens, None)
    sparse = speed_ttft(folder, tokens, AUTO_PLAN)
    return LongContextRun(
        backend=BackendName.OPENVINO.value,
        model="random MiniCPM-shaped " + SpeedShape().folder_name(),
        tokens=tokens,
        dense_ttft_s=dense,
        sparse_ttft_s=sparse,
        speedup=dense / sparse if sparse > 0 else None,
        needle_found=None,
        needle_found_dense=None,
        rss_mb=_rss_mb(),
        kv_cache_mb=(kv_cache_bytes(SpeedShape().info(folder), tokens) or 0) / 1e6,
    )


# -- needle -----------------------------------------------------------------------------------


def haystack(tokens: int, count: Callable[[str], int], depth: float = 0.5) -> str:
    """Filler text of about `tokens` tokens (as `count` counts them) with the needle at
    `depth` (0 = start, 1 = end), then the question."""
    per_sentence = max(1, count(" " + FILLER))
    sentences = [FILLER] * max(1, (tokens - count(NEEDLE + QUESTION) - 8) // per_sentence)
    sentences.insert(round(len(sentences) * depth), NEEDLE)
    return " ".join(sentences) + "\n\n" + QUESTION


def _needle_messages(engine: Any, tokens: int, params: GenerationParams) -> list[Message]:
    """The needle prompt, shrunk until the whole rendered chat holds `tokens` tokens."""
    target = tokens
    for _ in range(4):
        messages = [SYSTEM, Message("user", haystack(target, engine.count_tokens))]
        length = engine.prompt_tokens(messages, params)
        if length <= tokens:
            return messages
        target -= length - tokens + 16
    return messages


def needle_ttft(request: LoadRequest, tokens: int) -> tuple[float, bool, int]:
    """(seconds to first token, whether the answer holds the password, prompt tokens)."""
    from engine.session import Engine

    engine = Engine()
    engine.load(request)
    try:
        params = GenerationParams(temperature=0.0, max_new_tokens=16, seed=1)
        messages = _needle_messages(engine, tokens, params)
        result = engine.generate(messages, params)
        found = ANSWER.lower() in result.text.lower()
        return result.stats.time_to_first_token_s, found, result.stats.prompt_tokens
    finally:
        engine.unload()


def needle_runs(
    request: LoadRequest, backends: Sequence[str], context: int | None = None
) -> list[LongContextRun]:
    from engine.model_inspection import inspect_model

    info = inspect_model(request.model)
    trained = context or info.context_length or 8192
    tokens = trained - ANSWER_ROOM
    per_token = kv_bytes_per_token(info)
    runs = []
    for backend in backends:
        base = LoadRequest(
            model=request.model,
            backend=BackendName(backend),
            n_ctx=trained,
            precision="f32",
            cache_dir=request.cache_dir,
            sparse_prefill="never",
        )
        dense_s, dense_found, length = needle_ttft(base, tokens)
        sparse_s = sparse_found = None
        if backend == BackendName.OPENVINO:
            sparse_s, sparse_found, _ = needle_ttft(replace(base, sparse_prefill="auto"), tokens)
        runs.append(
            LongContextRun(
                backend=backend,
                model=request.model.name,
                tokens=length,
                dense_ttft_s=dense_s,
                sparse_ttft_s=sparse_s,
                speedup=dense_s / sparse_s if sparse_s else None,
                needle_found=sparse_found if sparse_found is not None else dense_found,
                needle_found_dense=dense_found,
                rss_mb=_rss_mb(),
                kv_cache_mb=per_token * length / 1e6 if per_token else None,
            )
        )
    return runs


# -- report -----------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    import llama_cpp
    import openvino
    import openvino_genai

    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": psutil.cpu_count(logical=True),
        "ram_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "openvino": openvino.__version__,
        "openvino_genai": openvino_genai.__version__,
        "llama_cpp_python": llama_cpp.__version__,
        "sparse_plan": asdict(AUTO_PLAN),
    }


def _format(value: float | None, pattern: str) -> str:
    """`value` in `pattern` ("8.2f"), or a dash as wide."""
    if value is None:
        return "-".rjust(int(pattern.split(".")[0]))
    return format(value, pattern)


def print_header() -> None:
    print(
        f"{'backend':9} {'tokens':>7} {'dense s':>8} {'sparse s':>9} {'speed-up':>9} "
        f"{'needle':>7} {'RSS MB':>7}  model",
        flush=True,
    )


def print_row(r: LongContextRun) -> None:
    needle = "-" if r.needle_found is None else ("yes" if r.needle_found else "no")
    print(
        f"{r.backend:9} {r.tokens:7d} {_format(r.dense_ttft_s, '8.2f')} "
        f"{_format(r.sparse_ttft_s, '9.2f')} {_format(r.speedup, '8.2f')}"
        f"{'x' if r.speedup is not None else ' '} "
        f"{needle:>7} {r.rss_mb:7.0f}  {r.model}",
        flush=True,
    )


def main(args: argparse.Namespace) -> int:
    lengths = [int(t) for t in str(args.tokens or "").split(",") if t.strip()]
    lengths = lengths or list(DEFAULT_TOKENS)
    settings = load_settings(paths.settings_path())
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    runs: list[LongContextRun] = []
    if not args.json:
        print_header()
    try:
        if BackendName.OPENVINO in backends:
            folder = speed_model(paths.cache_dir() / "bench")
            for tokens in lengths:
                runs.append(speed_run(folder, tokens))
                if not args.json:
                    print_row(runs[-1])
        if not args.no_needle:
            model = store.resolve(args.model) if args.model else store.default_path(None)
            for run in needle_runs(settings.load_request(model), backends, args.needle_context):
                runs.append(run)
                if not args.json:
                    print_row(run)
    except (EngineError, RuntimeError) as exc:
        print(f"error: {exc}")
        return 1
    if args.json:
        report = {"results": [asdict(r) for r in runs], "machine": machine()}
        print(json.dumps(report, indent=2))
    else:
        print(json.dumps(machine()))
    return 0
