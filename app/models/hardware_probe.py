"""`HardwareProber`: runs the slow accelerator probe (OpenVINO devices, CUDA) off the GUI
thread and hands the result back on it, for the catalog's fit and "Runs best on" advice."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core.models.hardware import Hardware, probe_accelerators

log = logging.getLogger(__name__)

Probe = Callable[[], Hardware]


class _Relay(QObject):
    """Parentless carrier for the probe thread's result. The thread emits on it; the prober's
    slot runs on the GUI thread (queued). If the prober is gone by then, the connection went
    with it and nothing is delivered. Signals:
    probed(Hardware)
    """

    probed = Signal(object)


class HardwareProber(QObject):
    """Probes once, on a daemon thread (importing openvino can take seconds, nvidia-smi may
    hang up to its timeout); a daemon so a slow probe never holds up quitting. Signals:
    hardware_probed(Hardware)   # on the GUI thread
    """

    hardware_probed = Signal(object)

    def __init__(self, probe: Probe = probe_accelerators, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._probe = probe
        self._relay = _Relay()
        self._relay.probed.connect(self._on_relay_probed, Qt.ConnectionType.QueuedConnection)
        self._thread: threading.Thread | None = None

    @Slot()
    def start(self) -> None:
        if self._thread is not None:
            return
        # The thread holds the relay (not the prober), so a prober deleted meanwhile is safe.
        self._thread = threading.Thread(
            target=partial(_run, self._probe, self._relay), name="hardware-probe", daemon=True
        )
        self._thread.start()

    @Slot(object)
    def _on_relay_probed(self, hardware: Hardware) -> None:
        self.hardware_probed.emit(hardware)


def _run(probe: Probe, relay: _Relay) -> None:
    try:
        hardware = probe()
    except Exception:  # the probes should not raise; if one does, keep the cheap figures
        log.exception("the accelerator probe failed")
        return
    relay.probed.emit(hardware)
