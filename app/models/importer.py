"""`ModelImporter`: validates and copies a model into the models folder off the GUI thread.

The work is `app.core.models.store.import_model` (validate with `inspect_model`, copy under a
temporary name, rename); this only runs it on the global thread pool, one at a time, and hands
the outcome back as signals. A copy of several gigabytes takes a while; the window stays usable.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.core.models.store import IR_MARKER, ModelStore, ModelStoreError
from engine.errors import EngineError

log = logging.getLogger(__name__)


def is_importable(path: Path) -> bool:
    """Whether `path` looks like a model to import: a .gguf file or an OpenVINO IR folder (or
    its XML file). Only a cheap check; `inspect_model` validates it before anything is copied."""
    if path.is_file():
        return path.suffix.lower() == ".gguf" or path.name == IR_MARKER
    return path.is_dir() and (path / IR_MARKER).is_file()


class _ImportSignals(QObject):
    # Emitted on a pool thread; delivered queued to receivers on the GUI thread.
    finished = Signal(str, str, str)  # source, target ("" on failure), error message


class _ImportTask(QRunnable):
    def __init__(self, store: ModelStore, source: Path, signals: _ImportSignals) -> None:
        super().__init__()
        self._store = store
        self._source = source
        self._signals = signals

    def run(self) -> None:
        try:
            target, _info = self._store.import_model(self._source)
        except (EngineError, ModelStoreError) as exc:
            self._signals.finished.emit(str(self._source), "", str(exc))
        except OSError as exc:
            self._signals.finished.emit(str(self._source), "", f"Copying failed: {exc}")
        except Exception as exc:  # a bug must not pass silently on a pool thread
            log.exception("importing %s failed", self._source)
            self._signals.finished.emit(str(self._source), "", f"Unexpected error: {exc}")
        else:
            self._signals.finished.emit(str(self._source), str(target), "")


class ModelImporter(QObject):
    """Imports models one after another on a pool thread. Signals (GUI thread):
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
        pool: QThreadPool | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._pool = pool or QThreadPool.globalInstance()
        self._queue: list[Path] = []
        self._running: Path | None = None
        self._signals = _ImportSignals(self)
        self._signals.finished.connect(self._on_task_finished)

    @property
    def busy(self) -> bool:
        return self._running is not None

    def import_model(self, source: Path) -> None:
        """Queue `source` (a .gguf file or an IR folder); the outcome arrives as a signal."""
        self._queue.append(Path(source))
        self._start_next()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the pool is idle (application shutdown and tests)."""
        return self._pool.waitForDone(timeout_ms)

    def _start_next(self) -> None:
        if self._running is not None or not self._queue:
            return
        self._running = self._queue.pop(0)
        self.import_started.emit(str(self._running))
        self._pool.start(_ImportTask(self._store, self._running, self._signals))

    @Slot(str, str, str)
    def _on_task_finished(self, source: str, target: str, error: str) -> None:
        self._running = None
        if error:
            self.import_failed.emit(source, error)
        else:
            self.model_imported.emit(source, target)
        self._start_next()
