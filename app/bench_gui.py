"""`python main.py bench-gui`: how long the event loop stalls while the real window works.

It builds the real main window (offscreen works) and measures the longest gap between ticks of
a 5 ms heartbeat timer, minus the interval, in these situations:

1. an answer of Markdown with code streaming at 200 tokens/s from the scripted backend into a
   chat of 50 earlier messages (Markdown with code),
2. the same answer streaming into a chat of 50,000 characters,
3. an answer with math ($...$, $$...$$) and fenced code streaming into the 50-message chat, and
4. the starter GGUF loading through the real llama.cpp backend on the worker thread.

Each scenario passes when its longest stall is under 50 ms and its 99th percentile under 20 ms
(the percentile only counts over 100 ticks or more).
It always exits 0: a benchmark, not a test (the numbers depend on the CPU and its load).
This lives in `app/`, not `app/cli/`, because it needs Qt and `app.cli` is kept Qt-free
(an import-linter contract); main.py's COMMANDS points here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, SignalInstance, Slot
from PySide6.QtWidgets import QApplication

from app.application import Services, build_main_window, build_services
from app.chat.math import warm_up as math_warm_up
from app.core import paths
from app.core.models.store import STARTER_NAME
from app.main_window import MainWindow
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.session import Engine
from engine.types import BackendName, LoadRequest
from resources import bundled_models_dir

HEARTBEAT_MS = 5
BUDGET_MS = 50.0
P99_BUDGET_MS = 20.0
MIN_TICKS_FOR_P99 = 100
LONG_CHAT_CHARS = 50_000
# The scripted backend counts words as tokens; room for the 50,000-character chat and the answer.
BENCH_CONTEXT = 131_072
STARTER = bundled_models_dir() / f"{STARTER_NAME}.gguf"


@dataclass(frozen=True)
class StallReport:
    scenario: str
    seconds: float
    ticks: int
    max_stall_ms: float
    p99_stall_ms: float

    @property
    def budget_ratio(self) -> float:
        return self.max_stall_ms / BUDGET_MS

    @property
    def within_budget(self) -> bool:
        # Of fewer than 100 ticks (a model load), the 99th percentile is the longest stall.
        p99_counts = self.ticks >= MIN_TICKS_FOR_P99
        return self.max_stall_ms < BUDGET_MS and (
            not p99_counts or self.p99_stall_ms < P99_BUDGET_MS
        )


class Heartbeat(QObject):
    """A precise 5 ms timer on the GUI thread; each late tick is a stall of the event loop."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._last = 0.0
        self._start = 0.0
        self.stalls_ms: list[float] = []

    def start(self) -> None:
        self.stalls_ms = []
        self._start = self._last = time.perf_counter()
        self._timer.start()

    def stop(self, scenario: str) -> StallReport:
        self._timer.stop()
        self._on_timer_timeout()  # a stall still going on when the work ended counts too
        stalls = sorted(self.stalls_ms) or [0.0]
        p99 = stalls[min(len(stalls) - 1, int(len(stalls) * 0.99))]
        return StallReport(
            scenario,
            time.perf_counter() - self._start,
            len(self.stalls_ms),
            max(stalls),
            p99 if len(stalls) > 1 else statistics.fmean(stalls),
        )

    @Slot()
    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        self.stalls_ms.append(max(0.0, (now - self._last) * 1000 - HEARTBEAT_MS))
        self._last = now


def _wait(signals: list[SignalInstance], timeout_s: float) -> bool:
    """Run the event loop until one of `signals` fires; False on timeout."""
    loop = QEventLoop()
    fired: list[bool] = []

    def done(*_args: object) -> None:  # runs on the GUI thread: the signals are queued to it
        fired.append(True)
        loop.quit()

    for signal in signals:
        signal.connect(done)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    for signal in signals:
        signal.disconnect(done)
    return bool(fired)


def _settle(ms: int = 200) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def markdown_history(count: int, answer_words: int = 60) -> list[tuple[str, str]]:
    """`count` earlier messages, alternating question / Markdown answer with code."""
    out = []
    for i in range(count):
        if i % 2 == 0:
            out.append(("user", f"Question {i}: how do I sort a list of **records** by key?"))
        else:
            out.append(("assistant", _answer(i, answer_words)))
    return out


