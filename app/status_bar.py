"""`MainStatusBar`: the loaded model (and how OpenVINO computes with it), the context used, the
last answer's speed, the memory this app uses (refreshed every couple of seconds), and the local
API's address while it runs."""
# Its sentences keep the main window's translation context (they moved out of it), so the
# translations made for them still apply.

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import psutil
from PySide6.QtCore import QCoreApplication, QTimer, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from engine.sizes import format_size
from engine.types import GenerationStats, LoadedModel

MEMORY_REFRESH_MS = 2000


def bf16_unavailable(asked_precision: str, loaded: LoadedModel) -> bool:
    """Fast (bf16) was asked for, but the plugin compiled f32: this CPU has no bf16."""
    return asked_precision == "bf16" and loaded.precision.startswith("f32")


def precision_note(asked_precision: str, loaded: LoadedModel) -> str:
    """How the loaded model computes; "" when the backend does not say."""
    if not loaded.precision:
        return ""
    if loaded.precision.startswith("KV "):  # llama.cpp says only a quantized KV cache
        return QCoreApplication.translate(
            "MainWindow", "llama.cpp keeps the KV cache in {type}, half the memory of f16."
        ).format(type=loaded.precision.removeprefix("KV "))
    if bf16_unavailable(asked_precision, loaded):
        return QCoreApplication.translate(
            "MainWindow",
            "This CPU has no bf16 arithmetic, so OpenVINO computes in exact f32 instead.",
        )
    return QCoreApplication.translate("MainWindow", "OpenVINO computes in {precision}.").format(
        precision=loaded.precision
    )


def sparse_note(loaded: LoadedModel) -> str:
    """When OpenVINO reads a prompt with sparse prefill; "" when attention is always dense."""
    if not loaded.sparse_threshold:
        return ""
    return QCoreApplication.translate(
        "MainWindow",
        "Prompts longer than {count} tokens are read with sparse prefill (faster; the end of "
        "the prompt still sees all of it).",
    ).format(count=f"{loaded.sparse_threshold:,}")


class MainStatusBar(QStatusBar):
    """No signals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status_model = QLabel(QCoreApplication.translate("MainWindow", "No model"), self)
        self.status_context = QLabel(self)
        self.status_speed = QLabel(self)
        self.status_memory = QLabel(self)
        self.status_api = QLabel(self)
        self.status_api.setObjectName("statusApi")
        self.status_api.setVisible(False)
        self._api_url = ""
        self._api_answering = False
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
        labels = (self.status_api, self.status_context, self.status_speed, self.status_memory)
        for label in labels:
            self.addPermanentWidget(label)
        self.memory_timer = QTimer(self)
        self.memory_timer.setInterval(MEMORY_REFRESH_MS)
        self.memory_timer.timeout.connect(self._on_memory_timer_timeout)
        self.memory_timer.start()
        self._on_memory_timer_timeout()
        self._context_used = 0
        self._context_available = 0  # 0 while no model is loaded
        self._show_context()

    def show_loading(self, name: str) -> None:
        self.status_model.setText(
            QCoreApplication.translate("MainWindow", "Loading {name}…").format(name=name)
        )
        self._context_available = 0
        self._show_context()

    def show_loaded(self, name: str, loaded: LoadedModel, precision_note: str) -> None:
        """ "Name · backend · device · precision", the precision explained in the tooltip."""
        parts = [name, loaded.backend, loaded.device]
        if loaded.precision:
            parts.append(loaded.precision)
        self.status_model.setText(" · ".join(parts))
        notes = [note for note in (precision_note, sparse_note(loaded)) if note]
        self.status_model.setToolTip("\n".join(notes))
        self._context_used = 0
        self._context_available = loaded.context_length
        self._show_context()

    def show_load_failed(self) -> None:
        self.status_model.setText(
            QCoreApplication.translate("MainWindow", "The model could not be loaded")
        )
        self._context_available = 0

    def show_load_notes(self, text: str) -> None:
        """Why the model was loaded otherwise than asked (a fallback), kept in the tooltip."""
        self.status_model.setToolTip(text)

    def show_importing(self, models: Sequence[Path]) -> None:
        self.status_model.setText(
            QCoreApplication.translate("MainWindow", "Importing {name}…").format(
                name=", ".join(path.name for path in models)
            )
        )

    def show_context_streamed(self, tokens: int) -> None:
        """The context an answer uses while it streams: its prompt and its text so far."""
        self._context_used = tokens
        self._show_context()

    def show_answer(self, stats: GenerationStats) -> None:
        """The context the last answer used, and its speed. Stats that counted nothing (an
        answer stopped before it started) leave the figure shown while it streamed."""
        if stats.prompt_tokens or stats.generated_tokens:
            self._context_used = stats.prompt_tokens + stats.generated_tokens
        self._show_context()
        self.show_speed(stats.decode_tokens_per_s)

    def _show_context(self) -> None:
        used, available = self._context_used, self._context_available
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

    @Slot(str)
    def show_api(self, url: str) -> None:
        """The local API listens at `url`."""
        self._api_url = url
        self._api_answering = False
        self._show_api()

    @Slot()
    def hide_api(self) -> None:
        """The local API is off."""
        self._api_url = ""
        self._api_answering = False
        self._show_api()

    @Slot()
    def show_api_answering(self) -> None:
        """An API request is being answered (the same model as the chat, one at a time)."""
        self._api_answering = True
        self._show_api()

    @Slot()
    def show_api_idle(self) -> None:
        self._api_answering = False
        self._show_api()

    def _show_api(self) -> None:
        url = self._api_url
        self.status_api.setVisible(bool(url))
        if not url:
            return
        if self._api_answering:
            text = QCoreApplication.translate("MainWindow", "API answering…")
        else:
            text = QCoreApplication.translate("MainWindow", "API: {url}").format(url=url)
        self.status_api.setText(text)
        self.status_api.setToolTip(
            QCoreApplication.translate(
                "MainWindow",
                "The local OpenAI-compatible API is on: programs can use the loaded model at "
                "{url}. Its answers wait for the chat's and the chat's for them. "
                "Settings → Local API turns it off.",
            ).format(url=url)
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
