"""`python main.py bench`: both backends on one model, measured in one run, as ratios."""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from app.core import paths
from app.core.model_store import ModelStore
from app.core.settings import load_settings
from engine.backends.registry import backends_for, choose_backend
from engine.errors import EngineError
from engine.model_info import inspect_model
from engine.reasoning import TextPiece
from engine.session import Engine
from engine.types import GenerationParams, LoadOptions, Message
from resources import bundled_models_dir

SYSTEM = Message("system", "You are a helpful AI assistant.")
LONG_PROMPT = "Summarize: " + " ".join(
    f"Item {i} was checked and found in order." for i in range(120)
)


@dataclass(frozen=True)
class BackendRun:
    backend: str
    load_s: float
    rss_mb: float
    prefill_tokens: int
    ttft_cold_s: float
    ttft_cached_s: float
    decode_tokens_per_s: float
    stop_latency_ms: float


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--model", help="model to measure (default: the default model)")
    parser.add_argument("--backends", default="llama,openvino")
    parser.add_argument("--tokens", type=int, default=128, help="tokens to decode")
    parser.add_argument(
        "--openvino-model",
        help="run OpenVINO on this model instead (e.g. the GGUF's converted folder)",
    )
    parser.add_argument("--json", action="store_true")


def _rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 1e6


def _stop_latency_ms(engine: Engine) -> float:
    marks: list[float] = []

    def on_piece(piece: TextPiece) -> None:
        if not marks:
            marks.append(time.perf_counter())
            threading.Thread(target=engine.stop).start()

    params = GenerationParams(temperature=0.0, max_new_tokens=512)
    engine.generate([SYSTEM, Message("user", "Tell me a long story.")], params, on_piece)
    return (time.perf_counter() - marks[0]) * 1000 if marks else 0.0


def measure(model: Path, backend: str, tokens: int, options: LoadOptions) -> BackendRun:
    engine = Engine()
    before = _rss_mb()
    start = time.perf_counter()
    engine.load(model, backend, options)
    load_s = time.perf_counter() - start
    rss = _rss_mb() - before
    try:
        short = GenerationParams(temperature=0.0, max_new_tokens=2)
        engine.generate([SYSTEM, Message("user", "Warm up.")], short)
        cold = engine.generate([SYSTEM, Message("user", LONG_PROMPT)], short)
        history = [SYSTEM, Message("user", LONG_PROMPT), Message("assistant", cold.text)]
        cached = engine.generate([*history, Message("user", "Thanks.")], short)
        decode = engine.generate(
            [SYSTEM, Message("user", "Write a long essay about rivers.")],
            GenerationParams(temperature=0.0, max_new_tokens=tokens),
        )
        return BackendRun(
            backend=backend,
            load_s=load_s,
            rss_mb=rss,
            prefill_tokens=cold.stats.prompt_tokens,
            ttft_cold_s=cold.stats.time_to_first_token_s,
            ttft_cached_s=cached.stats.time_to_first_token_s,
            decode_tokens_per_s=decode.stats.decode_tokens_per_s,
            stop_latency_ms=_stop_latency_ms(engine),
        )
    finally:
        engine.unload()


def _print_table(model: Path, runs: list[BackendRun], openvino_model: str | None) -> None:
    print(f"model: {model.name}" + (f" (OpenVINO: {openvino_model})" if openvino_model else ""))
    print(
        f"{'backend':10} {'load s':>7} {'RSS MB':>7} {'prefill':>8} {'TTFT cold':>10} "
        f"{'TTFT cached':>12} {'decode tok/s':>13} {'stop ms':>8}"
    )
    for r in runs:
        print(
            f"{r.backend:10} {r.load_s:7.2f} {r.rss_mb:7.0f} {r.prefill_tokens:8d} "
            f"{r.ttft_cold_s:10.3f} {r.ttft_cached_s:12.3f} {r.decode_tokens_per_s:13.1f} "
            f"{r.stop_latency_ms:8.1f}"
        )
    for r in runs:
        reuse = r.ttft_cold_s / r.ttft_cached_s if r.ttft_cached_s else 0.0
        print(f"{r.backend}: second-turn speed-up from cache reuse {reuse:.1f}x")
    if len(runs) == 2 and runs[1].decode_tokens_per_s:
        ratio = runs[0].decode_tokens_per_s / runs[1].decode_tokens_per_s
        print(f"decode ratio {runs[0].backend}/{runs[1].backend}: {ratio:.2f}x")


def main(args: argparse.Namespace) -> int:
    settings = load_settings(paths.settings_path())
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    try:
        model = store.resolve(args.model) if args.model else store.default_path(settings.model)
        info = inspect_model(model)
        wanted = [b.strip() for b in args.backends.split(",") if b.strip()]
        runnable = [b for b in wanted if b in backends_for(info) or b == "openvino"]
        runs = []
        for backend in runnable:
            chosen, chosen_info = model, info
            if backend == "openvino" and args.openvino_model:
                chosen = store.resolve(args.openvino_model)
                chosen_info = inspect_model(chosen)
            choose_backend(chosen_info, backend)
            runs.append(measure(chosen, backend, args.tokens, settings.load_options()))
    except EngineError as exc:
        print(f"error: {exc}")
        return 1
    if args.json:
        print(json.dumps([asdict(r) for r in runs], indent=2))
    else:
        _print_table(model, runs, args.openvino_model)
    return 0
