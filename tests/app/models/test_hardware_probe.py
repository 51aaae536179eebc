"""`HardwareProber` on a task runner: probes once, off the GUI thread; a failing probe is
logged and emits nothing."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from app.models.hardware_probe import HardwareProber
from app.tasks import TaskRunner
from engine.machine import Hardware


def test_probes_once_off_the_gui_thread(qtbot: QtBot) -> None:
    threads: list[int] = []
    hardware = Hardware(16 * 10**9, 8 * 10**9, "Test CPU", frozenset({"avx2"}), 8)

    def probe() -> Hardware:
        threads.append(threading.get_ident())
        return hardware

    prober = HardwareProber(probe)
    with qtbot.waitSignal(prober.hardware_probed, timeout=5000) as probed:
        prober.start()
        prober.start()  # a second start is ignored
    assert probed.args == [hardware]
    assert threads and threading.get_ident() not in threads
    assert prober._runner.wait(5)
    assert len(threads) == 1


def test_a_failing_probe_emits_nothing(qtbot: QtBot) -> None:
    def broken() -> Hardware:
        raise RuntimeError("nvidia-smi crashed")

    runner = TaskRunner("probe")
    prober = HardwareProber(broken, runner=runner)
    probed: list[object] = []
    prober.hardware_probed.connect(probed.append)
    with qtbot.waitSignal(runner.task_finished, timeout=5000) as finished:
        prober.start()
    assert isinstance(finished.args[1].error, RuntimeError)
    assert probed == []
