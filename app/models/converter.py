"""`ModelConverter`: prepares a MiniCPM GGUF for Intel CPU / GPU / NPU off the GUI thread.

The work is `engine.convert.job.convert_gguf` (llama.cpp requantization for int4 / int8, the
OpenVINO graph, verification against llama.cpp, registration by rename only after it passed);
this runs it on the global thread pool, one at a time, with a `threading.Event` as its cancel
flag (the job checks it between stages and layers), and hands progress and the outcome back
as signals. The engine modules load lazily: they pull in numpy, gguf and OpenVINO.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.core.models.store import CONVERTED_DIR, InstalledModel
from engine.errors import EngineError

log = logging.getLogger(__name__)

VERIFICATION_FILE = "verification.json"  # engine.convert.verify.VERIFICATION_FILE
# Stages convert_gguf reports, in order, with the share of the whole run each one ends at.
STAGES = {
    "requantize": 0.25,
    "build": 0.5,
    "save": 0.6,
    "verify": 0.95,
    "register": 1.0,
}


@dataclass(frozen=True)
class ConversionCost:
    """The estimate shown before starting, and what this machine has free."""

    parameters: int
    seconds: float
    temporary_disk_bytes: int
    final_disk_bytes: int
    peak_memory_bytes: int
    free_disk_bytes: int
    available_memory_bytes: int


def can_convert(model: InstalledModel | None) -> bool:
    """An installed, readable MiniCPM (architecture `minicpm`) GGUF file."""
    if model is None or model.info is None or model.error:
        return False
    return model.info.format == "gguf" and model.info.architecture == "minicpm"


def default_weights(model: InstalledModel) -> str:
    """engine.convert.job.default_weights for the model's quantization."""
    from engine.convert.job import default_weights as for_quantization

    return for_quantization(model.info.quantization if model.info is not None else None)


def converted_name(source: Path, weights: str) -> str:
    """engine.convert.job.default_name, the CLI's default too."""
    from engine.convert.job import default_name

    return default_name(source, weights)


def estimate_cost(source: Path, weights: str, root: Path) -> ConversionCost:
    """From the GGUF header alone (fast); raises EngineError for a file it cannot read."""
    import psutil

    from engine.convert.job import estimate

    cost = estimate(source, weights)
    existing = root
    while not existing.is_dir() and existing.parent != existing:
        existing = existing.parent  # nothing is created before the person agreed
    return ConversionCost(
        parameters=cost.parameters,
        seconds=cost.seconds,
        temporary_disk_bytes=cost.temporary_disk_bytes,
        final_disk_bytes=cost.final_disk_bytes,
        peak_memory_bytes=cost.peak_memory_bytes,
        free_disk_bytes=shutil.disk_usage(existing).free,
        available_memory_bytes=psutil.virtual_memory().available,
    )


def read_verification(folder: Path) -> dict[str, object] | None:
    """The numbers a conversion was registered with, or None (not a converted model)."""
    path = folder / VERIFICATION_FILE
    if not folder.is_dir() or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class _ConvertSignals(QObject):
    # Emitted on a pool thread; delivered queued to receivers on the GUI thread.
    progressed = Signal(str, float)  # stage, fraction of the whole run
    finished = Signal(str, str, str, str)  # source, target ("" unless done), outcome, message


class _ConvertTask(QRunnable):
    def __init__(
        self,
        source: Path,
        root: Path,
        name: str,
        weights: str,
        cancel: threading.Event,
        signals: _ConvertSignals,
    ) -> None:
        super().__init__()
        self._source = source
        self._root = root
        self._name = name
        self._weights = weights
        self._cancel = cancel
        self._signals = signals

    def _on_progress(self, stage: str, fraction: float) -> None:
        keys = list(STAGES)
        start = STAGES[keys[keys.index(stage) - 1]] if stage in keys[1:] else 0.0
        end = STAGES.get(stage, start)
        self._signals.progressed.emit(stage, start + (end - start) * min(max(fraction, 0.0), 1.0))

    def run(self) -> None:
        source = str(self._source)
        try:
            from engine.convert.gguf_to_openvino import ConversionCancelled
            from engine.convert.job import VerificationFailedError, convert_gguf

            result = convert_gguf(
                self._source,
                self._root,
                self._name,
                self._weights,
                should_stop=self._cancel.is_set,
                on_progress=self._on_progress,
            )
        except ConversionCancelled:
            self._signals.finished.emit(source, "", "cancelled", "")
        except VerificationFailedError as exc:
            self._signals.finished.emit(source, "", "rejected", str(exc))
        except OSError as exc:
            outcome = "disk" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "failed"
            self._signals.finished.emit(source, "", outcome, str(exc))
        except EngineError as exc:
            self._signals.finished.emit(source, "", "failed", str(exc))
        except Exception as exc:  # a bug must not pass silently on a pool thread
            log.exception("converting %s failed", self._source)
            self._signals.finished.emit(source, "", "failed", f"Unexpected error: {exc}")
        else:
            self._signals.finished.emit(source, str(result.folder), "converted", "")


class ModelConverter(QObject):
    """Converts one model at a time on a pool thread. Signals (GUI thread):
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
        self, models_dir: Path, parent: QObject | None = None, pool: QThreadPool | None = None
    ) -> None:
        super().__init__(parent)
        self._root = models_dir / CONVERTED_DIR
        self._pool = pool or QThreadPool.globalInstance()
        self._running: Path | None = None
        self._cancel = threading.Event()
        self._signals = _ConvertSignals(self)
        self._signals.progressed.connect(self._on_task_progressed)
        self._signals.finished.connect(self._on_task_finished)

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
        self._cancel = threading.Event()
        self.conversion_started.emit(str(source))
        self._pool.start(
            _ConvertTask(
                self._running,
                self._root,
                converted_name(self._running, weights),
                weights,
                self._cancel,
                self._signals,
            )
        )
        return True

    def cancel(self) -> None:
        """Thread-safe: the job stops at its next check and removes its work folder."""
        self._cancel.set()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel and wait for the pool (window close, tests)."""
        self.cancel()
        return self._pool.waitForDone(timeout_ms)

    @Slot(str, float)
    def _on_task_progressed(self, stage: str, fraction: float) -> None:
        self.conversion_progressed.emit(stage, fraction)

    @Slot(str, str, str, str)
    def _on_task_finished(self, source: str, target: str, outcome: str, message: str) -> None:
        self._running = None
        if outcome == "converted":
            self.model_converted.emit(source, target)
        else:
            self.conversion_failed.emit(source, outcome, message)
