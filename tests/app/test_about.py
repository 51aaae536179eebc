"""AboutDialog: version, the app's license, the components' and the starter model's licenses,
the data folder, the icon; opened from the main window's About action (F1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QLabel

from app.about import AboutDialog
from app.application import Services, build_main_window, build_services
from app.core import paths
from app.core.licenses import Component, Licenses, read_licenses
from app.core.version import app_version
from app.main_window import MainWindow
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.session import Engine
from resources import app_icon_path


def _dialog(qtbot, licenses: Licenses | None = None, data_dir: Path = Path("/data")) -> AboutDialog:  # type: ignore[no-untyped-def]
    dialog = AboutDialog("1.2.3", licenses or read_licenses(), data_dir)
    qtbot.addWidget(dialog)
    return dialog


def _texts(dialog: AboutDialog) -> list[str]:
    return [label.text() for label in dialog.findChildren(QLabel)]


def test_the_version_the_app_license_and_the_data_folder_are_shown(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, data_dir=tmp_path)
    assert dialog.windowTitle() == "About MiniCPM Chat"
    assert dialog.version_label.text() == "Version 1.2.3"
    texts = _texts(dialog)
    assert "MiniCPM Chat" in texts
    assert any("Apache-2.0" in text and "MiniCPM Chat" in text for text in texts)
    assert str(tmp_path) in dialog.data_dir_label.text()


def test_the_bundled_components_are_listed_with_their_licenses(qtbot) -> None:  # type: ignore[no-untyped-def]
    rows = {name: (version, license) for name, version, license in _dialog(qtbot).component_rows()}
    assert rows["llama-cpp-python"][1] == "MIT"
    assert rows["openvino"][1] == "Apache-2.0"
    assert rows["openvino-genai"][1] == "Apache-2.0"
    assert rows["PySide6-Essentials"][1].startswith("LGPL-3.0-only")
    assert rows["Qt"][1] == "LGPL-3.0-only"
    assert all(version and license for version, license in rows.values())


def test_the_starter_model_and_its_license_are_named_with_a_link(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot)
    label = dialog.model_label
    assert "SmolLM2-135M-Instruct" in label.text() and "Apache-2.0" in label.text()
    assert 'href="https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct"' in label.text()
    assert label.openExternalLinks()


def test_an_unreadable_list_is_said_and_odd_text_is_shown_as_typed(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "<b>chats</b>"
    model = Component("<i>m</i>", "1", "MIT", "javascript:alert(1)")
    dialog = _dialog(qtbot, Licenses((), (model,), readable=False), folder)
    assert "The list of bundled components could not be read." in _texts(dialog)
    assert dialog.component_rows() == []
    assert dialog.data_dir_label.textFormat() == Qt.TextFormat.PlainText
    assert "&lt;i&gt;m&lt;/i&gt;" in dialog.model_label.text()
    assert "href" not in dialog.model_label.text()  # only web links are made clickable


def test_the_icon_is_the_apps(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot)
    icon = dialog.findChild(QLabel, "aboutIcon")
    assert icon is not None and not icon.pixmap().isNull()
    assert app_icon_path().is_file()


# -- from the main window ----------------------------------------------------------------------


@pytest.fixture
def services(qtbot) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    built = build_services(Engine(backend_factory=scripted_factory(ScriptedBackend(["Hi."]))))
    yield built
    built.shutdown()


@pytest.fixture
def window(qtbot, services: Services) -> MainWindow:  # type: ignore[no-untyped-def]
    made = build_main_window(services)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made


@pytest.fixture
def app_icon() -> Iterator[QIcon]:
    """The icon run_app sets on the application, put back afterwards."""
    previous = QApplication.windowIcon()
    icon = QIcon(str(app_icon_path()))
    QApplication.setWindowIcon(icon)
    yield icon
    QApplication.setWindowIcon(previous)


def test_f1_opens_the_about_dialog_with_the_apps_version(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert window.toolbar.about_action in window.toolbar.actions()
    assert window.about_action.shortcut().toString() == "F1"
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.about_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.version_label.text() == f"Version {app_version()}"
    assert str(paths.data_dir()) in dialog.data_dir_label.text()
    assert any(row[0] == "llama-cpp-python" for row in dialog.component_rows())
    window.about_action.trigger()
    assert window.about_dialog is dialog  # one at a time
    dialog.close()
    qtbot.waitUntil(lambda: window.about_dialog is None)


def test_the_about_dialog_and_the_models_window_inherit_the_app_icon(  # type: ignore[no-untyped-def]
    window: MainWindow, app_icon: QIcon
) -> None:
    about = window.open_about()
    models = window.open_models_window()
    for shown in (window, about, models):
        assert shown.windowIcon().cacheKey() == app_icon.cacheKey(), shown.objectName()
    about.close()
    models.close()
