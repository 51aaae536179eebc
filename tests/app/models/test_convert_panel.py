"""Preparing a MiniCPM GGUF for OpenVINO from the Models window's "Installed" tab, driven like a
person would: the estimate, the progress bar and Cancel, the status line, the verification in
the list, the default weights, and nothing listed when it fails (engine.convert underneath).

These are the Settings Model page's conversion tests, moved with the feature: the page now only
chooses which model loads; `ConvertPanel` inside `InstalledModelsView` prepares models.
"""

from __future__ import annotations

import errno
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from app.core import paths
from app.core.models.store import CONVERTED_DIR, ModelStore
from app.models.convert_panel import ConvertPanel, verification_text
from app.models.converter import ModelConverter
from app.models.importer import ModelImporter
from app.models.installed_view import InstalledModelsView
from app.models.library import ModelLibrary
from app.models.window import ModelsWindow
from engine.convert import gguf_to_openvino, job
from engine.errors import EngineError
from resources import bundled_models_dir
from tests.engine.convert.convert_models import scramble_embeddings, write_tied_minicpm
from tests.engine.gguf_factory import write_llama_gguf

SOURCE = "MiniCPM4.1-tiny-tied-F16"
CONVERTED = f"{SOURCE}-ov"


@pytest.fixture(scope="module")
def tied_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tied_minicpm(tmp_path_factory.mktemp("source"))


def make_library() -> ModelLibrary:
    """As app.application.build_services builds it."""
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    return ModelLibrary(store, ModelImporter(store), ModelConverter(store.models_dir))


@pytest.fixture
def window(
    qtbot: QtBot, tied_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ModelsWindow]:
    """The Models window of a fresh data dir with the tied MiniCPM GGUF in models/downloads/.
    Built from a `ModelLibrary` as MainWindow.open_models_window builds it (no downloads)."""
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))
    downloads = paths.models_dir() / "downloads"
    downloads.mkdir(parents=True)
    shutil.copy2(tied_source, downloads / tied_source.name)
    library = make_library()
    window = ModelsWindow(library, None)
    qtbot.addWidget(window)
    window.show()
    yield window
    assert library.shutdown(30000)


def view_of(window: ModelsWindow) -> InstalledModelsView:
    return window.installed


def panel_of(window: ModelsWindow) -> ConvertPanel:
    return window.installed.convert


def library_of(window: ModelsWindow) -> ModelLibrary:
    return window.installed.library


def select(window: ModelsWindow, name: str, weights: str = "keep") -> None:
    assert view_of(window).select(name), name
    # The F16 test model defaults to int8 (an f16 model needs ~4x its size on CPU); these
    # tests convert it as it is, which is exact and fast.
    combo = panel_of(window).convert_weights
    combo.setCurrentIndex(combo.findData(weights))


def click(qtbot: QtBot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def converted_root() -> Path:
    return paths.models_dir() / CONVERTED_DIR


def answer_yes(monkeypatch: pytest.MonkeyPatch, asked: list[str]) -> None:
    def question(_parent: object, _title: str, text: str, *args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))


def statuses(window: ModelsWindow) -> list[str]:
    """Every sentence the panel puts on the window's status line from now on."""
    seen: list[str] = []
    panel_of(window).status_changed.connect(seen.append)
    return seen


