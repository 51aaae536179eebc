"""The first-run card: recommends a MiniCPM model for this PC while only the bundled starter
is installed, until the person downloads it or says "Not now" (remembered in the data dir)."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.core.models.errors import DownloadError
from app.core.models.queue import dismiss_first_run, first_run_dismissed
from app.core.models.store import ModelStore
from app.models.manager import DownloadManager
from app.words.downloads import error_text
from engine.sizes import format_size


def should_offer_first_run(manager: DownloadManager, models: ModelStore) -> bool:
    if first_run_dismissed(manager.data_dir) or manager.recommended_variant() is None:
        return False
    if manager.items():
        return False  # a download was started already
    return all(model.bundled for model in models.list())


class FirstRunBanner(QFrame):
    """A small, non-blocking card. Signals:
    download_started(str item_id)   # the recommended model was queued
    dismissed()                     # "Not now"
    """

    download_started = Signal(str)
    dismissed = Signal()

    def __init__(
        self, manager: DownloadManager, models: ModelStore, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._manager = manager
        self._variant = manager.recommended_variant()
        variant = self._variant
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        if variant is not None:
            self.label.setText(
                self.tr("Recommended for this PC: {name} ({quant}, {size})").format(
                    name=variant.entry.display_name,
                    quant=variant.file.quantization,
                    size=format_size(variant.file.size_bytes),
                )
            )
        self.download_button = QPushButton(self.tr("Download"), self)
        self.download_button.setObjectName("firstRunDownload")
        self.not_now_button = QPushButton(self.tr("Not now"), self)
        self.not_now_button.setObjectName("firstRunNotNow")
        self.download_button.clicked.connect(self._on_download_button_clicked)
        self.not_now_button.clicked.connect(self._on_not_now_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.download_button)
        layout.addWidget(self.not_now_button)
        manager.offline_changed.connect(self._on_manager_offline_changed)
        manager.model_installed.connect(self._on_manager_model_installed)
        self._on_manager_offline_changed(manager.offline)
        # Kept apart from isHidden(): a toolbar shows and hides the widgets it holds itself.
        self.wanted = should_offer_first_run(manager, models)
        self.setVisible(self.wanted)

    @Slot()
    def _on_download_button_clicked(self) -> None:
        if self._variant is None:
            return
        try:
            item_id = self._manager.enqueue(self._variant)
        except DownloadError as exc:
            self.label.setText(error_text(exc))
            return
        self._withdraw()
        self.download_started.emit(item_id)

    @Slot()
    def _on_not_now_button_clicked(self) -> None:
        with contextlib.suppress(OSError):  # then it shows again next time; nothing worse
            dismiss_first_run(self._manager.data_dir)
        self._withdraw()
        self.dismissed.emit()

    @Slot(bool)
    def _on_manager_offline_changed(self, offline: bool) -> None:
        self.download_button.setEnabled(not offline)
        self.download_button.setToolTip(
            self.tr("Offline mode is on: turn it off in Settings to download models.")
            if offline
            else ""
        )

    @Slot(str)
    def _on_manager_model_installed(self, _path: str) -> None:
        self._withdraw()

    def _withdraw(self) -> None:
        self.wanted = False
        self.hide()
