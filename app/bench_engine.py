"""`python main.py bench engine`: the app's streaming path against the raw library, per backend.

For each backend the model is loaded once, by the app's own `EngineClient` (the engine thread,
engine, backend). Each round then decodes the same kind of prompt twice on that very model:
- raw: the library object itself (`llama_cpp.Llama.generate`, OpenVINO GenAI's
  `LLMPipeline.generate`) on the token ids the app's template produced, greedy, nothing else;
- app: `EngineClient.generate` from this (the "GUI") thread: template rendering, tokenizing,
  the backend's callbacks, stop strings, the reasoning split, text coalescing and the signals
  back across threads, timed where the window would receive them.
Raw and app alternate which goes first, so the app / raw ratio holds on a busy machine; the
backends are measured one after the other, each alone in memory as in the app. Each run has
its own user message of the same length, so neither path finds the other's prompt in the
prefix cache.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from app.core import paths
from app.core.models.store import ModelStore
from app.core.settings import load_settings
from engine.errors import EngineError
from engine.loading import backends_for
from engine.model_inspection import inspect_model
from engine.session import Engine
from engine.types import BackendName, GenerationParams, LoadRequest, Message
from resources import bundled_models_dir

SYSTEM = Message("system", "You are a helpful AI assistant.")
DEFAULT_TOKENS = 128
LOAD_TIMEOUT_S = 1800.0
ANSWER_TIMEOUT_S = 1800.0


def user_message(run: int) -> Message:
    """The run's own question: the number keeps each prompt out of the other runs' prefix
    cache, and its two digits keep every prompt the same length."""
    return Message("user", f"Request {10 + run % 90}: write a long essay about rivers.")


@dataclass(frozen=True)
class Timing:
    """One decode: time to the first token (ms) and the rate after it (tokens/s)."""

    ttft_ms: float
    tok_s: float
    tokens: int


@dataclass(frozen=True)
class EngineResult:
    backend: str
    raw_tok_s: float
    app_tok_s: float
    ratio: float  # app / raw decode: the median of each round's ratio
    raw_ttft_ms: float
    app_ttft_ms: float
    model: str
    precision: str
    tokens: int  # generated per run (the median run)
    rounds: int
    raw_runs: list[float] = field(default_factory=list)  # each round's decode tok/s
    app_runs: list[float] = field(default_factory=list)


# -- raw library calls ------------------------------------------------------------------------


def raw_llama(llm: Any, ids: Sequence[int], params: GenerationParams, tokens: int) -> Timing:
    """llama-cpp-python's own loop: the same sampler settings the app's backend passes."""
    import llama_cpp

    from engine.backends.llama_cpp import sampling_arguments

    vocab = llm._model.vocab
    start = time.perf_counter()
    first = 0.0
    generated = 0
    stream = llm.generate(list(ids), **sampling_arguments(params))
    try:
        for token in stream:
            if generated == 0:
                first = time.perf_counter()
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                break
            generated += 1
            if generated >= tokens:
                break
    finally:
        stream.close()
    end = time.perf_counter()
    return _timing(start, first or end, end, generated)


def raw_openvino(pipe: Any, native: Any, params: GenerationParams, tokens: int) -> Timing:
    """OpenVINO GenAI on the app's encoded prompt, greedy, no stop strings, timed as llama.cpp's
    loop is: from the call to the first token, and from there to the return of `generate`. A
    streamer that only notes the time sees the tokens (its cost was below the noise, measured);
    GenAI's own metrics leave out the time around its token loop that a caller waits for."""
    import openvino_genai

    config = openvino_genai.GenerationConfig()
    config.apply_chat_template = False
    config.max_new_tokens = tokens
    config.do_sample = False
    config.repetition_penalty = params.repetition_penalty
    config.stop_token_ids = pipe.get_generation_config().stop_token_ids
    first: list[float] = []

    class FirstToken(openvino_genai.StreamerBase):  # type: ignore[misc]
        def write(self, _token: object) -> Any:
            if not first:
                first.append(time.perf_counter())
            return openvino_genai.StreamingStatus.RUNNING

        def end(self) -> None:
            pass

    start = time.perf_counter()
    result = pipe.generate(native, config, FirstToken())
    end = time.perf_counter()
    generated = len(result.tokens[0])
    if generated and result.tokens[0][-1] in config.stop_token_ids:
        generated -= 1  # the end token is not text (as the app counts)
    return _timing(start, first[0] if first else end, end, generated)


