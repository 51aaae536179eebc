"""The `ChatService` of the windowless server (`python main.py serve`): one thread owns the
engine and runs the generations in the order they came. (The GUI has its own, over its
engine worker: app/api_bridge.py.)"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.core.api.service import Cancel, GenerationEvents
from app.core.models.store import model_name
from engine.errors import EngineError, ErrorCode, Problem
from engine.session import Engine
from engine.types import GenerationParams, Message

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Job:
    messages: tuple[Message, ...]
    params: GenerationParams
    events: GenerationEvents
    # Its own flag, not Engine.stop(): stopping one request must never stop another.
    stop: threading.Event = field(default_factory=threading.Event)


class EngineService:
    """Implements `ChatService` over an `Engine` that is already loaded. Every engine call
    happens on this service's one thread; `start` and the cancel it returns may be called from
    any thread. A job cancelled while still queued never reaches the engine: it finishes at
    once, empty and "stopped"."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._running: _Job | None = None
        self._thread = threading.Thread(target=self._work, name="api-engine", daemon=True)
        self._thread.start()

    def model_id(self) -> str | None:
        """The name people know the model by, as the window's API names it too (its file or
        folder name, app/engine_bridge/names.py): a GGUF's own `general.name` is often a
        training run's ("Smollm2 135M 8k Lc100K Mix1 Ep2")."""
        loaded = self._engine.loaded
        if loaded is None:
            return None
        return loaded.info.name if loaded.info.format == "remote" else model_name(loaded.info.path)

    def start(
        self, messages: Sequence[Message], params: GenerationParams, events: GenerationEvents
    ) -> Cancel:
        job = _Job(tuple(messages), params, events)
        with self._lock:
            closed = self._closed
            if not closed:
                self._jobs.put(job)
        if closed:
            events.finished(self._engine.stopped_result())
        return job.stop.set

    def close(self, timeout_s: float = 30.0) -> None:
        """Stops the running generation, finishes the queued ones as stopped, joins the
        thread. Safe to call more than once."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._stop_all()
                self._jobs.put(None)
        self._thread.join(timeout_s)

    def _stop_all(self) -> None:
        if self._running is not None:
            self._running.stop.set()
        with self._jobs.mutex:
            waiting = list(self._jobs.queue)
        for job in waiting:
            if job is not None:
                job.stop.set()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            with self._lock:
                self._running = job
            try:
                self._run(job)
            except Exception:  # a caller's callback failed: the thread must go on
                log.exception("an API generation's events failed")
            finally:
                with self._lock:
                    self._running = None

    def _run(self, job: _Job) -> None:
        if job.stop.is_set():
            job.events.finished(self._engine.stopped_result())
            return
        try:
            result = self._engine.generate(
                job.messages, job.params, job.events.piece, job.stop.is_set
            )
        except EngineError as exc:
            job.events.failed(Problem.of(exc))
            return
        except Exception as exc:  # a backend bug must not kill the service's thread
            log.exception("an API generation failed")
            job.events.failed(Problem(ErrorCode.ENGINE, f"Unexpected error: {exc}"))
            return
        job.events.finished(result)
