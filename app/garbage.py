"""Python's cyclic garbage collector, run on the GUI thread only.

The collector runs in whichever thread happens to allocate when a generation's threshold is
passed. When that is a worker thread (the engine worker parsing a GGUF, a download) and the
garbage holds Qt objects that belong to the GUI thread, their C++ destructors run on the wrong
thread and Qt crashes: a segfault was seen in the engine worker, "Garbage-collecting" while it
read a model's header after the Settings dialog closed. So automatic collection is switched off
and the GUI thread collects on a timer, with the interpreter's own thresholds (the usual PyQt
remedy). Reference counting still frees everything that is not in a cycle at once.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

CHECK_INTERVAL_MS = 500


def collect_due() -> int:
    """Collects the oldest generation whose count passed its threshold, as the interpreter
    would have; returns the objects found unreachable (0 when nothing was due)."""
    thresholds = gc.get_threshold()
    counts = gc.get_count()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            return gc.collect(generation)
    return 0


class GuiGarbageCollector(QObject):
    """Turns automatic collection off and collects from the GUI thread's event loop. No
    signals. Lives as long as its parent (the main window)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_INTERVAL_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        collect_due()
