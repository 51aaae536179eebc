"""`EngineWorker`: owns one `Engine` and runs every load and generation on its own QThread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.core.models.remembered import RememberedLoads
from app.engine_bridge.measure import measure_prompt
from app.engine_bridge.names import request_display_name
from engine.accelerators import probe_accelerators
from engine.errors import EngineError, ErrorCode, Problem
from engine.loading import LoadMemory, load_model, needs_accelerators
from engine.machine import Hardware
from engine.model_info import ModelInfo
from engine.reasoning import TextPiece
from engine.session import Engine
from engine.types import GenerationParams, LoadRequest, Message

log = logging.getLogger(__name__)

# Streamed text reaches the GUI at most this often (20 repaints a second are plenty to read).
# The one throttle between the engine and the screen: the message widget draws what arrives at
# once, and throttling here keeps cross-thread signals to 20 a second instead of one a token.
FLUSH_INTERVAL_S = 0.05


class TextCoalescer:
    """Joins streamed pieces and hands them on at most every `interval_s`, per channel in order.

    Plain Python so it is tested without Qt. A change of channel hands on what was held first,
    so reasoning and answer text never interleave out of order.
    """

    def __init__(
        self,
        emit: Callable[[str, str], None],
        interval_s: float = FLUSH_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emit = emit
        self._interval_s = interval_s
        self._clock = clock
        self._channel = ""
        self._held: list[str] = []
        self._last_emit = float("-inf")

    def add(self, piece: TextPiece) -> None:
        if self._held and piece.channel != self._channel:
            self.flush()
        self._channel = piece.channel
        self._held.append(piece.text)
        if self._clock() - self._last_emit >= self._interval_s:
            self.flush()

    def flush(self) -> None:
        if not self._held:
            return
        text = "".join(self._held)
        self._held.clear()
        self._last_emit = self._clock()
        self._emit(self._channel, text)


class EngineWorker(QObject):
    """Owns one `Engine`; lives on its own QThread. Call `stop()` from any thread.

    Requests arrive as queued calls of `load`, `generate`, `unload` and `shutdown`, each with the
    request id the client handed out. A load is one call of the engine's planner
    (`engine.loading.load_model`: GPU -> NPU -> CPU, CUDA -> CPU, smaller contexts), which
    remembers what worked in `memory`. Signals:
        load_started(int request_id, str model_name)
        model_loaded(int request_id, LoadedModel)
        load_fell_back(int request_id, tuple[LoadNote, ...] notes)   # after model_loaded, when
            # the load departed from the settings: why, as codes (app/words/load.py words them)
        load_failed(int request_id, Problem problem)   # str(problem): the engine's English
        text_generated(int request_id, str channel, str text)   # coalesced, ~20 a second
        generation_finished(int request_id, GenerationResult)
        generation_failed(int request_id, Problem problem)   # str(problem): the English
        tokens_counted(int request_id, int tokens)       # a text's tokens (an attachment's)
        prompt_measured(int request_id, PromptMeasure)   # a prompt, measured, not generated
        measure_failed(int request_id, Problem problem)  # either of the two could not be done
    Counting and measuring run between generations, on this thread: the engine is never used
    from two threads, and a generation is never held up by them.
    """

    load_started = Signal(int, str)
    model_loaded = Signal(int, object)
    load_fell_back = Signal(int, object)
    load_failed = Signal(int, object)
    text_generated = Signal(int, str, str)
    generation_finished = Signal(int, object)
    generation_failed = Signal(int, object)
    tokens_counted = Signal(int, int)
    prompt_measured = Signal(int, object)
    measure_failed = Signal(int, object)

    def __init__(
        self,
        engine: Engine,
        flush_interval_s: float = FLUSH_INTERVAL_S,
        *,
        probe: Callable[[], Hardware] = probe_accelerators,
        memory: LoadMemory | None = None,
    ) -> None:
        super().__init__()
        self._engine = engine
        self._flush_interval_s = flush_interval_s
        self._probe = probe
        self._hardware: Hardware | None = None  # probed once, on the first non-CPU load
        self._memory = memory if memory is not None else RememberedLoads()
        # Guards the three fields below, which `stop()` reads from other threads.
        self._lock = threading.Lock()
        self._running_id: int | None = None
        self._running_stop = threading.Event()
        self._stopped_early: set[int] = set()

    # -- thread-safe -----------------------------------------------------------------------

    def stop(self, request_id: int | None = None) -> None:
        """Stop request `request_id` (a generation, a count or a measure; whichever runs, when
        None), even if still queued.

        A queued signal could not do this: it would wait behind the generation it should stop.
        """
        with self._lock:
            if request_id is None or request_id == self._running_id:
                self._running_stop.set()
                self._engine.stop()
            else:
                self._stopped_early.add(request_id)

    # -- requests, run on the worker thread ------------------------------------------------

    @Slot(int, object, object)
    def load(self, request_id: int, request: LoadRequest, info: ModelInfo | None = None) -> None:
        """`info`: the model already inspected, when the caller has it."""
        name = request_display_name(request)
        self.load_started.emit(request_id, name)
        try:
            loaded, notes = load_model(
                self._engine, request, self._hardware_for(request), self._memory, info=info
            )
        except EngineError as exc:
            self.load_failed.emit(request_id, Problem.of(exc))
            return
        except Exception as exc:  # a backend bug must not kill the worker thread
            log.exception("loading %s failed", name)
            detail = f"Unexpected error while loading: {exc}"
            self.load_failed.emit(request_id, Problem(ErrorCode.ENGINE, detail))
            return
        self.model_loaded.emit(request_id, loaded)
        if notes:
            self.load_fell_back.emit(request_id, tuple(notes))

    def _hardware_for(self, request: LoadRequest) -> Hardware | None:
        """The accelerators, probed once; not at all while only the CPU is asked for (the
        plan needs no hardware then, and the probe imports OpenVINO and runs nvidia-smi)."""
        if not needs_accelerators(request):
            return self._hardware
        if self._hardware is None:
            try:
                self._hardware = self._probe()
            except Exception:  # no accelerators known: the plan still ends on the CPU
                log.exception("probing the hardware failed")
                return None
        return self._hardware

    @Slot(int, object, object)
    def generate(
        self, request_id: int, messages: Sequence[Message], params: GenerationParams
    ) -> None:
        if not self._begin(request_id):
            self.generation_finished.emit(request_id, self._engine.stopped_result())
            return

        def emit_text(channel: str, text: str) -> None:
            self.text_generated.emit(request_id, channel, text)

        coalescer = TextCoalescer(emit_text, self._flush_interval_s)
        try:
            # `Engine.generate` clears its own stop flag when it starts; this one, set by
            # `stop()` from any thread since `_running_id` was set, reaches the template's
            # render and the backend all the same.
            result = self._engine.generate(
                messages, params, coalescer.add, should_stop=self._running_stop.is_set
            )
        except EngineError as exc:
            coalescer.flush()
            self.generation_failed.emit(request_id, Problem.of(exc))
            return
        except Exception as exc:  # a backend bug must not kill the worker thread
            log.exception("generation %d failed", request_id)
            coalescer.flush()
            detail = f"Unexpected error while generating: {exc}"
            self.generation_failed.emit(request_id, Problem(ErrorCode.ENGINE, detail))
            return
        finally:
            with self._lock:
                self._running_id = None
        coalescer.flush()
        self.generation_finished.emit(request_id, result)

    @Slot(int, str)
    def count_tokens(self, request_id: int, text: str) -> None:
        if not self._begin(request_id):
            self.measure_failed.emit(request_id, _STOPPED)
            return
        try:
            tokens = self._engine.count_tokens(text)
        except Exception as exc:  # answered as a Problem: a bug must not kill the thread
            self.measure_failed.emit(request_id, _problem(exc, "counting tokens"))
            return
        finally:
            self._end()
        self.tokens_counted.emit(request_id, tokens)

    @Slot(int, object, object)
    def measure(
        self, request_id: int, messages: Sequence[Message], params: GenerationParams
    ) -> None:
        """Stopped like a generation (`stop(request_id)`), also while the template renders."""
        if not self._begin(request_id):
            self.measure_failed.emit(request_id, _STOPPED)
            return
        try:
            measured = measure_prompt(
                self._engine, messages, params, should_stop=self._running_stop.is_set
            )
        except Exception as exc:  # answered as a Problem: a bug must not kill the thread
            self.measure_failed.emit(request_id, _problem(exc, "measuring the prompt"))
            return
        finally:
            self._end()
        self.prompt_measured.emit(request_id, measured)

    def _begin(self, request_id: int) -> bool:
        """Marks `request_id` as the one running, so `stop()` reaches it; False when it was
        stopped before it started."""
        with self._lock:
            if request_id in self._stopped_early:
                self._stopped_early.discard(request_id)
                return False
            self._running_id = request_id
            self._running_stop.clear()
            return True

    def _end(self) -> None:
        with self._lock:
            self._running_id = None

    @Slot()
    def shutdown(self) -> None:
        """The last request: free the model on its own thread, then end the thread's loop."""
        self._engine.unload()
        thread = QThread.currentThread()
        if thread is not None:
            thread.quit()


_STOPPED = Problem(ErrorCode.STOPPED, "Stopped before it ran.")


def _problem(exc: Exception, doing: str) -> Problem:
    if isinstance(exc, EngineError):
        return Problem.of(exc)
    log.exception("%s failed", doing)
    return Problem(ErrorCode.ENGINE, f"Unexpected error while {doing}: {exc}")
