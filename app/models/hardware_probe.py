"""`HardwareProber`: runs the slow accelerator probe (OpenVINO devices, CUDA) off the GUI
thread and hands the result back on it, for the catalog's fit and "Runs best on" advice. The
probe itself is the engine's (engine.accelerators.probe_accelerators); the composition root
passes it in, so this feature names only the engine's plain values."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.core.tasks import TaskOutcome, TaskState
from app.tasks import TaskRunner
from engine.machine import Hardware

log = logging.getLogger(__name__)

Probe = Callable[[], Hardware]


class HardwareProber(QObject):
    """Probes once, as a task (importing openvino can take seconds, nvidia-smi may hang up to
    its timeout); the runner's threads are daemons, so a slow probe never holds up quitting.
    Signals:
    hardware_probed(Hardware)   # on the GUI thread; not emitted if the probe failed
    """

    hardware_probed = Signal(object)

    def __init__(
        self,
        probe: Probe,
        parent: QObject | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._probe = probe
        self._runner = runner or TaskRunner("hardware-probe", parent=self)
        self._runner.task_finished.connect(self._on_runner_task_finished)
        self._task_id: int | None = None

    @Slot()
    def start(self) -> None:
        if self._task_id is not None:
            return  # once per run: what the machine has does not change
        # The task holds the probe, not the prober: a prober deleted meanwhile is safe.
        self._task_id = self._runner.start(partial(_run, self._probe))

    @Slot(int, object)
    def _on_runner_task_finished(self, task_id: int, outcome: TaskOutcome[Any]) -> None:
        if task_id != self._task_id:
            return  # another service's task on a shared runner
        if outcome.error is not None:  # the probes should not raise; keep the cheap figures
            log.error("the accelerator probe failed", exc_info=outcome.error)
        elif outcome.result is not None:
            self.hardware_probed.emit(outcome.result)


def _run(probe: Probe, _state: TaskState) -> Hardware:
    return probe()