def _timing(start: float, first: float, end: float, generated: int) -> Timing:
    decode = end - first
    rate = (generated - 1) / decode if generated > 1 and decode > 0 else 0.0
    return Timing((first - start) * 1000.0, rate, generated)


# -- the app's path -----------------------------------------------------------------------------


class AppPath:
    """One backend's model loaded by the app's EngineClient (on its engine thread); `engine` is
    that worker's engine, read here only between generations."""

    def __init__(self, request: LoadRequest) -> None:
        from app.engine_bridge.client import EngineClient

        self.engine = Engine()
        self.client = EngineClient(engine=self.engine)
        self.request = request
        self.loaded: Any = None

    def load(self) -> None:
        done: list[Any] = []
        self.client.model_loaded.connect(lambda _id, loaded: done.append(loaded))
        self.client.load_failed.connect(lambda _id, problem: done.append(problem))
        self.client.load(self.request)
        _wait(lambda: bool(done), LOAD_TIMEOUT_S)
        if not done or getattr(done[0], "info", None) is None:
            detail = getattr(done[0], "detail", "timed out") if done else "timed out"
            raise EngineError(f"Could not load {self.request.model.name}: {detail}")
        self.loaded = done[0]

    def generate(self, messages: Sequence[Message], params: GenerationParams) -> Timing:
        """Sent from this thread; the clock stops where the window would see the text."""
        first: list[float] = []
        finished: list[Any] = []

        def on_text(_id: int, _channel: str, text: str) -> None:
            if text and not first:
                first.append(time.perf_counter())

        def on_finished(_id: int, result: Any) -> None:
            finished.append((time.perf_counter(), result))

        def on_failed(_id: int, problem: Any) -> None:
            finished.append((time.perf_counter(), problem))

        connections: list[tuple[Any, Callable[..., None]]] = [
            (self.client.text_generated, on_text),
            (self.client.generation_finished, on_finished),
            (self.client.generation_failed, on_failed),
        ]
        for signal, slot in connections:
            signal.connect(slot)
        start = time.perf_counter()
        self.client.generate(messages, params)
        _wait(lambda: bool(finished), ANSWER_TIMEOUT_S)
        for signal, slot in connections:
            signal.disconnect(slot)
        if not finished or not hasattr(finished[0][1], "stats"):
            raise EngineError(f"The app's path failed: {finished[0][1] if finished else 'timeout'}")
        end, result = finished[0]
        return _timing(start, first[0] if first else end, end, result.stats.generated_tokens)

    def close(self) -> None:
        self.client.shutdown()


