"""Drives the real app, started through main.py's own entry point, through a first run: start-up,
one chat on each backend in turn (the second chosen in the Settings dialog), the Models window
and the accelerator probe. tests/app/test_privacy.py runs it in a child under a socket audit.

    python tests/app/privacy_drive.py RESULT.json

The backend of the first chat comes from settings.json; the second is the other one. The
result file says what happened, so the test knows the run really went through every step.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

import app.application as application
import main
from app.main_window import MainWindow
from engine.types import GenerationStats, LoadedModel

QUESTION = "What is the capital of France?"
OTHER_BACKEND = {"llama": "openvino", "openvino": "llama"}
DEADLINE_MS = 150_000


class Driver(QObject):
    """Plays a person at the window: each step starts when the app says the last one ended."""

    def __init__(
        self, services: application.Services, window: MainWindow, result_path: Path
    ) -> None:
        super().__init__(window)
        self._services = services
        self._window = window
        self._result_path = result_path
        self._chats_left = 2
        self.result: dict[str, object] = {
            "loaded": [],
            "answers": [],
            "settings_opened": False,
            "models_opened": False,
            "hardware_probed": None,
            "errors": [],
            "finished": False,
        }
        services.client.model_loaded.connect(self._on_client_model_loaded)
        services.client.load_failed.connect(self._on_client_load_failed)
        services.controller.answer_finished.connect(self._on_controller_answer_finished)
        services.controller.error_occurred.connect(self._on_controller_error_occurred)
        assert services.hardware_prober is not None
        # run_app starts the probe itself a moment after start-up; the driver only waits.
        services.hardware_prober.hardware_probed.connect(self._on_prober_hardware_probed)
        QTimer.singleShot(DEADLINE_MS, self._on_deadline)

    @Slot(int, object)
    def _on_client_model_loaded(self, _request_id: int, loaded: LoadedModel) -> None:
        self._list("loaded").append(loaded.backend)
        edit = self._window.chat.composer.edit
        edit.setFocus()
        QTest.keyClicks(edit, QUESTION)
        QTest.keyClick(edit, Qt.Key.Key_Return)

    @Slot(int, object)
    def _on_controller_answer_finished(self, _message_id: int, stats: GenerationStats) -> None:
        self._list("answers").append(
            {"backend": stats.backend, "generated_tokens": stats.generated_tokens}
        )
        self._chats_left -= 1
        if self._chats_left:
            # Sleep a turn, so the window takes the answer in before the dialog opens.
            QTimer.singleShot(0, self._switch_backend_in_settings)
        else:
            QTimer.singleShot(0, self._open_models)

    @Slot()
    def _switch_backend_in_settings(self) -> None:
        dialog = self._window.open_settings()
        self.result["settings_opened"] = True
        combo = dialog.model_page.backend
        current = str(self._services.settings.current.backend)
        combo.setCurrentIndex(combo.findData(OTHER_BACKEND[current]))
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.click()  # the keeper saves settings.json; the model reloads on the other backend

    @Slot()
    def _open_models(self) -> None:
        dialog = self._window.open_models_window()
        self.result["models_opened"] = dialog is not None and dialog.isVisible()
        QTimer.singleShot(500, self._finish_when_probed)

    @Slot()
    def _finish_when_probed(self) -> None:
        if self.result["hardware_probed"] is None:
            QTimer.singleShot(200, self._finish_when_probed)
            return
        self.result["finished"] = True
        self._write()
        QApplication.closeAllWindows()  # the last window closed ends app.exec()

    @Slot(object)
    def _on_prober_hardware_probed(self, hardware: object) -> None:
        devices = getattr(hardware, "openvino_devices", ())
        self.result["hardware_probed"] = [device.id for device in devices]

    @Slot(int, object)
    def _on_client_load_failed(self, _request_id: int, message: object) -> None:
        self._fail(f"load failed: {message}")

    @Slot(str)
    def _on_controller_error_occurred(self, message: str) -> None:
        self._fail(f"chat failed: {message}")

    @Slot()
    def _on_deadline(self) -> None:
        self._fail("the run did not finish in time")

    def _fail(self, message: str) -> None:
        self._list("errors").append(message)
        self._write()
        QApplication.exit(1)

    def _list(self, key: str) -> list[object]:
        value = self.result[key]
        assert isinstance(value, list)
        return value

    def _write(self) -> None:
        self._result_path.write_text(json.dumps(self.result), encoding="utf-8")


def drive(result_path: Path) -> int:
    build_main_window = application.build_main_window

    def build_and_drive(services: application.Services) -> MainWindow:
        window = build_main_window(services)
        Driver(services, window, result_path)  # the window owns it
        return window

    # run_app looks the name up when it runs, so the real start-up builds a driven window.
    application.build_main_window = build_and_drive
    return main.main([])


if __name__ == "__main__":
    raise SystemExit(drive(Path(sys.argv[1])))
