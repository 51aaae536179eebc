"""Importing (file picker, drag and drop) and deleting models in the Models window, and drops
onto the main window (imported through the same `ModelLibrary`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from app.application import Services, build_main_window, build_services
from app.core import paths
from app.core.models.store import IMPORTED_DIR, ModelStore
from app.main_window import MainWindow
from app.models.converter import ModelConverter
from app.models.importer import ModelImporter
from app.models.installed_view import InstalledModelsView
from app.models.library import ModelLibrary
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.session import Engine
from resources import bundled_models_dir
from tests.engine.gguf_factory import write_llama_gguf

STARTER = Path(__file__).resolve().parents[3] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
BROKEN = b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 40


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


def imported_dir() -> Path:
    return paths.models_dir() / IMPORTED_DIR


def make_library() -> ModelLibrary:
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    return ModelLibrary(store, ModelImporter(store), ModelConverter(store.models_dir))


def make_page(qtbot) -> InstalledModelsView:  # type: ignore[no-untyped-def]
    """The Models window's list of installed models, as the window shows it."""
    library = make_library()
    page = InstalledModelsView(library)
    library.setParent(page)
    qtbot.addWidget(page)
    return page


def names(page: InstalledModelsView) -> list[str]:
    return page.names()


@pytest.fixture
def window(qtbot) -> Iterator[tuple[MainWindow, Services]]:  # type: ignore[no-untyped-def]
    backend = ScriptedBackend(["Hi."])
    services = build_services(Engine(backend_factory=scripted_factory(backend)))
    main = build_main_window(services)
    qtbot.addWidget(main)
    main.show()
    with qtbot.waitSignal(services.client.model_loaded, timeout=5000):
        services.client.load(STARTER)
    yield main, services
    services.library.wait()
    services.shutdown()


# -- import ------------------------------------------------------------------------------------


def test_importing_a_valid_gguf_lists_and_selects_it(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = write_llama_gguf(tmp_path / "my-model.gguf")
    page = make_page(qtbot)
    with qtbot.waitSignal(page.library.model_imported, timeout=10000):
        page.import_model(source)
    assert (imported_dir() / "my-model.gguf").read_bytes() == source.read_bytes()
    assert "my-model" in names(page)
    selected = page.selected_model()
    assert selected is not None and selected.name == "my-model"
    assert "Imported my-model.gguf" in page.manage_status.text()


def test_the_import_button_uses_a_file_dialog(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    source = write_llama_gguf(tmp_path / "picked.gguf")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *args, **kwargs: (str(source), ""))
    )
    page = make_page(qtbot)
    with qtbot.waitSignal(page.library.model_imported, timeout=10000):
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    assert "picked" in names(page)