def _wait(done: Callable[[], bool], timeout_s: float) -> None:
    """Runs this thread's event loop as the window's would: asleep until an event comes (a
    polling loop would take a core from the decode it measures)."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    wake = QTimer()
    wake.start(1000)  # to look at the deadline now and then
    while not done() and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    wake.stop()


# -- one run ------------------------------------------------------------------------------------


class BackendBench:
    """A loaded backend and the timings gathered so far."""

    def __init__(self, path: AppPath, params: GenerationParams) -> None:
        self.path = path
        self.params = params
        self.raw: list[Timing] = []
        self.app: list[Timing] = []

    @property
    def backend(self) -> str:
        return str(self.path.loaded.backend)

    def raw_run(self, messages: Sequence[Message]) -> Timing:
        engine = self.path.engine
        prompt = engine.tokenized_prompt(messages, self.params)
        native = engine.native
        if self.backend == BackendName.OPENVINO:
            return raw_openvino(native, prompt.native, self.params, self.params.max_new_tokens)
        return raw_llama(native, prompt.ids, self.params, self.params.max_new_tokens)

    def round(self, number: int) -> None:
        """One raw and one app decode; odd rounds put the app first."""
        raw_first = number % 2 == 0
        for is_raw in (raw_first, not raw_first):
            messages = [SYSTEM, user_message(2 * number + int(is_raw))]
            if is_raw:
                self.raw.append(self.raw_run(messages))
            else:
                self.app.append(self.path.generate(messages, self.params))

    def result(self) -> EngineResult:
        raw = _median_run(self.raw)
        app = _median_run(self.app)
        loaded = self.path.loaded
        return EngineResult(
            backend=self.backend,
            raw_tok_s=round(raw.tok_s, 2),
            app_tok_s=round(app.tok_s, 2),
            ratio=round(paired_ratio(self.raw, self.app), 3),
            raw_ttft_ms=round(raw.ttft_ms, 1),
            app_ttft_ms=round(statistics.median(t.ttft_ms for t in self.app), 1),
            model=Path(loaded.info.path).name,
            precision=str(loaded.precision),
            tokens=app.tokens,
            rounds=len(self.app),
            raw_runs=[round(t.tok_s, 2) for t in self.raw],
            app_runs=[round(t.tok_s, 2) for t in self.app],
        )


def paired_ratio(raw: Sequence[Timing], app: Sequence[Timing]) -> float:
    """The median over rounds of app / raw decode: each round's two runs are back to back, so
    their ratio holds while the machine's speed drifts from round to round (on a shared host
    one round's runs were 72 tok/s, another's 58)."""
    ratios = [a.tok_s / r.tok_s for r, a in zip(raw, app, strict=False) if r.tok_s > 0]
    return statistics.median(ratios) if ratios else 0.0


def _median_run(timings: list[Timing]) -> Timing:
    """Median decode rate; the time to first token is the median of its own."""
    ordered = sorted(timings, key=lambda t: t.tok_s)
    middle = ordered[len(ordered) // 2]
    return replace(middle, ttft_ms=statistics.median(t.ttft_ms for t in timings))


def measure(
    requests: Sequence[LoadRequest], params: GenerationParams, rounds: int
) -> tuple[list[EngineResult], float | None]:
    """Each request in turn: loaded, warmed up, `rounds` rounds of raw and app, unloaded (the
    app holds one model at a time; two would share the cores' caches and threads). The results
    and OpenVINO's app decode rate over llama.cpp's (None unless both ran)."""
    from PySide6.QtCore import QCoreApplication

    _app = QCoreApplication.instance() or QCoreApplication([])
    results = []
    for request in requests:
        bench = BackendBench(AppPath(request), params)
        try:
            bench.path.load()
            bench.raw_run([SYSTEM, user_message(99)])  # first-use costs are not decode speed
            for number in range(rounds):
                bench.round(number)
            results.append(bench.result())
        finally:
            bench.path.close()
    return results, openvino_vs_llama(results)


def openvino_vs_llama(results: Sequence[EngineResult]) -> float | None:
    rates = {r.backend: r.app_tok_s for r in results}
    llama, openvino = rates.get(BackendName.LLAMA), rates.get(BackendName.OPENVINO)
    if not llama or openvino is None:
        return None
    return round(openvino / llama, 3)


# -- command ------------------------------------------------------------------------------------


def requests_for(args: argparse.Namespace) -> list[LoadRequest]:
    """One load request per backend asked for, from the person's settings."""
    settings = load_settings(paths.settings_path())
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    model = store.resolve(args.model) if args.model else store.default_path(settings.model)
    info = inspect_model(model)
    requests = []
    for name in [b.strip() for b in args.backends.split(",") if b.strip()]:
        chosen = model
        if name == BackendName.OPENVINO and args.openvino_model:
            chosen = store.resolve(args.openvino_model)
        elif name not in backends_for(info):
            continue
        request = replace(settings.load_request(chosen), backend=name)
        if name == BackendName.OPENVINO and args.precisions:
            request = replace(request, precision=args.precisions.split(",")[0].strip())
        requests.append(request)
    return requests


def print_results(results: Sequence[EngineResult], ratio: float | None) -> None:
    print(
        f"{'backend':9} {'raw tok/s':>10} {'app tok/s':>10} {'app/raw':>8} "
        f"{'raw TTFT ms':>12} {'app TTFT ms':>12} {'tokens':>7}  model"
    )
    for r in results:
        print(
            f"{r.backend:9} {r.raw_tok_s:10.1f} {r.app_tok_s:10.1f} {r.ratio:8.3f} "
            f"{r.raw_ttft_ms:12.1f} {r.app_ttft_ms:12.1f} {r.tokens:7d}  {r.model}"
            + (f" ({r.precision})" if r.precision else "")
        )
    if ratio is not None:
        print(f"OpenVINO vs llama.cpp decode (app path): {ratio:.2f}x")


def main(args: argparse.Namespace) -> int:
    from app.cli.bench_longctx import machine

    tokens = int(args.tokens or DEFAULT_TOKENS)
    params = GenerationParams(temperature=0.0, max_new_tokens=tokens)
    try:
        requests = requests_for(args)
        results, ratio = measure(requests, params, args.rounds)
    except EngineError as exc:
        print(f"error: {exc}")
        return 1
    if args.json:
        report = {
            "results": [asdict(r) for r in results],
            "openvino_vs_llama": ratio,
            "machine": machine(),
        }
        print(json.dumps(report, indent=2))
    else:
        print_results(results, ratio)
        print(json.dumps(machine()))
    return 0
