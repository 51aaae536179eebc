"""`ModelConverter`: prepares a MiniCPM GGUF for Intel CPU / GPU / NPU off the GUI thread.

The work is `app.core.models.converting.run` (`engine.convert.job.convert_gguf` with the task's
cancel flag and progress); this runs it on a `TaskRunner`, one conversion at a time, and hands
progress and the outcome back as signals.
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.core.models import converting
from app.core.models.converting import (
    STAGES,
    VERIFICATION_FILE,
    ConversionCost,
    can_convert,
    converted_name,
    default_weights,
    estimate_cost,
    read_verification,
)
from app.core.models.store import CONVERTED_DIR
from app.core.tasks import TaskOutcome, TaskProgress
from app.tasks import TaskRunner

# The pure helpers are re-exported: the Model page and the Models window take them from here.
__all__ = [
    "STAGES",
    "VERIFICATION_FILE",
    "ConversionCost",
    "ModelConverter",
    "can_convert",
    "converted_name",
    "default_weights",
    "estimate_cost",
    "read_verification",
]

log = logging.getLogger(__name__)


class ModelConverter(QObject):
    """Converts one model at a time on a task runner. Signals (GUI thread):
    conversion_started(str source)
    conversion_progressed(str stage, float fraction)  # fraction of the whole run, 0..1
    model_converted(str source, str target)           # verified and registered
    conversion_failed(str source, str outcome, str message)
        # outcome: "cancelled", "rejected" (verification failed), "disk", "failed";
        # nothing was registered and the work folder is gone
    """

    conversion_started = Signal(str)
    conversion_progressed = Signal(str, float)
    model_converted = Signal(str, str)
    conversion_failed = Signal(str, str, str)

    def __init__(
        self, models_dir: Path, parent: QObject | None = None, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        self._root = models_dir / CONVERTED_DIR
        self._owns_runner = runner is None
        self._runner = runner or TaskRunner("model-convert", parent=self)
        self._runner.task_progressed.connect(self._on_runner_task_progressed)
        self._runner.task_finished.connect(self._on_runner_task_finished)
        self._running: Path | None = None
        # `cancel` may come from any thread, even from the task itself before `convert` has
        # stored its id: the lock makes it wait for the id.
        self._lock = threading.Lock()
        self._task_id: int | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None

    @property
    def running(self) -> Path | None:
        return self._running

    def estimate(self, source: Path, weights: str) -> ConversionCost:
        return estimate_cost(source, weights, self._root)

    def convert(self, source: Path, weights: str) -> bool:
        """Start converting `source`; False when another conversion is running."""
        if self._running is not None:
            return False
        self._running = Path(source)
        self.conversion_started.emit(str(source))
        task = partial(
            converting.run,
            self._running,
            self._root,
            converted_name(self._running, weights),
            weights,
        )
        with self._lock:
            self._task_id = self._runner.start(task)
        return True

    def cancel(self) -> None:
        """Thread-safe: the job stops at its next check and removes its work folder."""
        with self._lock:
            task_id = self._task_id
        if task_id is not None:
            self._runner.cancel(task_id)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel and wait for the conversion to stop (window close, tests)."""
        self.cancel()
        if self._owns_runner:
            return self._runner.shutdown(timeout_ms / 1000)
        return self._runner.wait(timeout_ms / 1000)

    def _failure(self, outcome: TaskOutcome[Any]) -> tuple[str, str]:
        error = outcome.error
        if outcome.cancelled or error is None:
            return converting.CANCELLED, ""
        kind = converting.failure_outcome(error)
        if converting.is_expected(error):
            return kind, "" if kind == converting.CANCELLED else str(error)
        log.error("converting %s failed", self._running, exc_info=error)
        return kind, self.tr("Unexpected error: {error}").format(error=error)

    @Slot(int, object)
    def _on_runner_task_progressed(self, task_id: int, progress: TaskProgress) -> None:
        if task_id == self._task_id and progress.fraction is not None:
            self.conversion_progressed.emit(progress.stage, progress.fraction)

    @Slot(int, object)
    def _on_runner_task_finished(self, task_id: int, outcome: TaskOutcome[Any]) -> None:
        if task_id != self._task_id or self._running is None:
            return  # another service's task on a shared runner
        source = str(self._running)
        # A result is a registered model, even when the cancel came after its last check.
        failure = None if outcome.result is not None else self._failure(outcome)
        with self._lock:
            self._task_id = None
        self._running = None
        if failure is None:
            self.model_converted.emit(source, str(outcome.result))
        else:
            self.conversion_failed.emit(source, *failure)