def test_prepare_shows_the_estimate_converts_and_lists_the_verified_model(
    qtbot: QtBot, window: ModelsWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    view, panel, library = view_of(window), panel_of(window), library_of(window)
    select(window, SOURCE)
    assert panel.prepare_button.isEnabled() and panel.convert_weights.isEnabled()
    assert panel.conversion_progress.isHidden() and panel.cancel_conversion_button.isHidden()
    asked: list[str] = []
    answer_yes(monkeypatch, asked)
    said = statuses(window)
    fractions: list[float] = []
    library.conversion_progressed.connect(lambda _stage, fraction: fractions.append(fraction))
    with qtbot.waitSignal(library.conversion_finished, timeout=120000) as done:
        click(qtbot, panel.prepare_button)
        assert panel.conversion_progress.isVisible()
        assert panel.cancel_conversion_button.isVisible()
        assert panel.cancel_conversion_button.isEnabled()
        assert not panel.prepare_button.isEnabled() and not panel.convert_weights.isEnabled()
    # The estimate came first: what it becomes, time, disk and memory.
    assert len(asked) == 1
    assert CONVERTED in asked[0] and "Weights as in the file (exact)" in asked[0]
    assert "min" in asked[0] and "temporary disk" in asked[0] and "memory" in asked[0]
    target = Path(done.args[1])
    assert target == converted_root() / CONVERTED
    assert fractions and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert panel.conversion_progress.isHidden() and panel.cancel_conversion_button.isHidden()
    assert panel.conversion_progress.value() == 0  # the next conversion starts from empty
    # The status line followed the stages, then said how the result was checked.
    assert said[0] == f"Preparing {SOURCE} for OpenVINO…"
    assert f"Preparing {SOURCE} for OpenVINO: building the OpenVINO model…" in said
    assert f"Preparing {SOURCE} for OpenVINO: checking against llama.cpp…" in said
    status = view.manage_status.text()
    assert status == said[-1]
    assert status.startswith(f"Prepared {CONVERTED}. Verified against llama.cpp (keep)")
    assert "top-1 agreement 100.0%" in status and "Choose it in Settings → Model." in status
    # Listed, chosen, and its verification shown in the list's tooltip and the details.
    selected = view.selected_model()
    assert selected is not None and selected.name == CONVERTED
    assert view.models.currentItem().text() == CONVERTED
    tip = view.models.currentItem().toolTip()
    assert "Verified against llama.cpp (keep): top-1 agreement 100.0%" in tip
    assert "tokenizer identical" in tip
    assert "top-1 agreement 100.0%" in view.details.text()
    assert not panel.prepare_button.isEnabled()  # an OpenVINO folder cannot be prepared again
    assert "Only an installed MiniCPM or Llama GGUF file" in panel.prepare_button.toolTip()
    # The source is listed as it was, and can be prepared again (with other weights).
    select(window, SOURCE, "int8")
    assert panel.prepare_button.isEnabled()


def test_declining_the_estimate_starts_nothing(
    qtbot: QtBot, window: ModelsWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel, library = panel_of(window), library_of(window)
    select(window, SOURCE)
    asked: list[str] = []

    def no(_parent: object, _title: str, text: str, *args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(no))
    with qtbot.assertNotEmitted(library.conversion_started):
        click(qtbot, panel.prepare_button)
        assert not view_of(window).prepare_selected_model()
    assert len(asked) == 2  # the estimate was shown each time
    assert library.converting is None and not converted_root().exists()
    assert panel.conversion_progress.isHidden() and panel.cancel_conversion_button.isHidden()
    assert panel.prepare_button.isEnabled()


def test_an_unreadable_estimate_is_shown_and_starts_nothing(
    qtbot: QtBot, window: ModelsWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(*_args: object) -> object:
        raise EngineError("bad header")

    monkeypatch.setattr(job, "estimate", unreadable)
    asked: list[str] = []
    answer_yes(monkeypatch, asked)
    select(window, SOURCE)
    assert not view_of(window).prepare_selected_model()
    assert asked == []  # no estimate to show, nothing to ask
    assert view_of(window).manage_status.text() == f"{SOURCE} cannot be prepared: bad header"
    assert library_of(window).converting is None and not converted_root().exists()


def test_cancel_leaves_nothing_registered(
    qtbot: QtBot, window: ModelsWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    view, panel, library = view_of(window), panel_of(window), library_of(window)
    select(window, SOURCE)
    answer_yes(monkeypatch, [])
    real = gguf_to_openvino.matrix_from_gguf

    def cancel_while_building(*args: object, **kwargs: object) -> object:
        library.cancel_conversion()  # the thread-safe flag, as the Cancel button sets it
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gguf_to_openvino, "matrix_from_gguf", cancel_while_building)
    with qtbot.waitSignal(library.conversion_failed, timeout=60000) as failed:
        assert view.prepare_selected_model()
        assert panel.cancel_conversion_button.isVisible()
    assert failed.args[1] == "cancelled"
    assert view.manage_status.text() == f"Preparing {SOURCE} was cancelled; nothing was added."
    assert list(converted_root().iterdir()) == []
    assert CONVERTED not in view.names()
    assert panel.prepare_button.isEnabled()
    assert panel.conversion_progress.isHidden() and panel.cancel_conversion_button.isHidden()


def test_the_cancel_button_stops_the_conversion(
    qtbot: QtBot, window: ModelsWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    view, panel, library = view_of(window), panel_of(window), library_of(window)
    building = threading.Event()
    release = threading.Event()
    real = gguf_to_openvino.matrix_from_gguf

    def held(*args: object, **kwargs: object) -> object:
        building.set()
        release.wait(60)  # until the test has clicked Cancel
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gguf_to_openvino, "matrix_from_gguf", held)
    select(window, SOURCE)
    answer_yes(monkeypatch, [])
    try:
        with qtbot.waitSignal(library.conversion_failed, timeout=60000) as failed:
            click(qtbot, panel.prepare_button)
            qtbot.waitUntil(building.is_set, timeout=60000)
            # A second Models window opened now shows the conversion running too.
            second = ModelsWindow(library, None)
            qtbot.addWidget(second)
            second.show()
            other = panel_of(second)
            assert view_of(second).select(SOURCE)
            assert other.conversion_progress.isVisible()
            assert other.cancel_conversion_button.isEnabled()
            assert not other.prepare_button.isEnabled()
            click(qtbot, panel.cancel_conversion_button)
            assert not panel.cancel_conversion_button.isEnabled()  # clicked once is enough
            assert view.manage_status.text() == "Cancelling…"
            release.set()
    finally:
        release.set()
    assert failed.args[1] == "cancelled"
    assert "cancelled; nothing was added" in view.manage_status.text()
    assert list(converted_root().iterdir()) == []
    assert other.conversion_progress.isHidden() and other.prepare_button.isEnabled()


def test_a_failed_verification_is_shown_and_not_registered(
    qtbot: QtBot, window: ModelsWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    view, library = view_of(window), library_of(window)
    scramble_embeddings(monkeypatch)
    select(window, SOURCE)
    answer_yes(monkeypatch, [])
    with qtbot.waitSignal(library.conversion_failed, timeout=120000) as failed:
        assert view.prepare_selected_model()
    assert failed.args[1] == "rejected"
    assert re.search(r"agrees with llama.cpp on 1?\d% of tokens", failed.args[2])
    status = view.manage_status.text()
    assert "disagrees with llama.cpp" in status and failed.args[2] in status
    assert list(converted_root().iterdir()) == []
    assert CONVERTED not in view.names()


def test_out_of_disk_is_shown_and_not_registered(
    qtbot: QtBot, window: ModelsWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(job, "build_openvino_model", full)
    view, library = view_of(window), library_of(window)
    select(window, SOURCE)
    answer_yes(monkeypatch, [])
    with qtbot.waitSignal(library.conversion_failed, timeout=60000) as failed:
        assert view.prepare_selected_model()
    assert failed.args[1] == "disk"
    assert "ran out of disk space" in view.manage_status.text()
    assert list(converted_root().iterdir()) == []
    assert panel_of(window).prepare_button.isEnabled()


def test_a_quantized_file_keeps_its_blocks_by_default(
    qtbot: QtBot, window: ModelsWindow, tied_source: Path
) -> None:
    from tests.engine.convert.convert_models import llama_quantize

    view, panel, library = view_of(window), panel_of(window), library_of(window)
    quantized = paths.models_dir() / "downloads" / "MiniCPM4.1-tiny-Q8_0.gguf"
    llama_quantize(tied_source, quantized, "Q8_0")
    library.add_installed(str(quantized))  # as a finished download announces it
    assert view.select("MiniCPM4.1-tiny-Q8_0")
    assert panel.convert_weights.currentData() == "keep"
    panel.convert_weights.setCurrentIndex(panel.convert_weights.findData("int4"))
    # The list is filled again (e.g. after a conversion ends): the person's choice stays.
    library.add_installed(str(quantized))
    assert view.selected_model() is not None
    assert view.selected_model().name == "MiniCPM4.1-tiny-Q8_0"  # type: ignore[union-attr]
    assert panel.convert_weights.currentData() == "int4"
    assert view.select(SOURCE)
    assert panel.convert_weights.currentData() == "int8"


def test_only_ggufs_the_converter_builds_can_be_prepared(
    qtbot: QtBot, window: ModelsWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MiniCPM4 / 4.1, and Llama GGUFs OpenVINO runs (the starter: its int4 conversion is the
    faster layout); not a file OpenVINO cannot run (F32 matrices)."""
    view, panel, library = view_of(window), panel_of(window), library_of(window)
    asked: list[str] = []
    answer_yes(monkeypatch, asked)
    f32 = write_llama_gguf(paths.models_dir() / "downloads" / "f32-llama.gguf", weight_type="F32")
    library.add_installed(str(f32))
    assert view.select("f32-llama")
    assert not panel.prepare_button.isEnabled() and not panel.convert_weights.isEnabled()
    assert panel.prepare_button.toolTip() == (
        "Only an installed MiniCPM or Llama GGUF file that OpenVINO can run can be prepared"
    )
    assert not view.prepare_selected_model()
    assert asked == [] and library.converting is None
    assert view.select("SmolLM2-135M-Instruct.Q4_1")  # the bundled starter
    assert panel.prepare_button.isEnabled() and panel.convert_weights.isEnabled()
    select(window, SOURCE)
    assert panel.prepare_button.isEnabled()
    assert "checked against llama.cpp" in panel.prepare_button.toolTip()


def test_the_verification_sentence_reads_the_verification_file() -> None:
    data: dict[str, object] = {
        "weights": "int8",
        "top1_agreement": 0.9871,
        "threshold": 0.9,
        "max_abs_logit_diff": 0.51234,
        "mean_abs_logit_diff": 0.01234,
        "tokenizer_matches": False,
    }
    assert verification_text(data) == (
        "Verified against llama.cpp (int8): top-1 agreement 98.7% (needed 90%), "
        "max logit difference 0.512, mean 0.0123, tokenizer differs"
    )
    # A file from another version lacks numbers: the sentence still reads, with "nan".
    assert "top-1 agreement nan%" in verification_text({"tokenizer_matches": True})


def test_a_conversion_outlives_the_models_window_and_the_main_window_cancels_it(
    qtbot: QtBot, tied_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the app builds it: closing the Models window leaves the conversion running, opening it
    again shows it, and closing the main window cancels it with nothing registered."""
    from app.application import build_main_window, build_services
    from engine.backends.scripted import ScriptedBackend, scripted_factory
    from engine.session import Engine

    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))
    downloads = paths.models_dir() / "downloads"
    downloads.mkdir(parents=True)
    shutil.copy2(tied_source, downloads / tied_source.name)
    building = threading.Event()
    release = threading.Event()
    real = gguf_to_openvino.matrix_from_gguf

    def held(*args: object, **kwargs: object) -> object:
        building.set()
        release.wait(60)  # until the main window has been closed
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gguf_to_openvino, "matrix_from_gguf", held)
    answer_yes(monkeypatch, [])
    services = build_services(Engine(backend_factory=scripted_factory(ScriptedBackend())))
    try:
        main = build_main_window(services)
        qtbot.addWidget(main)
        main.show()
        models = main.open_models_window()
        assert view_of(models).library is services.library
        select(models, SOURCE)
        with qtbot.waitSignal(services.library.conversion_failed, timeout=60000) as failed:
            click(qtbot, panel_of(models).prepare_button)
            qtbot.waitUntil(building.is_set, timeout=60000)
            models.close()
            assert main.open_models_window() is models
            assert panel_of(models).conversion_progress.isVisible()
            assert panel_of(models).cancel_conversion_button.isEnabled()
            main.close()
            release.set()
        assert failed.args[1] == "cancelled"
        assert list(converted_root().iterdir()) == []
    finally:
        release.set()
        assert services.library.shutdown(30000)
        services.shutdown()
