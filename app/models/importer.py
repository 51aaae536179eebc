"""`ModelImporter`: validates and copies a model into the models folder off the GUI thread.

The work is `app.core.models.importing.run` (validate with `inspect_model`, copy under a
temporary name, rename); this only runs it on a `TaskRunner`, one at a time, and hands the
outcome back as signals. A copy of several gigabytes takes a while; the window stays usable.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.core.models import importing
from app.core.models.importing import is_importable
from app.core.models.store import ModelStore
from app.core.tasks import TaskOutcome
from app.tasks import TaskRunner

__all__ = ["ModelImporter", "is_importable"]

log = logging.getLogger(__name__)


class ModelImporter(QObject):
    """Imports models one after another on a task runner. Signals (GUI thread):
    import_started(str source)
    model_imported(str source, str target)   # validated, copied and listed
    import_failed(str source, str message)   # nothing was copied
    """

    import_started = Signal(str)
    model_imported = Signal(str, str)
    import_failed = Signal(str, str)

    def __init__(
        self,
        store: ModelStore,
        parent: QObject | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._runner = runner or TaskRunner("model-import", parent=self)
        self._runner.task_finished.connect(self._on_runner_task_finished)
        self._queue: list[Path] = []
        self._running: Path | None = None
        self._task_id: int | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None

    def import_model(self, source: Path) -> None:
        """Queue `source` (a .gguf file or an IR folder); the outcome arrives as a signal."""
        self._queue.append(Path(source))
        self._start_next()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the runner is idle (application shutdown and tests)."""
        return self._runner.wait(None if timeout_ms < 0 else timeout_ms / 1000)

    def _start_next(self) -> None:
        if self._running is not None or not self._queue:
            return
        self._running = self._queue.pop(0)
        self.import_started.emit(str(self._running))
        self._task_id = self._runner.start(
            partial(importing.run, self._running, self._store.models_dir)
        )

    def _message(self, error: Exception) -> str:
        kind = importing.failure_kind(error)
        if kind == importing.REFUSED:
            return str(error)  # the store's or engine's own sentence: why it is no model
        if kind == importing.COPY_FAILED:
            return self.tr("Copying failed: {error}").format(error=error)
        log.error("importing %s failed", self._running, exc_info=error)
        return self.tr("Unexpected error: {error}").format(error=error)

    @Slot(int, object)
    def _on_runner_task_finished(self, task_id: int, outcome: TaskOutcome[Any]) -> None:
        if task_id != self._task_id or self._running is None:
            return  # another service's task on a shared runner
        source = str(self._running)
        if outcome.result is not None:  # copied and renamed: listed even if cancelled since
            message = ""
        elif outcome.error is not None:
            message = self._message(outcome.error)
        else:
            message = self.tr("The import was cancelled.")
        self._running = None
        self._task_id = None
        if message:
            self.import_failed.emit(source, message)
        else:
            self.model_imported.emit(source, str(outcome.result))
        self._start_next()
