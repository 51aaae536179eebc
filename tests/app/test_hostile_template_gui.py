"""Issue 15 in the window: Stop and Esc end a chat template that is still rendering, and the
Model page refuses to import a model whose template hangs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.application import Services, build_main_window, build_services
from app.core import paths
from app.core.models.store import IMPORTED_DIR, ModelStore
from app.core.settings import Settings
from app.main_window import MainWindow
from app.models.converter import ModelConverter
from app.models.importer import ModelImporter
from app.models.installed_view import InstalledModelsView
from app.models.library import ModelLibrary
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.session import Engine
from engine.template_limits import RenderLimits
from resources import bundled_models_dir
from tests.engine.gguf_factory import CHATML_TEMPLATE, write_llama_gguf

FOREVER = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
# Passes the load check (its sample conversation), then never ends for a message saying SLOW.
SLOW_WHEN_ASKED = (
    "{% if 'SLOW' in messages[-1]['content'] %}" + FOREVER + "{% endif %}" + CHATML_TEMPLATE
)


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


def a_template_is_rendering() -> bool:
    """Whether some thread runs a template's own code (Jinja compiles it to "<template>")."""
    for frame in sys._current_frames().values():
        while frame is not None:
            if frame.f_code.co_filename == "<template>":
                return True
            frame = frame.f_back  # type: ignore[assignment]
    return False


@pytest.fixture
def slow_window(qtbot, tmp_path: Path) -> Iterator[tuple[MainWindow, Services]]:  # type: ignore[no-untyped-def]
    # A time limit no test waits for: only Stop can end the render.
    engine = Engine(
        backend_factory=scripted_factory(ScriptedBackend(["Never said."])),
        render_limits=RenderLimits(time_s=120),
    )
    services = build_services(engine, Settings(system_prompt=""))
    window = build_main_window(services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    model = write_llama_gguf(tmp_path / "slow.gguf", chat_template=SLOW_WHEN_ASKED)
    with qtbot.waitSignal(services.client.model_loaded, timeout=10000):
        services.client.load(model)
    yield window, services
    services.shutdown()


def send_slow_message(window: MainWindow, services: Services, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Sent as the model loads again, so no context check renders it first: the answer's own
    render hangs."""
    loaded = services.client.loaded_model
    assert loaded is not None
    services.client.load(loaded.info)
    edit = window.chat.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, "SLOW please")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(a_template_is_rendering, timeout=5000)
    assert window.chat.composer.send.text() == "Stop"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("how", ["escape", "button"])
def test_stop_ends_a_template_that_is_still_rendering(
    how: str, slow_window: tuple[MainWindow, Services], qtbot
) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: the answer sat at "Waiting for the model…"; Esc and Stop did nothing."""
    window, services = slow_window
    send_slow_message(window, services, qtbot)
    stopping: Callable[[], None] = (
        (lambda: qtbot.keyClick(window.chat.composer.edit, Qt.Key.Key_Escape))
        if how == "escape"
        else window.chat.composer.send.click
    )
    start = time.monotonic()
    with qtbot.waitSignal(services.controller.answer_finished, timeout=2000):
        stopping()
    assert time.monotonic() - start < 1.0
    assert not a_template_is_rendering()
    stored = services.store.active_path(services.store.list_conversations()[0].id)[-1]
    assert stored.complete and stored.content == ""
    assert stored.stats is not None and stored.stats["finish_reason"] == "stopped"
    assert window.chat.composer.send.text() == "Send"
    # The model still answers.
    edit = window.chat.composer.edit
    qtbot.keyClicks(edit, "Hello")
    with qtbot.waitSignal(services.controller.answer_finished, timeout=5000):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    answer = services.store.active_path(services.store.list_conversations()[0].id)[-1]
    assert answer.content == "Never said."


@pytest.mark.timeout(60)
def test_stop_ends_the_context_check_of_a_hanging_template(  # type: ignore[no-untyped-def]
    slow_window: tuple[MainWindow, Services], qtbot
) -> None:
    """Before a question is sent its prompt is measured, which renders the template: Stop ends
    that too, nothing is sent, and the question stays in the composer."""
    window, services = slow_window
    edit = window.chat.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, "SLOW please")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(a_template_is_rendering, timeout=5000)
    assert window.chat.composer.send.text() == "Stop"
    start = time.monotonic()
    with qtbot.waitSignal(services.controller.busy_changed, timeout=2000):
        qtbot.keyClick(edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not a_template_is_rendering(), timeout=2000)
    assert time.monotonic() - start < 1.5
    assert services.store.list_conversations() == []
    assert window.chat.composer.text() == "SLOW please"
    assert window.chat.composer.send.text() == "Send"
    # The model still answers.
    edit.clear()
    qtbot.keyClicks(edit, "Hello")
    with qtbot.waitSignal(services.controller.answer_finished, timeout=5000):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    answer = services.store.active_path(services.store.list_conversations()[0].id)[-1]
    assert answer.content == "Never said."


@pytest.mark.timeout(60)
def test_the_models_window_refuses_to_import_a_hanging_template(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hostile = write_llama_gguf(tmp_path / "hostile.gguf", chat_template=FOREVER + CHATML_TEMPLATE)
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    library = ModelLibrary(store, ModelImporter(store), ModelConverter(store.models_dir))
    page = InstalledModelsView(library)
    library.setParent(page)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.library.import_failed, timeout=15000) as failed:
        page.import_model(hostile)
    assert failed.args[0] == str(hostile)
    assert "chat template ran for more than 2 seconds" in failed.args[1]
    assert "hostile.gguf was not imported" in page.manage_status.text()
    imported = paths.models_dir() / IMPORTED_DIR
    assert not imported.exists() or list(imported.iterdir()) == []
