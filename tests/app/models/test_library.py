"""`ModelLibrary`: one place lists, imports, deletes and converts models, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core import paths
from app.core.models.store import IMPORTED_DIR, ModelStore
from app.models.converter import ModelConverter
from app.models.importer import ModelImporter
from app.models.library import ModelLibrary
from resources import bundled_models_dir
from tests.engine.gguf_factory import write_llama_gguf


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    made = ModelLibrary(store, ModelImporter(store), ModelConverter(store.models_dir))
    yield made
    made.shutdown()


def test_an_import_is_announced_as_added_and_listed(
    qtbot, library: ModelLibrary, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = write_llama_gguf(tmp_path / "fresh.gguf")
    target = paths.models_dir() / IMPORTED_DIR / "fresh.gguf"
    with (
        qtbot.waitSignal(library.import_started) as started,
        qtbot.waitSignal(library.model_added) as added,
        qtbot.waitSignal(library.models_changed),
        qtbot.waitSignal(library.model_imported, timeout=10000) as imported,
    ):
        library.import_model(source)
    assert started.args == [str(source)]
    assert added.args == [str(target)]
    assert imported.args == [str(source), str(target)]
    assert "fresh" in [model.name for model in library.models()]


def test_a_refused_import_adds_nothing(qtbot, library: ModelLibrary, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\xff" * 40)
    with (
        qtbot.assertNotEmitted(library.models_changed),
        qtbot.waitSignal(library.import_failed, timeout=10000) as failed,
    ):
        library.import_model(broken)
    assert failed.args[0] == str(broken)
    assert not library.importing


def test_delete_is_announced_and_in_use_is_tracked(qtbot, library: ModelLibrary) -> None:  # type: ignore[no-untyped-def]
    path = paths.models_dir() / IMPORTED_DIR / "spare.gguf"
    path.parent.mkdir(parents=True)
    write_llama_gguf(path)
    model = library.find(path)
    assert model is not None and not library.is_in_use(model)
    with qtbot.waitSignal(library.in_use_changed):
        library.set_in_use(path)
    assert library.is_in_use(model) and library.in_use == path
    with qtbot.assertNotEmitted(library.in_use_changed):
        library.set_in_use(path)  # the same model again: nothing changed
    with (
        qtbot.waitSignal(library.model_removed) as removed,
        qtbot.waitSignal(library.models_changed),
    ):
        library.delete(model)
    assert removed.args == [str(path)]
    assert library.find(path) is None


def test_a_download_feeds_the_library(qtbot, library: ModelLibrary) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(library.model_added) as added, qtbot.waitSignal(library.models_changed):
        library.add_installed("/models/downloaded.gguf")
    assert added.args == ["/models/downloaded.gguf"]


def test_the_library_owns_its_importer_and_converter(library: ModelLibrary) -> None:
    children = library.children()
    assert any(isinstance(child, ModelImporter) for child in children)
    assert any(isinstance(child, ModelConverter) for child in children)
    assert library.converting is None