def long_history(chars: int) -> list[tuple[str, str]]:
    """Questions and long Markdown answers until the chat holds at least `chars` characters."""
    count = 2
    while sum(len(content) for _role, content in markdown_history(count, 200)) < chars:
        count += 2
    return markdown_history(count, 200)


def _answer(seed: int, words: int) -> str:
    prose = " ".join(f"word{seed}_{k}" for k in range(words))
    code = "\n".join(f"    total_{k} = sum(x * {k} for x in range({k}))" for k in range(6))
    return (
        f"## Answer {seed}\n\nHere is **one way**, with `sorted()`:\n\n{prose}\n\n"
        f"```python\ndef solve():\n{code}\n    return total_0\n```\n\n"
        "- first point\n- second point\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )


def _math_section(seed: int, words: int) -> str:
    prose = " ".join(f"term{seed}_{k}" for k in range(words))
    return (
        f"### Step {seed}\n\nThe sum $S_{{{seed}}} = \\sum_{{k=1}}^{{n}} k^{{{seed}}}$ grows "
        f"like $n^{{{seed + 1}}}$: {prose}\n\n"
        f"$$\\int_0^{{{seed}}} x^2 \\, dx = \\frac{{{seed}^3}}{{3}}$$\n\n"
        f"```python\ndef step_{seed}(n):\n"
        f"    return sum(k ** {seed} for k in range(1, n + 1))\n```\n\n"
    )


def _pieces(text: str) -> int:
    return len(text.split())


def streaming_reply(tokens: int) -> str:
    """About `tokens` whitespace-separated pieces (the scripted backend streams by word):
    sections of prose, code, a list and a table, as a long answer has."""
    sections: list[str] = []
    while sum(_pieces(s) for s in sections) < tokens:
        sections.append(_answer(len(sections), min(60, max(1, tokens))))
    return "\n".join(sections)


def math_reply(tokens: int) -> str:
    """About `tokens` pieces of sections with inline and display math and a code block each
    (each formula is new, so each is drawn)."""
    sections: list[str] = []
    while sum(_pieces(s) for s in sections) < tokens:
        sections.append(_math_section(len(sections) + 1, min(40, max(1, tokens))))
    return "".join(sections)


@contextmanager
def _temporary_home() -> Iterator[None]:
    """The benchmark writes a throw-away database, never the user's."""
    old = os.environ.get(paths.HOME_ENV)
    with tempfile.TemporaryDirectory(prefix="minicpm-bench-gui-") as home:
        os.environ[paths.HOME_ENV] = home
        try:
            yield
        finally:
            if old is None:
                os.environ.pop(paths.HOME_ENV, None)
            else:
                os.environ[paths.HOME_ENV] = old


def _open(services: Services) -> MainWindow:
    window = build_main_window(services)
    window.resize(1100, 800)
    window.show()
    return window


def measure_streaming(
    tokens: int = 2000,
    history: int = 50,
    tokens_per_s: float = 200.0,
    model: Path = STARTER,
    *,
    chat: list[tuple[str, str]] | None = None,
    reply: str | None = None,
    scenario: str = "",
) -> StallReport:
    """Stream `reply` (default: Markdown with code) into `chat` (default: `history` messages)."""
    reply = streaming_reply(tokens) if reply is None else reply
    chat = markdown_history(history) if chat is None else chat
    pieces = _pieces(reply)
    backend = ScriptedBackend([reply], delay_s=1.0 / tokens_per_s, context_length=BENCH_CONTEXT)
    services = build_services(Engine(backend_factory=scripted_factory(backend)))
    try:
        # The whole answer streams: the default cap (1,024 tokens) would cut it short.
        current = services.settings.current
        services.settings.apply(
            replace(current, max_new_tokens=max(current.max_new_tokens, 4 * pieces))
        )
        conversation = services.store.create_conversation("Benchmark chat")
        parent = None
        for role, content in chat:
            parent = services.store.add_message(conversation.id, role, content, parent_id=parent).id
        window = _open(services)
        services.client.load(model)  # the scripted backend only reads the GGUF's metadata
        if not _wait([services.client.model_loaded, services.client.load_failed], 30):
            raise RuntimeError("the scripted model did not load")
        services.controller.open_conversation(conversation.id)
        _settle()  # the long transcript is laid out before the clock starts
        beat = Heartbeat()
        beat.start()
        services.controller.send("Write it again, longer, with code.")
        finished = _wait([services.controller.answer_finished], 60 + pieces / tokens_per_s * 3)
        chars = sum(len(content) for _role, content in chat)
        report = beat.stop(
            scenario
            or f"stream {pieces} tokens at {tokens_per_s:.0f}/s, {len(chat)} messages "
            f"({chars:,} characters)"
        )
        if not finished:
            raise RuntimeError("the streamed answer did not finish in time")
        window.close()
        return report
    finally:
        services.shutdown()


def measure_streaming_scenarios(
    tokens: int = 2000,
    history: int = 50,
    tokens_per_s: float = 200.0,
    model: Path = STARTER,
    long_chat_chars: int = LONG_CHAT_CHARS,
) -> list[StallReport]:
    """Markdown + code into the `history`-message chat, into a `long_chat_chars`-character
    chat, and an answer with math and code into the `history`-message chat."""
    math_warm_up()  # the app does this in the background soon after start
    long_chat = long_history(long_chat_chars)
    with_math = math_reply(tokens)
    reports = [measure_streaming(tokens, history, tokens_per_s, model)]
    reports.append(measure_streaming(tokens, history, tokens_per_s, model, chat=long_chat))
    reports.append(
        measure_streaming(
            tokens,
            history,
            tokens_per_s,
            model,
            reply=with_math,
            scenario=f"stream {_pieces(with_math)} tokens with math and code at "
            f"{tokens_per_s:.0f}/s, {history} messages",
        )
    )
    return reports


def measure_model_load(model: Path = STARTER) -> StallReport:
    services = build_services(Engine())
    try:
        window = _open(services)
        _settle()
        beat = Heartbeat()
        beat.start()
        services.client.load(LoadRequest(model, BackendName.LLAMA))
        loaded = _wait([services.client.model_loaded, services.client.load_failed], 120)
        report = beat.stop(f"load {model.name} (llama.cpp)")
        if not loaded or services.client.loaded_model is None:
            raise RuntimeError(f"{model.name} did not load")
        window.close()
        return report
    finally:
        services.shutdown()


def run_benchmark(
    tokens: int = 2000,
    history: int = 50,
    tokens_per_s: float = 200.0,
    load_model: bool = True,
    model: Path = STARTER,
    log: Callable[[str], None] = lambda _line: None,
    long_chat_chars: int = LONG_CHAT_CHARS,
) -> list[StallReport]:
    """All scenarios (the load one only with `load_model`), each in its own window."""
    app = QApplication.instance() or QApplication([])
    assert app is not None
    reports = []
    with _temporary_home():
        log(f"streaming into a long chat, a {long_chat_chars:,}-character chat, math with code…")
        reports.extend(
            measure_streaming_scenarios(tokens, history, tokens_per_s, model, long_chat_chars)
        )
        if load_model:
            log(f"loading {model.name} with llama.cpp…")
            reports.append(measure_model_load(model))
    return reports


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tokens", type=int, default=2000, help="tokens to stream")
    parser.add_argument("--history", type=int, default=50, help="earlier messages in the chat")
    parser.add_argument("--rate", type=float, default=200.0, help="tokens per second")
    parser.add_argument("--no-load", action="store_true", help="skip the real model load")
    parser.add_argument("-m", "--model", type=Path, default=STARTER, help="GGUF to load")
    parser.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    load = not args.no_load and args.model.exists()
    if not args.no_load and not load:
        print(f"{args.model} is missing (run `make setup`): skipping the load measurement")
    reports = run_benchmark(
        args.tokens, args.history, args.rate, load, args.model, log=lambda line: print(line)
    )
    if args.json:
        print(json.dumps([_as_json(r) for r in reports]))
        return 0
    print(
        f"event-loop stalls (heartbeat {HEARTBEAT_MS} ms; budget: max < {BUDGET_MS:.0f} ms, "
        f"p99 < {P99_BUDGET_MS:.0f} ms)"
    )
    for r in reports:
        verdict = "pass" if r.within_budget else "FAIL"
        print(
            f"  {r.scenario}: max {r.max_stall_ms:.1f} ms, p99 {r.p99_stall_ms:.1f} ms, "
            f"max/budget {r.budget_ratio:.2f}  ({r.ticks} ticks over {r.seconds:.1f} s)  {verdict}"
        )
    return 0


def _as_json(report: StallReport) -> dict[str, object]:
    return asdict(report) | {
        "budget_ratio": report.budget_ratio,
        "within_budget": report.within_budget,
    }
