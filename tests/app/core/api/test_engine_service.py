"""EngineService: the windowless server's engine thread, without HTTP."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from app.core.api.engine_service import EngineService
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.errors import ErrorCode, Problem
from engine.loading import load_once
from engine.reasoning import TextPiece
from engine.session import Engine
from engine.types import GenerationParams, GenerationResult, LoadRequest, Message
from tests.app.core.api.helpers import PacedBackend, ServiceFor

QUESTION = [Message("user", "What is the capital of France?")]
PARAMS = GenerationParams()


@dataclass
class Recorder:
    """GenerationEvents that remember everything, and whether it ended."""

    pieces: list[TextPiece] = field(default_factory=list)
    result: GenerationResult | None = None
    problem: Problem | None = None
    ended: threading.Event = field(default_factory=threading.Event)
    order: list[str] | None = None
    name: str = ""
    # Set once `wanted` pieces arrived.
    wanted: int = 0
    enough: threading.Event = field(default_factory=threading.Event)

    def piece(self, piece: TextPiece) -> None:
        self.pieces.append(piece)
        if len(self.pieces) >= self.wanted:
            self.enough.set()

    def finished(self, result: GenerationResult) -> None:
        self.result = result
        self._end()

    def failed(self, problem: Problem) -> None:
        self.problem = problem
        self._end()

    def _end(self) -> None:
        if self.order is not None:
            self.order.append(self.name)
        self.ended.set()


def test_model_id_is_the_name_people_know_the_model_by(service_for: ServiceFor) -> None:
    service = service_for(ScriptedBackend())
    assert service.model_id() == "SmolLM2-135M-Instruct.Q4_1"  # the file, as the window says
    empty = EngineService(Engine(backend_factory=scripted_factory(ScriptedBackend())))
    try:
        assert empty.model_id() is None
    finally:
        empty.close()


def test_jobs_run_in_order_and_stream_their_pieces(service_for: ServiceFor) -> None:
    backend = ScriptedBackend(["one a", "two b", "three c"], delay_s=0.01)
    service = service_for(backend)
    order: list[str] = []
    recorders = [Recorder(order=order, name=str(n)) for n in range(3)]
    for recorder in recorders:
        service.start(QUESTION, PARAMS, recorder)
    for recorder in recorders:
        assert recorder.ended.wait(10)
    assert order == ["0", "1", "2"]
    texts = [r.result.text if r.result else None for r in recorders]
    assert texts == ["one a", "two b", "three c"]
    assert "".join(p.text for p in recorders[0].pieces) == "one a"


def test_cancel_stops_the_running_job_within_a_token(service_for: ServiceFor) -> None:
    words = " ".join(f"w{i}" for i in range(200))
    backend = PacedBackend([words], delay_s=0.02)
    service = service_for(backend)
    recorder = Recorder(wanted=3)
    cancel = service.start(QUESTION, PARAMS, recorder)
    assert recorder.enough.wait(10)
    cancel()
    seen = len(backend.token_times)
    assert recorder.ended.wait(10)
    assert recorder.result is not None
    assert recorder.result.stats.finish_reason == "stopped"
    assert len(backend.token_times) <= seen + 1
    cancel()  # again: harmless


def test_a_job_cancelled_while_queued_never_reaches_the_engine(service_for: ServiceFor) -> None:
    words = " ".join(f"w{i}" for i in range(20))
    backend = PacedBackend([words, "second", "third"], delay_s=0.01)
    service = service_for(backend)
    first, queued, third = Recorder(), Recorder(), Recorder()
    service.start(QUESTION, PARAMS, first)
    cancel = service.start(QUESTION, PARAMS, queued)
    service.start(QUESTION, PARAMS, third)
    cancel()
    for recorder in (first, queued, third):
        assert recorder.ended.wait(10)
    assert queued.result is not None
    assert (queued.result.text, queued.result.stats.finish_reason) == ("", "stopped")
    assert queued.pieces == []
    assert third.result is not None and third.result.text == "second"
    assert len(backend.prompts) == 2


def test_an_engine_error_is_a_problem(service_for: ServiceFor) -> None:
    service = service_for(ScriptedBackend(context_length=8))
    recorder = Recorder()
    service.start(QUESTION, PARAMS, recorder)
    assert recorder.ended.wait(10)
    assert recorder.problem is not None
    assert recorder.problem.code == ErrorCode.CONTEXT_OVERFLOW


def test_a_broken_callback_does_not_kill_the_thread(service_for: ServiceFor) -> None:
    service = service_for(ScriptedBackend(["fine"]))

    class Broken(Recorder):
        def piece(self, piece: TextPiece) -> None:
            raise RuntimeError("the caller broke")

    broken = Broken()
    service.start(QUESTION, PARAMS, broken)
    assert broken.ended.wait(10)
    assert broken.problem is not None and "the caller broke" in broken.problem.detail
    working = Recorder()
    service.start(QUESTION, PARAMS, working)
    assert working.ended.wait(10)
    assert working.result is not None and working.result.text == "fine"


def test_close_stops_everything_and_later_jobs_finish_at_once(starter_path: Path) -> None:
    words = " ".join(f"w{i}" for i in range(500))
    backend = PacedBackend([words], delay_s=0.02)
    engine = Engine(backend_factory=scripted_factory(backend))
    load_once(engine, LoadRequest(starter_path))
    service = EngineService(engine)
    running, queued = Recorder(), Recorder()
    service.start(QUESTION, PARAMS, running)
    service.start(QUESTION, PARAMS, queued)
    assert backend.started.wait(10)
    service.close()
    assert not service._thread.is_alive()
    for recorder in (running, queued):
        assert recorder.ended.is_set()
        assert recorder.result is not None
        assert recorder.result.stats.finish_reason == "stopped"
    late = Recorder()
    service.start(QUESTION, PARAMS, late)
    assert late.ended.is_set() and late.result is not None
    service.close()  # again: harmless
