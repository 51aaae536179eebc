"""Preparing a MiniCPM GGUF for OpenVINO from the Model page: estimate, progress, cancel,
verification numbers, and nothing registered when it fails (engine.convert underneath)."""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.core import paths
from app.core.models.store import CONVERTED_DIR, ModelStore
from app.core.settings import Settings
from app.settings.pages import ModelPage
from engine.convert import gguf_to_openvino, job
from resources import bundled_models_dir
from tests.engine.convert.convert_models import scramble_embeddings, write_tied_minicpm
from tests.engine.gguf_factory import write_llama_gguf

SOURCE = "MiniCPM4.1-tiny-tied-F16"


@pytest.fixture(scope="module")
def tied_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tied_minicpm(tmp_path_factory.mktemp("source"))


@pytest.fixture
def page(qtbot, tied_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The Model page of a fresh data dir with the tied MiniCPM GGUF in models/downloads/."""
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))
    downloads = paths.models_dir() / "downloads"
    downloads.mkdir(parents=True)
    shutil.copy2(tied_source, downloads / tied_source.name)
    page = ModelPage(ModelStore(paths.models_dir(), bundled_models_dir()))
    qtbot.addWidget(page)
    page.load(Settings())
    yield page
    page._converter.shutdown()


def select(page: ModelPage, name: str) -> None:
    row = page.model.findData(name)
    assert row >= 0, name
    page.model.setCurrentIndex(row)
    # The F16 test model defaults to int8 (an f16 model needs ~4x its size on CPU); these
    # tests convert it as it is, which is exact and fast.
    page.convert_weights.setCurrentIndex(page.convert_weights.findData("keep"))


def converted_root() -> Path:
    return paths.models_dir() / CONVERTED_DIR


def answer_yes(monkeypatch: pytest.MonkeyPatch, asked: list[str]) -> None:
    def question(_parent: object, _title: str, text: str, *args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))


def test_prepare_shows_the_estimate_converts_and_lists_the_verified_model(  # type: ignore[no-untyped-def]
    qtbot, page: ModelPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    select(page, SOURCE)
    assert page.prepare_button.isEnabled()
    assert page.conversion_progress.isHidden() and page.cancel_conversion_button.isHidden()
    asked: list[str] = []
    answer_yes(monkeypatch, asked)
    fractions: list[float] = []
    page._converter.conversion_progressed.connect(lambda _s, f: fractions.append(f))
    with qtbot.waitSignal(page._converter.model_converted, timeout=120000) as done:
        page.prepare_button.click()
        assert not page.conversion_progress.isHidden()
        assert not page.prepare_button.isEnabled()
    # The estimate came first: time, disk and memory.
    assert "min" in asked[0] and "temporary disk" in asked[0] and "memory" in asked[0]
    target = Path(done.args[1])
    assert target == converted_root() / f"{SOURCE}-ov"
    assert fractions and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert page.conversion_progress.isHidden()
    # Listed, chosen, and its verification shown in the list's tooltip and the status line.
    assert page.model.currentData() == f"{SOURCE}-ov"
    tip = page.model.itemData(page.model.currentIndex(), 3)  # ToolTipRole
    assert "Verified against llama.cpp (keep): top-1 agreement 100.0%" in tip
    assert "top-1 agreement" in page.manage_status.text()
    assert not page.prepare_button.isEnabled()  # an OpenVINO folder cannot be prepared again


def test_declining_the_estimate_starts_nothing(  # type: ignore[no-untyped-def]
    page: ModelPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    select(page, SOURCE)
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a: QMessageBox.StandardButton.No)
    )
    assert not page.prepare_selected_model()
    assert not page._converter.busy and not converted_root().exists()


def test_cancel_leaves_nothing_registered(  # type: ignore[no-untyped-def]
    qtbot, page: ModelPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    select(page, SOURCE)
    answer_yes(monkeypatch, [])
    real = gguf_to_openvino.matrix_from_gguf

    def cancel_while_building(*args: object, **kwargs: object) -> object:
        page._converter.cancel()  # the thread-safe flag, as the Cancel button sets it
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gguf_to_openvino, "matrix_from_gguf", cancel_while_building)
    with qtbot.waitSignal(page._converter.conversion_failed, timeout=60000) as failed:
        assert page.prepare_selected_model()
        assert page.cancel_conversion_button.isVisible() or page.isHidden()
    assert failed.args[1] == "cancelled"
    assert "cancelled; nothing was added" in page.manage_status.text()
    assert list(converted_root().iterdir()) == []
    assert f"{SOURCE}-ov" not in [page.model.itemData(r) for r in range(page.model.count())]
    assert page.prepare_button.isEnabled()


def test_the_cancel_button_sets_the_flag(qtbot, page: ModelPage) -> None:  # type: ignore[no-untyped-def]
    page._converter._running = Path("x.gguf")  # as if running
    page._show_conversion(True)
    page.cancel_conversion_button.click()
    assert page._converter._cancel.is_set()
    assert not page.cancel_conversion_button.isEnabled()
    page._converter._running = None


def test_a_failed_verification_is_shown_and_not_registered(  # type: ignore[no-untyped-def]
    qtbot, page: ModelPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    scramble_embeddings(monkeypatch)
    select(page, SOURCE)
    answer_yes(monkeypatch, [])
    with qtbot.waitSignal(page._converter.conversion_failed, timeout=120000) as failed:
        page.prepare_selected_model()
    assert failed.args[1] == "rejected"
    assert "disagrees with llama.cpp" in page.manage_status.text()
    assert re.search(r"agrees with llama.cpp on 1?\d% of tokens", failed.args[2])
    assert list(converted_root().iterdir()) == []


def test_out_of_disk_is_shown_and_not_registered(  # type: ignore[no-untyped-def]
    qtbot, page: ModelPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(job, "build_openvino_model", full)
    select(page, SOURCE)
    answer_yes(monkeypatch, [])
    with qtbot.waitSignal(page._converter.conversion_failed, timeout=60000) as failed:
        page.prepare_selected_model()
    assert failed.args[1] == "disk"
    assert "ran out of disk space" in page.manage_status.text()
    assert list(converted_root().iterdir()) == []


def test_a_quantized_file_keeps_its_blocks_by_default(  # type: ignore[no-untyped-def]
    qtbot, page: ModelPage, tied_source: Path
) -> None:
    from tests.engine.convert.convert_models import llama_quantize

    quantized = paths.models_dir() / "downloads" / "MiniCPM4.1-tiny-Q8_0.gguf"
    llama_quantize(tied_source, quantized, "Q8_0")
    page._refill_models()
    page.model.setCurrentIndex(page.model.findData("MiniCPM4.1-tiny-Q8_0"))
    assert page.convert_weights.currentData() == "keep"
    page.convert_weights.setCurrentIndex(page.convert_weights.findData("int4"))
    page._update_model_buttons()  # e.g. after a conversion ends: the person's choice stays
    assert page.convert_weights.currentData() == "int4"
    page.model.setCurrentIndex(page.model.findData(SOURCE))
    assert page.convert_weights.currentData() == "int8"


def test_only_minicpm_ggufs_can_be_prepared(qtbot, page: ModelPage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_llama_gguf(paths.models_dir() / "downloads" / "plain-llama.gguf")
    page._refill_models()
    select(page, "plain-llama")
    assert not page.prepare_button.isEnabled()
    assert not page.prepare_selected_model()
    select(page, SOURCE)
    assert page.prepare_button.isEnabled()
