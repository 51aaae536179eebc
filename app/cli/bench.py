"""`python main.py bench`: measurements made in one run, printed as ratios.

Suites: `engine` (app/bench_engine.py, routed by app/bench.py as it needs Qt: the app's path
against the raw library, OpenVINO against llama.cpp), `backends` (here: both backends on one
model: load, prefill, cache reuse, decode, stop latency, each OpenVINO precision and what it
costs), `speculative` (app/cli/bench_speculative.py), `longctx` (app/cli/bench_longctx.py)."""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import psutil

from app.core import paths
from app.core.models.store import ModelStore
from app.core.settings import load_settings
from engine.backends.registry import require
from engine.errors import EngineError
from engine.loading import backends_for
from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model
from engine.precision import cpu_has_bf16, plan_for, type_name
from engine.reasoning import TextPiece
from engine.session import Engine
from engine.types import BackendName, GenerationParams, LoadRequest, Message
from resources import bundled_models_dir

SYSTEM = Message("system", "You are a helpful AI assistant.")
LONG_PROMPT = "Summarize: " + " ".join(
    f"Item {i} was checked and found in order." for i in range(120)
)


@dataclass(frozen=True)
class BackendRun:
    backend: str
    precision: str  # what OpenVINO compiled, read back ("f32", "bf16"); "" for llama.cpp
    load_s: float
    rss_mb: float
    prefill_tokens: int
    ttft_cold_s: float
    ttft_cached_s: float
    decode_tokens_per_s: float
    stop_latency_ms: float


