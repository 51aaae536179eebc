"""Light and dark themes: the palette follows Settings.theme (and the OS on "system")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.chat.markdown import DARK, LIGHT
from app.core.settings import Settings
from app.theme import ThemeController, is_dark, make_palette


def window_lightness(app: QApplication) -> int:
    return app.palette().color(QPalette.ColorRole.Window).lightness()


@pytest.fixture
def theme(qapp: QApplication) -> Iterator[ThemeController]:
    """A controller on the test's QApplication; the style and palette come back after."""
    style, palette = qapp.style().name(), qapp.palette()
    controller = ThemeController(qapp, "system")
    yield controller
    controller.deleteLater()
    qapp.setStyle(style)
    qapp.setPalette(palette)


def test_dark_applies_a_dark_palette(theme: ThemeController, qapp: QApplication) -> None:
    theme.apply("dark")
    assert window_lightness(qapp) < 128
    assert qapp.palette().color(QPalette.ColorRole.Text).lightness() > 128
    assert qapp.style().name().lower() == "fusion"


def test_light_applies_a_light_palette(theme: ThemeController, qapp: QApplication) -> None:
    theme.apply("dark")
    theme.apply("light")
    assert window_lightness(qapp) >= 128


def test_system_follows_the_os_scheme(theme: ThemeController, qapp: QApplication) -> None:
    theme.apply("system")
    assert (window_lightness(qapp) < 128) == is_dark("system")


def test_unknown_themes_mean_system(theme: ThemeController) -> None:
    theme.apply("purple")
    assert theme.theme == "system"


def test_changed_settings_switch_the_theme(theme: ThemeController, qapp: QApplication) -> None:
    theme.apply_settings(Settings(theme="dark"))
    assert window_lightness(qapp) < 128
    theme.apply_settings(Settings(theme="light"))
    assert window_lightness(qapp) >= 128


def test_palettes_keep_text_readable() -> None:
    for dark in (False, True):
        palette = make_palette(dark)
        base = palette.color(QPalette.ColorRole.Base).lightness()
        text = palette.color(QPalette.ColorRole.Text).lightness()
        assert abs(base - text) > 150


def test_the_chat_renders_code_in_dark_colours_after_a_switch(
    theme: ThemeController, qtbot, qapp: QApplication
) -> None:  # type: ignore[no-untyped-def]
    from app.chat.chat_view import ChatView
    from app.chat.controller import ChatController
    from app.core import paths
    from app.core.conversations import ConversationStore
    from app.engine_bridge.client import EngineClient
    from engine.backends.scripted import ScriptedBackend, scripted_factory
    from engine.session import Engine

    theme.apply("light")
    store = ConversationStore(paths.database_path())
    client = EngineClient(Engine(backend_factory=scripted_factory(ScriptedBackend())))
    controller = ChatController(store, client, Settings())
    try:
        view = ChatView(controller)
        qtbot.addWidget(view)
        assert view._renderer.palette == LIGHT
        theme.apply("dark")
        qtbot.waitUntil(lambda: view._renderer.palette == DARK, timeout=2000)
    finally:
        controller.shutdown()
        client.shutdown()
        store.close()
