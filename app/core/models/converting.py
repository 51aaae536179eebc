"""Preparing a MiniCPM GGUF for Intel CPU / GPU / NPU: the background job, without Qt.

The work is `engine.convert.job.convert_gguf` (llama.cpp requantization for int4 / int8, the
OpenVINO graph, verification against llama.cpp, registration by rename only after it passed).
`run` hands it the task's cancel flag (the job checks it between stages and layers and removes
its work folder when it stops) and turns its per-stage progress into a fraction of the whole
run. `app.models.converter` runs it on a `TaskRunner`. The engine modules load lazily: they
pull in numpy, gguf and OpenVINO.
"""

from __future__ import annotations

import errno
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from app.core.models.store import InstalledModel
from app.core.tasks import TaskState
from engine.errors import EngineError
from engine.openvino_support import openvino_can_run, openvino_rebuilds

VERIFICATION_FILE = "verification.json"  # engine.convert.verify.VERIFICATION_FILE
# Stages convert_gguf reports, in order, with the share of the whole run each one ends at.
STAGES = {
    "requantize": 0.25,
    "build": 0.5,
    "save": 0.6,
    "verify": 0.95,
    "register": 1.0,
}

# How a conversion that did not register a model ended (ModelConverter.conversion_failed).
CANCELLED = "cancelled"
REJECTED = "rejected"  # verification against llama.cpp failed
DISK_FULL = "disk"
FAILED = "failed"


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
    """An installed, readable GGUF file the converter builds: MiniCPM4 / 4.1 (architecture
    `minicpm`), or a Llama-architecture file OpenVINO can run (its int4 / int8 conversion is
    the faster layout on a CPU: docs/benchmarks.md)."""
    if model is None or model.info is None or model.error or model.info.format != "gguf":
        return False
    info = model.info
    return info.architecture == "minicpm" or (
        openvino_rebuilds(info.architecture) and openvino_can_run(info)[0]
    )


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


def overall_fraction(stage: str, fraction: float) -> float:
    """A stage's own fraction as a fraction of the whole run (STAGES), 0..1."""
    keys = list(STAGES)
    start = STAGES[keys[keys.index(stage) - 1]] if stage in keys[1:] else 0.0
    end = STAGES.get(stage, start)
    return start + (end - start) * min(max(fraction, 0.0), 1.0)


def run(source: Path, root: Path, name: str, weights: str, state: TaskState) -> Path:
    """Converts, verifies and registers `source` as `root/name`; returns that folder.

    Raises what `convert_gguf` raises: `ConversionCancelled` once `state` was cancelled,
    `VerificationFailedError`, `OSError`, `EngineError`; nothing is registered then and the
    work folder is gone.
    """
    from engine.convert.job import convert_gguf

    def should_stop() -> bool:
        return state.cancelled

    def on_progress(stage: str, fraction: float) -> None:
        state.report(stage, overall_fraction(stage, fraction))

    state.check()
    result = convert_gguf(
        source, root, name, weights, should_stop=should_stop, on_progress=on_progress
    )
    return result.folder


def failure_outcome(error: Exception) -> str:
    """CANCELLED, REJECTED, DISK_FULL or FAILED: how `run`'s error is shown."""
    from engine.convert.gguf_to_openvino import ConversionCancelled
    from engine.convert.job import VerificationFailedError

    if isinstance(error, ConversionCancelled):
        return CANCELLED
    if isinstance(error, VerificationFailedError):
        return REJECTED
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DISK_FULL
    return FAILED


def is_expected(error: Exception) -> bool:
    """Whether `error` is one the job raises on purpose (its message is for the person);
    anything else is a bug."""
    return isinstance(error, (EngineError, OSError))
