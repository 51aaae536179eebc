"""`EngineClient`: the GUI thread's handle on the engine worker and its thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from app.engine_bridge.measure import PromptMeasure
from app.engine_bridge.names import request_display_name
from app.engine_bridge.worker import FLUSH_INTERVAL_S, EngineWorker
from engine.accelerators import probe_accelerators
from engine.errors import ErrorCode, Problem
from engine.load_notes import LoadNote
from engine.loading import LoadMemory
from engine.machine import Hardware
from engine.model_info import ModelInfo
from engine.session import Engine
from engine.types import (
    GenerationParams,
    GenerationResult,
    GenerationStats,
    LoadedModel,
    LoadRequest,
    Message,
)


@dataclass(frozen=True)
class _PendingGeneration:
    request_id: int
    messages: tuple[Message, ...]
    params: GenerationParams


@dataclass(frozen=True)
class _PendingQuery:
    """A token count (`messages` is None) or a prompt measure waiting for a model."""

    request_id: int
    text: str
    messages: tuple[Message, ...] | None
    params: GenerationParams | None


NO_MODEL = "No model is loaded."


class EngineClient(QObject):
    """Owns the worker's QThread, hands out request ids and drops signals of stale ones.

    A generation asked for while a model loads waits here until the load has finished, so people
    can type and send while the starter model loads. Signals (GUI thread, current ids only):
        load_started(int request_id, str model_name)
        model_loaded(int request_id, LoadedModel)
        load_fell_back(int request_id, tuple[LoadNote, ...] notes)   # after model_loaded, when
            # the load departed from the settings (another device, a smaller context): why
        load_failed(int request_id, Problem problem)   # app/words/load.py words it
        text_generated(int request_id, str channel, str text)
        generation_finished(int request_id, GenerationResult)
        generation_failed(int request_id, Problem problem)   # app/words/load.py words it
        tokens_counted(int request_id, int tokens)
        prompt_measured(int request_id, PromptMeasure)
        measure_failed(int request_id, Problem problem)   # a count or a measure: no model,
            # or the model failed (a template error)
    Counts and measures, like generations, wait for a model that is loading, and run on the
    worker after whatever it is doing (never at the same time as a generation).
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

    # Requests to the worker; queued because the worker lives on another thread.
    _load_requested = Signal(int, object, object)
    _generate_requested = Signal(int, object, object)
    _count_requested = Signal(int, str)
    _measure_requested = Signal(int, object, object)
    _shutdown_requested = Signal()

    def __init__(
        self,
        engine: Engine | None = None,
        parent: QObject | None = None,
        *,
        flush_interval_s: float = FLUSH_INTERVAL_S,
        probe: Callable[[], Hardware] = probe_accelerators,
        memory: LoadMemory | None = None,
    ) -> None:
        super().__init__(parent)
        self._next_id = 0
        self._load_id: int | None = None
        self._loaded_id: int | None = None  # the load whose model is in use
        self._loaded: LoadedModel | None = None
        self._model_name: str | None = None
        self._live: set[int] = set()
        self._pending: list[_PendingGeneration] = []
        self._stopped_pending: list[int] = []
        self._queries: set[int] = set()  # counts and measures asked for, not yet answered
        self._pending_queries: list[_PendingQuery] = []
        self._closed = False

        self._thread = QThread()
        self._thread.setObjectName("engine")
        self._worker = EngineWorker(
            engine or Engine(), flush_interval_s, probe=probe, memory=memory
        )
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)

        self._load_requested.connect(self._worker.load)
        self._generate_requested.connect(self._worker.generate)
        self._count_requested.connect(self._worker.count_tokens)
        self._measure_requested.connect(self._worker.measure)
        self._shutdown_requested.connect(self._worker.shutdown)

        self._worker.load_started.connect(self._on_worker_load_started)
        self._worker.model_loaded.connect(self._on_worker_model_loaded)
        self._worker.load_fell_back.connect(self._on_worker_load_fell_back)
        self._worker.load_failed.connect(self._on_worker_load_failed)
        self._worker.text_generated.connect(self._on_worker_text_generated)
        self._worker.generation_finished.connect(self._on_worker_generation_finished)
        self._worker.generation_failed.connect(self._on_worker_generation_failed)
        self._worker.tokens_counted.connect(self._on_worker_tokens_counted)
        self._worker.prompt_measured.connect(self._on_worker_prompt_measured)
        self._worker.measure_failed.connect(self._on_worker_measure_failed)
        self._thread.start()

    # -- state -----------------------------------------------------------------------------

    @property
    def loaded_model(self) -> LoadedModel | None:
        """The model generations run on; None while none is loaded or another is loading."""
        return self._loaded if self._load_id is None else None

    @property
    def model_name(self) -> str | None:
        """The model that answers the next generation: the loaded one, or the one loading."""
        return self._model_name

    @property
    def is_loading(self) -> bool:
        return self._load_id is not None

    # -- requests --------------------------------------------------------------------------

    def load(
        self, request: LoadRequest | str | Path | ModelInfo, info: ModelInfo | None = None
    ) -> int:
        """Load a model, replacing the current one. Signals of an earlier load become stale.

        The app passes `Settings.load_request(path)`. A bare path or an inspected `ModelInfo`
        loads with the engine's defaults (tests, the benchmark window); `info`, when given, is
        the model already inspected (not read again)."""
        if isinstance(request, ModelInfo):
            info = request
            request = LoadRequest(info.path)
        elif not isinstance(request, LoadRequest):
            request = LoadRequest(Path(request))
        request_id = self._new_id()
        self._load_id = request_id
        self._loaded = None
        self._model_name = request_display_name(request)
        self._load_requested.emit(request_id, request, info)
        return request_id

    def generate(self, messages: Sequence[Message], params: GenerationParams) -> int:
        request_id = self._new_id()
        self._live.add(request_id)
        pending = _PendingGeneration(request_id, tuple(messages), params)
        if self.loaded_model is not None:
            self._send(pending)
        else:
            self._pending.append(pending)
            if not self.is_loading:
                # Answered from the event loop, after the caller has stored the id.
                QTimer.singleShot(0, self._fail_pending_without_model)
        return request_id

    def count_tokens(self, text: str) -> int:
        """Count the tokens of `text` with the loaded model's tokenizer: `tokens_counted`, or
        `measure_failed` when no model is loaded. Returns the request id."""
        return self._query(_PendingQuery(self._new_id(), text, None, None))

    def measure(self, messages: Sequence[Message], params: GenerationParams) -> int:
        """Measure the prompt `generate(messages, params)` would read, without generating:
        `prompt_measured` with a `PromptMeasure`, or `measure_failed`. Returns the id."""
        return self._query(_PendingQuery(self._new_id(), "", tuple(messages), params))

    def drop(self, request_id: int) -> None:
        """Forget a count or measure asked for: none of its signals will arrive, and the worker
        stops it (a model's template may take seconds to render)."""
        if request_id not in self._queries:
            return  # answered already
        self._queries.discard(request_id)
        waiting = len(self._pending_queries)
        self._pending_queries = [q for q in self._pending_queries if q.request_id != request_id]
        if len(self._pending_queries) == waiting:  # it reached the worker
            self._worker.stop(request_id)

    def stop(self, request_id: int | None = None) -> None:
        """Stop one generation (or the running one). Its final signal still arrives, with the
        text generated so far and finish reason "stopped"."""
        for pending in list(self._pending):
            if request_id is None or pending.request_id == request_id:
                # It never reached the worker: it ends here, from the event loop.
                self._pending.remove(pending)
                self._stopped_pending.append(pending.request_id)
                QTimer.singleShot(0, self._finish_stopped_pending)
        self._worker.stop(request_id)

    def cancel(self, request_id: int) -> None:
        """Stop a generation and drop every signal it would still send."""
        self._live.discard(request_id)
        self.stop(request_id)

    def shutdown(self) -> None:
        """Stop whatever runs, free the model on its thread and end the thread. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._live.clear()
        self._pending.clear()
        self._queries.clear()
        self._pending_queries.clear()
        self._worker.stop()
        # The worker quits its thread after unloading; quitting from here could end the loop
        # before that request ran and leave the model to be freed on the wrong thread.
        self._shutdown_requested.emit()
        self._thread.wait()

    # -- worker signals --------------------------------------------------------------------

    @Slot(int, str)
    def _on_worker_load_started(self, request_id: int, name: str) -> None:
        if request_id == self._load_id and not self._closed:
            self.load_started.emit(request_id, name)

    @Slot(int, object)
    def _on_worker_model_loaded(self, request_id: int, loaded: LoadedModel) -> None:
        if request_id != self._load_id or self._closed:
            return
        self._load_id = None
        self._loaded_id = request_id
        self._loaded = loaded
        self.model_loaded.emit(request_id, loaded)
        pending, self._pending = self._pending, []
        for item in pending:
            self._send(item)
        queries, self._pending_queries = self._pending_queries, []
        for query in queries:
            self._send_query(query)

    @Slot(int, object)
    def _on_worker_load_fell_back(self, request_id: int, notes: tuple[LoadNote, ...]) -> None:
        if request_id == self._loaded_id and self._load_id is None and not self._closed:
            self.load_fell_back.emit(request_id, notes)

    @Slot(int, object)
    def _on_worker_load_failed(self, request_id: int, problem: Problem) -> None:
        if request_id != self._load_id or self._closed:
            return
        self._load_id = None
        self._loaded = None
        self._model_name = None
        self.load_failed.emit(request_id, problem)
        # The answer failed because of the load: its code and numbers, for the words.
        failed = Problem(problem.code, f"The model could not be loaded: {problem}", problem.params)
        self._fail_pending(failed)
        self._fail_queries()

    @Slot(int, str, str)
    def _on_worker_text_generated(self, request_id: int, channel: str, text: str) -> None:
        if request_id in self._live:
            self.text_generated.emit(request_id, channel, text)

    @Slot(int, object)
    def _on_worker_generation_finished(self, request_id: int, result: object) -> None:
        if request_id in self._live:
            self._live.discard(request_id)
            self.generation_finished.emit(request_id, result)

    @Slot(int, object)
    def _on_worker_generation_failed(self, request_id: int, problem: Problem) -> None:
        if request_id in self._live:
            self._live.discard(request_id)
            self.generation_failed.emit(request_id, problem)

    @Slot(int, int)
    def _on_worker_tokens_counted(self, request_id: int, tokens: int) -> None:
        if request_id in self._queries:
            self._queries.discard(request_id)
            self.tokens_counted.emit(request_id, tokens)

    @Slot(int, object)
    def _on_worker_prompt_measured(self, request_id: int, measured: PromptMeasure) -> None:
        if request_id in self._queries:
            self._queries.discard(request_id)
            self.prompt_measured.emit(request_id, measured)

    @Slot(int, object)
    def _on_worker_measure_failed(self, request_id: int, problem: Problem) -> None:
        if request_id in self._queries:
            self._queries.discard(request_id)
            self.measure_failed.emit(request_id, problem)

    # -- helpers ---------------------------------------------------------------------------

    def _query(self, query: _PendingQuery) -> int:
        self._queries.add(query.request_id)
        if self.loaded_model is not None:
            self._send_query(query)
        else:
            self._pending_queries.append(query)
            if not self.is_loading:
                # Answered from the event loop, after the caller has stored the id.
                QTimer.singleShot(0, self._fail_queries_without_model)
        return query.request_id

    def _send_query(self, query: _PendingQuery) -> None:
        if query.messages is None:
            self._count_requested.emit(query.request_id, query.text)
        else:
            self._measure_requested.emit(query.request_id, query.messages, query.params)

    @Slot()
    def _fail_queries_without_model(self) -> None:
        if self.loaded_model is None and not self.is_loading:
            self._fail_queries()

    def _fail_queries(self) -> None:
        queries, self._pending_queries = self._pending_queries, []
        for query in queries:
            if query.request_id in self._queries:
                self._queries.discard(query.request_id)
                self.measure_failed.emit(query.request_id, Problem(ErrorCode.GENERATION, NO_MODEL))

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _send(self, pending: _PendingGeneration) -> None:
        self._generate_requested.emit(pending.request_id, pending.messages, pending.params)

    @Slot()
    def _finish_stopped_pending(self) -> None:
        stopped, self._stopped_pending = self._stopped_pending, []
        for request_id in stopped:
            stats = GenerationStats(backend="", device="", finish_reason="stopped")
            self._on_worker_generation_finished(request_id, GenerationResult("", "", stats))

    @Slot()
    def _fail_pending_without_model(self) -> None:
        if self.loaded_model is None and not self.is_loading:
            self._fail_pending(Problem(ErrorCode.GENERATION, "No model is loaded."))

    def _fail_pending(self, problem: Problem) -> None:
        """Fails every answer still waiting for a model, with a `Problem` as every
        generation_failed carries (the answer's words come from its code)."""
        pending, self._pending = self._pending, []
        for item in pending:
            if item.request_id in self._live:
                self._live.discard(item.request_id)
                self.generation_failed.emit(item.request_id, problem)
