"""`MainStatusBar`: the loaded model, the context used, the last answer's speed, and the memory
this app uses (refreshed every couple of seconds)."""
# Its sentences keep the main window's translation context (they moved out of it), so the
# translations made for them still apply.

from __future__ import annotations

import psutil
from PySide6.QtCore import QCoreApplication, QTimer, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from engine.sizes import format_size

MEMORY_REFRESH_MS = 2000


class MainStatusBar(QStatusBar):
    """No signals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status_model = QLabel(QCoreApplication.translate("MainWindow", "No model"), self)
        self.status_context = QLabel(self)
        self.status_speed = QLabel(self)
        self.status_memory = QLabel(self)
        self.status_context.setToolTip(
            QCoreApplication.translate(
                "MainWindow", "Tokens the last answer used of the model's context"
            )
        )
        self.status_speed.setToolTip(
            QCoreApplication.translate("MainWindow", "Speed of the last answer")
        )
        self.status_memory.setToolTip(
            QCoreApplication.translate("MainWindow", "Memory this app uses, the model included")
        )
        self.addWidget(self.status_model, 1)
        for label in (self.status_context, self.status_speed, self.status_memory):
            self.addPermanentWidget(label)
        self.memory_timer = QTimer(self)
        self.memory_timer.setInterval(MEMORY_REFRESH_MS)
        self.memory_timer.timeout.connect(self._on_memory_timer_timeout)
        self.memory_timer.start()
        self._on_memory_timer_timeout()
        self.show_context(0, 0)

    def show_context(self, used: int, available: int) -> None:
        if available:
            self.status_context.setText(
                QCoreApplication.translate("MainWindow", "Context {used:,} / {available:,}").format(
                    used=used, available=available
                )
            )
        else:
            self.status_context.setText(QCoreApplication.translate("MainWindow", "Context –"))

    def show_speed(self, tokens_per_s: float) -> None:
        if tokens_per_s > 0:
            self.status_speed.setText(
                QCoreApplication.translate("MainWindow", "{speed:.1f} tokens/s").format(
                    speed=tokens_per_s
                )
            )

    @Slot()
    def _on_memory_timer_timeout(self) -> None:
        try:
            rss = psutil.Process().memory_info().rss
        except psutil.Error:
            return
        self.status_memory.setText(
            QCoreApplication.translate("MainWindow", "{size} in use").format(size=format_size(rss))
        )