def test_a_broken_file_is_refused_and_nothing_is_copied(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(BROKEN)
    page = make_page(qtbot)
    before = names(page)
    with qtbot.waitSignal(page.library.import_failed, timeout=10000) as failed:
        page.import_model(broken)
    assert failed.args[0] == str(broken)
    assert "broken.gguf was not imported" in page.manage_status.text()
    assert names(page) == before
    assert not imported_dir().exists() or list(imported_dir().iterdir()) == []
    assert page.import_button.isEnabled()


def drop(window: QWidget, path: Path) -> tuple[QDragEnterEvent, QDropEvent]:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    if enter.isAccepted():
        QApplication.sendEvent(window, event)
    return enter, event


def test_dropping_a_gguf_on_the_window_imports_it(window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    main, services = window
    source = write_llama_gguf(tmp_path / "dropped.gguf")
    with qtbot.waitSignal(services.library.model_imported, timeout=10000):
        enter, event = drop(main, source)
        assert enter.isAccepted() and event.isAccepted()
    assert (imported_dir() / "dropped.gguf").is_file()
    assert "dropped" in [m.name for m in services.models.list()]
    assert "Imported dropped" in main.chat.banner.text()


def test_dropping_a_broken_file_reports_it(window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    main, services = window
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(BROKEN)
    with qtbot.waitSignal(services.library.import_failed, timeout=10000):
        drop(main, broken)
    assert "broken.gguf was not imported" in main.chat.banner.text()
    assert not (imported_dir() / "broken.gguf").exists()


def test_other_files_are_not_accepted_as_drops(window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    main, _services = window
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    enter, _event = drop(main, text)
    assert not enter.isAccepted()
    enter, _event = drop(main.open_models_window(), text)
    assert not enter.isAccepted()


def test_dropping_a_gguf_on_the_models_window_imports_and_lists_it(
    window, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    main, services = window
    models = main.open_models_window()
    source = write_llama_gguf(tmp_path / "onto-models.gguf")
    with qtbot.waitSignal(services.library.model_imported, timeout=10000):
        enter, event = drop(models, source)
        assert enter.isAccepted() and event.isAccepted()
    assert models.tabs.currentWidget() is models.installed
    assert "onto-models" in models.installed.names()
    assert "Imported onto-models.gguf" in models.installed.manage_status.text()


def test_an_import_shows_in_the_open_settings_picker(window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    main, services = window
    dialog = main.open_settings()
    combo = dialog.model_page.model
    with qtbot.waitSignal(services.library.model_imported, timeout=10000):
        drop(main, write_llama_gguf(tmp_path / "fresh.gguf"))
    assert combo.findData("fresh") >= 0
    assert dialog.edited_settings().model == services.settings.current.model  # untouched
    dialog.reject()


# -- delete ------------------------------------------------------------------------------------


def installed(tmp_path: Path, name: str = "spare") -> Path:
    target = imported_dir() / f"{name}.gguf"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_llama_gguf(target)
    return target


def answer(monkeypatch, button: QMessageBox.StandardButton) -> list[str]:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *args: object) -> object:
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def test_delete_asks_then_removes_the_files(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    target = installed(tmp_path)
    page = make_page(qtbot)
    assert page.select("spare")
    assert page.delete_button.isEnabled()

    asked = answer(monkeypatch, QMessageBox.StandardButton.No)
    assert not page.delete_selected_model()
    assert asked and "spare" in asked[0]
    assert target.is_file()

    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert not target.exists()
    assert not imported_dir().exists()  # the emptied folder went too
    assert "spare" not in names(page)
    assert page.manage_status.text() == "Deleted spare."


def test_the_bundled_starter_cannot_be_deleted(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    page = make_page(qtbot)
    assert page.select("SmolLM2-135M-Instruct.Q4_1")
    assert not page.delete_button.isEnabled()
    assert not page.delete_selected_model()
    assert asked == []
    assert "comes with the app" in page.manage_status.text()
    assert STARTER.is_file()


def test_the_model_in_use_is_not_deleted(window, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    main, services = window
    target = installed(tmp_path, "busy")
    with qtbot.waitSignal(services.client.model_loaded, timeout=5000):
        services.client.load(target)
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    page = main.open_models_window().installed
    assert page.select("busy")
    assert not page.delete_button.isEnabled()
    assert not page.delete_selected_model()
    assert asked == []
    assert "in use" in page.manage_status.text()
    assert target.is_file()
    # Once another model is loaded, it can go.
    with qtbot.waitSignal(services.client.model_loaded, timeout=5000):
        services.client.load(STARTER)
    assert page.delete_selected_model()
    assert not target.exists()


def test_use_this_model_loads_it_and_remembers_the_choice(window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    main, services = window
    installed(tmp_path, "chosen")
    page = main.open_models_window().installed
    services.library.models_changed.emit()  # as a finished import or download announces it
    assert page.select("chosen")
    assert page.use_button.isEnabled()
    with qtbot.waitSignal(services.client.model_loaded, timeout=5000) as loaded:
        qtbot.mouseClick(page.use_button, Qt.MouseButton.LeftButton)
    assert loaded.args[1].info.path.name == "chosen.gguf"
    assert services.settings.current.model == "chosen"  # saved: the next start loads it too
    qtbot.waitUntil(lambda: not page.use_button.isEnabled())  # now in use


def test_the_chosen_model_is_described_by_what_tells_models_apart(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = make_page(qtbot)
    assert page.select("SmolLM2-135M-Instruct.Q4_1")
    facts = page.details.text().splitlines()[0]
    assert facts.startswith("GGUF file · llama · ")
    assert "8,192-token context" in facts and "MB" in facts


def test_the_cli_and_the_page_share_one_import(tmp_path: Path) -> None:
    source = write_llama_gguf(tmp_path / "shared.gguf")
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    target, info = store.import_model(source)
    assert target == imported_dir() / "shared.gguf"
    assert info.format == "gguf"
    model = store.find("shared")
    assert model is not None
    store.remove(model)
    assert store.find("shared") is None


def test_removing_a_model_forgets_how_it_was_loaded(tmp_path: Path) -> None:
    """For the Models window and `models rm` alike: removing forgets the remembered load."""
    from app.core.models.remembered import RememberedLoads
    from app.core.settings import Settings

    store = ModelStore(paths.models_dir(), bundled_models_dir())
    target, _info = store.import_model(write_llama_gguf(tmp_path / "gone.gguf"))
    asked = Settings().load_request(target)
    RememberedLoads().remember(asked, asked)
    model = store.find("gone")
    assert model is not None
    store.remove(model)
    assert RememberedLoads()._read() == {}
