"""The real main window on a scripted backend, for the attachment and context-policy tests.
Import `chat_app` into a test module to use the fixture."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.application import Services, build_main_window, build_services
from app.chat.composer import DraftChip
from app.chat.message_widget import MessageWidget
from app.core.settings import Settings
from app.main_window import MainWindow
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.model_info import ModelInfo
from engine.session import Engine
from engine.types import LoadRequest

STARTER = Path(__file__).resolve().parents[3] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"


class ContextBackend(ScriptedBackend):
    """Loads with the context the request asks for (as the real backends do) and remembers
    every load request."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.requests: list[LoadRequest] = []

    def load(self, info: ModelInfo, request: LoadRequest) -> None:
        super().load(info, request)
        self.requests.append(request)
        self._context_length = request.n_ctx


@dataclass
class ChatApp:
    window: MainWindow
    services: Services
    backend: ContextBackend
    qtbot: object

    def chips(self) -> list[DraftChip]:
        return self.window.chat.composer.chip_widgets()

    def chip_texts(self) -> list[str]:
        return [chip.label.text() for chip in self.chips()]

    def message_widgets(self) -> list[MessageWidget]:
        return self.window.chat.transcript.message_widgets()

    def type(self, text: str) -> None:
        edit = self.window.chat.composer.edit
        edit.setFocus()
        edit.setPlainText(text)

    def send_and_wait(self, text: str) -> None:
        self.type(text)
        with self.qtbot.waitSignal(  # type: ignore[attr-defined]
            self.services.controller.answer_finished, timeout=10_000
        ):
            self.qtbot.keyClick(self.window.chat.composer.edit, Qt.Key.Key_Return)  # type: ignore[attr-defined]

    def wait_for_chips(self, count: int, counted: bool = True) -> None:
        """Until `count` chips show (each with its token count, when `counted`)."""

        def ready() -> bool:
            texts = self.chip_texts()
            return len(texts) == count and (not counted or all("tokens" in t for t in texts))

        self.qtbot.waitUntil(ready, timeout=30_000)  # type: ignore[attr-defined]


@pytest.fixture
def chat_app(qtbot) -> Iterator[Callable[..., ChatApp]]:  # type: ignore[no-untyped-def]
    made: list[ChatApp] = []

    def make(
        replies: list[str] | None = None,
        *,
        settings: Settings | None = None,
        delay_s: float = 0.0,
    ) -> ChatApp:
        backend = ContextBackend(replies or ["Hello! How can I help?"], delay_s=delay_s)
        services = build_services(Engine(backend_factory=scripted_factory(backend)), settings)
        window = build_main_window(services)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        app = ChatApp(window, services, backend, qtbot)
        made.append(app)
        with qtbot.waitSignal(services.client.model_loaded, timeout=5000):
            services.client.load(services.settings.current.load_request(STARTER))
        return app

    yield make
    for app in made:
        app.services.shutdown()