SUITES = ("engine", "backends", "speculative", "longctx")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "suite",
        nargs="?",
        choices=SUITES,
        default="engine",
        help="engine: the app's streaming path vs the raw library on each backend, and OpenVINO "
        "vs llama.cpp decode; backends: both backends on one model (load, prefill, decode, "
        "stop, each OpenVINO precision); speculative: prompt-lookup decoding vs plain on "
        "a chat and a document prompt; longctx: dense vs sparse prefill on long prompts and "
        "a needle-in-a-haystack check",
    )
    parser.add_argument("-m", "--model", help="model to measure (default: the default model)")
    parser.add_argument("--backends", default="llama,openvino")
    parser.add_argument(
        "--tokens",
        help="engine, backends: tokens to decode (128); longctx: prompt lengths, comma-separated "
        "(4096,8192,16384,32768)",
    )
    parser.add_argument(
        "--no-needle", action="store_true", help="longctx: leave out the needle check"
    )
    parser.add_argument(
        "--needle-context",
        type=int,
        help="longctx: the needle check's context (default: the model's trained context)",
    )
    parser.add_argument(
        "--openvino-model",
        help="run OpenVINO on this model instead (e.g. the GGUF's converted folder)",
    )
    parser.add_argument(
        "--precisions",
        help="backends: OpenVINO precisions to measure, each in this run, bf16 only where the "
        "CPU has it (f32,bf16); engine: the first one (default: the settings')",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=7,
        help="engine, speculative: interleaved rounds per backend (7)",
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


def measure(request: LoadRequest, tokens: int) -> BackendRun:
    """One backend's numbers; `request` names the model and the backend."""
    engine = Engine()
    before = _rss_mb()
    start = time.perf_counter()
    engine.load(request)
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
            backend=str(request.backend),
            precision=engine.loaded.precision if engine.loaded else "",
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


@dataclass(frozen=True)
class PrecisionCost:
    """What a precision costs against exact f32 on the same OpenVINO model: teacher-forced
    top-1 agreement over the verification prompts."""

    precision: str
    positions: int
    top1_agreement: float
    max_abs_logit_diff: float


@dataclass(frozen=True)
class BenchReport:
    model: str
    runs: list[BackendRun]
    costs: list[PrecisionCost]
    notes: list[str]  # precisions left out and why; the CPU plugin's own default


def _openvino_precisions(wanted: list[str], device: str) -> tuple[list[str], list[str]]:
    """(the precisions to measure, notes). bf16 is left out where the CPU has none: the plugin
    would quietly compute in f32 and the run would measure f32 twice."""
    from engine.backends.openvino import import_openvino_genai

    import_openvino_genai()  # blocks the telemetry before openvino loads
    import openvino

    core = openvino.Core()
    default = type_name(core.get_property("CPU", "INFERENCE_PRECISION_HINT"))
    notes = [f"OpenVINO CPU plugin's own default here: {default} (the app always sets its own)"]
    if device.upper().startswith("CPU") and "bf16" in wanted and not cpu_has_bf16(core):
        capabilities = ", ".join(core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"))
        notes.append(f"bf16 not measured: this CPU has no bf16 arithmetic ({capabilities})")
        wanted = [p for p in wanted if p != "bf16"]
    return wanted, notes


def _ir_folder(info: ModelInfo, request: LoadRequest) -> Path:
    from engine.backends.openvino import ir_folder

    return ir_folder(info, request.cache_dir)  # cached by the load that was just measured


def _cost(folder: Path, precision: str, device: str) -> PrecisionCost:
    from engine.convert.verify import precision_agreement

    agreement = precision_agreement(folder, plan_for(device, precision))
    return PrecisionCost(
        precision, agreement.positions, agreement.top1_agreement, agreement.max_abs_logit_diff
    )


def _label(run: BackendRun) -> str:
    return f"{run.backend} {run.precision}" if run.precision else run.backend


def _print_report(report: BenchReport, openvino_model: str | None) -> None:
    runs = report.runs
    print(f"model: {report.model}" + (f" (OpenVINO: {openvino_model})" if openvino_model else ""))
    print(
        f"{'backend':10} {'precision':>10} {'load s':>7} {'RSS MB':>7} {'prefill':>8} "
        f"{'TTFT cold':>10} {'TTFT cached':>12} {'decode tok/s':>13} {'stop ms':>8}"
    )
    for r in runs:
        print(
            f"{r.backend:10} {r.precision or '-':>10} {r.load_s:7.2f} {r.rss_mb:7.0f} "
            f"{r.prefill_tokens:8d} {r.ttft_cold_s:10.3f} {r.ttft_cached_s:12.3f} "
            f"{r.decode_tokens_per_s:13.1f} {r.stop_latency_ms:8.1f}"
        )
    for r in runs:
        reuse = r.ttft_cold_s / r.ttft_cached_s if r.ttft_cached_s else 0.0
        print(f"{_label(r)}: second-turn speed-up from cache reuse {reuse:.1f}x")
    for a, b in zip(runs, runs[1:], strict=False):
        if a.decode_tokens_per_s and b.decode_tokens_per_s and a.ttft_cold_s and b.ttft_cold_s:
            decode = a.decode_tokens_per_s / b.decode_tokens_per_s
            prefill = b.ttft_cold_s / a.ttft_cold_s
            print(f"{_label(a)} vs {_label(b)}: decode {decode:.2f}x, prefill {prefill:.2f}x")
    for c in report.costs:
        print(
            f"openvino {c.precision} vs f32: top-1 agreement {c.top1_agreement:.1%} over "
            f"{c.positions} teacher-forced positions (max |dlogit| {c.max_abs_logit_diff:.3f})"
        )
    for note in report.notes:
        print(note)


def _measure_all(args: argparse.Namespace, asked: LoadRequest) -> BenchReport:
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    model = asked.model
    info = inspect_model(model)
    wanted = [b.strip() for b in args.backends.split(",") if b.strip()]
    runs: list[BackendRun] = []
    costs: list[PrecisionCost] = []
    notes: list[str] = []
    openvino = BackendName.OPENVINO
    for name in [b for b in wanted if b in backends_for(info) or b == openvino]:
        backend = require(name)
        request = replace(asked, backend=backend)
        chosen_info = info
        if backend == openvino and args.openvino_model:
            request = replace(request, model=store.resolve(args.openvino_model))
            chosen_info = inspect_model(request.model)
        if backend != openvino:
            runs.append(measure(request, args.tokens))
            continue
        asked_precisions = args.precisions or "f32,bf16"
        precisions, notes = _openvino_precisions(
            [p.strip() for p in asked_precisions.split(",") if p.strip()], request.device
        )
        for precision in precisions:
            runs.append(measure(replace(request, precision=precision), args.tokens))
            if precision != "f32" and request.device.upper().startswith("CPU"):
                costs.append(_cost(_ir_folder(chosen_info, request), precision, request.device))
    return BenchReport(model.name, runs, costs, notes)


def main(args: argparse.Namespace) -> int:
    if args.suite == "longctx":
        from app.cli import bench_longctx

        return bench_longctx.main(args)
    if args.suite == "speculative":
        from app.cli import bench_speculative

        return bench_speculative.main(args)
    args.tokens = int(args.tokens or 128)
    settings = load_settings(paths.settings_path())
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    try:
        model = store.resolve(args.model) if args.model else store.default_path(settings.model)
        report = _measure_all(args, settings.load_request(model))
    except EngineError as exc:
        print(f"error: {exc}")
        return 1
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        _print_report(report, args.openvino_model)
    return 0
