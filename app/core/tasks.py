"""Background work as a plain function: `run(inputs, state) -> result`, tested without Qt.

Every background job of the app (importing a model, converting one, probing the accelerators,
warming up the math renderer, ...) is a function that takes its inputs and a `TaskState`. It
reports progress through `state.report(...)`, checks `state.cancelled` (or calls
`state.check()`, which raises `TaskCancelled`) between steps, and returns its result or raises.
`run_task` turns all of that into one `TaskOutcome`. The Qt side (`app/tasks.py`) only runs
`run_task` on a thread and hands the outcome to the GUI thread as a signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskCancelled(Exception):
    """Raised by `TaskState.check()` once the task was asked to stop."""


@dataclass(frozen=True)
class TaskProgress:
    """How far a task is: a stage name the view turns into words, and a fraction when known."""

    stage: str
    fraction: float | None = None


OnProgress = Callable[[TaskProgress], None]


class TaskState:
    """What a running task sees: a cancel flag (set from any thread) and a progress sink."""

    def __init__(self, on_progress: OnProgress | None = None) -> None:
        self._cancel = threading.Event()
        self._on_progress = on_progress

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise `TaskCancelled` if the task was asked to stop; call between steps."""
        if self._cancel.is_set():
            raise TaskCancelled

    def report(self, stage: str, fraction: float | None = None) -> None:
        if self._on_progress is not None:
            if fraction is not None:
                fraction = min(max(fraction, 0.0), 1.0)
            self._on_progress(TaskProgress(stage, fraction))


@dataclass(frozen=True)
class TaskOutcome(Generic[T]):
    """A result, or an error, or cancelled. A task asked to stop that still returned keeps its
    result next to `cancelled`, so the caller decides whether to use or undo it."""

    result: T | None = None
    error: Exception | None = None
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled


Task = Callable[[TaskState], T]


def run_task(task: Task[T], state: TaskState) -> TaskOutcome[T]:
    """Runs `task` to its end; never raises (a bug in a task must not kill its thread)."""
    try:
        result = task(state)
    except TaskCancelled:
        return TaskOutcome(cancelled=True)
    except Exception as exc:
        if state.cancelled:
            return TaskOutcome(cancelled=True)
        log.debug("task failed", exc_info=True)
        return TaskOutcome(error=exc)
    if state.cancelled:
        return TaskOutcome(result=result, cancelled=True)
    return TaskOutcome(result=result)
