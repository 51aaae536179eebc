"""`TaskRunner`: the one way the GUI runs background work (app/core/tasks.py holds the rules).

Tasks run on the runner's own daemon threads, never on the GUI thread: a slow task (an
accelerator probe waiting on nvidia-smi) never holds up quitting, and a task never touches a
widget. Progress and outcomes come back as signals, queued onto the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core.tasks import Task, TaskOutcome, TaskProgress, TaskState, run_task

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Job:
    task_id: int
    task: Task[Any]
    state: TaskState


class _Board:
    """What the runner and its threads share, in plain Python: the threads hold this and the
    relay, never the runner, so the runner's last reference is never dropped (and its Qt object
    deleted) on a worker thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.running = 0
        self.states: dict[int, TaskState] = {}


class _Relay(QObject):
    """Parentless carrier for the worker threads' events; its signals are connected queued to
    the runner, so the runner's slots run on the GUI thread. If the runner is gone by then, the
    connections went with it and nothing is delivered. Signals:
    progressed(int task_id, TaskProgress)
    ended(int task_id, TaskOutcome)
    """

    progressed = Signal(int, object)
    ended = Signal(int, object)


class TaskRunner(QObject):
    """Runs up to `max_threads` tasks at once, in the order they were started. Signals (GUI
    thread):
    task_progressed(int task_id, TaskProgress)
    task_finished(int task_id, TaskOutcome)      # result, error or cancelled: always once
    """

    task_progressed = Signal(int, object)
    task_finished = Signal(int, object)

    def __init__(
        self, name: str = "task", max_threads: int = 1, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._name = name
        self._max_threads = max(1, max_threads)
        self._ids = itertools.count(1)
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._board = _Board()
        self._relay = _Relay()
        self._relay.progressed.connect(
            self._on_relay_progressed, Qt.ConnectionType.QueuedConnection
        )
        self._relay.ended.connect(self._on_relay_ended, Qt.ConnectionType.QueuedConnection)

    def start(self, task: Task[Any]) -> int:
        """Queues `task` (a `run(state)` callable; bind its inputs with functools.partial)."""
        task_id = next(self._ids)
        relay = self._relay

        def progressed(progress: TaskProgress) -> None:
            relay.progressed.emit(task_id, progress)

        state = TaskState(progressed)
        with self._board.lock:
            self._board.states[task_id] = state
            self._board.running += 1
        self._queue.put(_Job(task_id, task, state))
        self._grow()
        return task_id

    def cancel(self, task_id: int | None = None) -> None:
        """Asks one task (or every task, when None) to stop; it still finishes once."""
        with self._board.lock:
            states = (
                list(self._board.states.values())
                if task_id is None
                else [s for i, s in self._board.states.items() if i == task_id]
            )
        for state in states:
            state.cancel()

    @property
    def busy(self) -> bool:
        with self._board.lock:
            return self._board.running > 0

    def wait(self, timeout_s: float | None = None) -> bool:
        """Blocks until every task has run (signals may still be queued); True when idle."""
        board = self._board
        with board.idle:
            return board.idle.wait_for(lambda: board.running == 0, timeout_s)

    def shutdown(self, timeout_s: float = 30.0) -> bool:
        """Cancels everything and waits up to `timeout_s` for the tasks to notice. The idle
        threads stay (daemons, blocked on the queue): a thread that ended would drop the relay,
        a Qt object of the GUI thread, on itself, and deleting it there races the GUI thread.
        Tasks started later still run."""
        self.cancel()
        return self.wait(timeout_s)

    def _grow(self) -> None:
        if len(self._threads) >= self._max_threads:
            return
        thread = threading.Thread(
            target=_work,
            args=(self._name, self._queue, self._relay, self._board),
            name=f"{self._name}-{len(self._threads) + 1}",
            daemon=True,
        )
        self._threads.append(thread)
        thread.start()

    @Slot(int, object)
    def _on_relay_progressed(self, task_id: int, progress: TaskProgress) -> None:
        if task_id in self._board.states:
            self.task_progressed.emit(task_id, progress)

    @Slot(int, object)
    def _on_relay_ended(self, task_id: int, outcome: TaskOutcome[Any]) -> None:
        with self._board.lock:
            self._board.states.pop(task_id, None)
        self.task_finished.emit(task_id, outcome)


def _work(name: str, jobs: queue.SimpleQueue[_Job], relay: _Relay, board: _Board) -> None:
    # Emits on the relay, never on the runner: if the runner's Qt object is gone, the queued
    # connections went with it and nothing is delivered. Never returns (see `shutdown`).
    while True:
        job = jobs.get()
        outcome = run_task(job.task, job.state)
        if outcome.error is not None:
            log.warning("%s task %d failed: %s", name, job.task_id, outcome.error)
        # Posted under the lock that `_on_relay_ended` takes first, so by the time
        # `task_finished` is emitted, `busy` already counts this task as done.
        with board.idle:
            relay.ended.emit(job.task_id, outcome)
            board.running -= 1
            board.idle.notify_all()
        del job, outcome  # a finished task's inputs and result are not kept while idle
