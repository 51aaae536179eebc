"""The download manager window and the first-run card, driven like a person would, against
the local fake Hub (127.0.0.1 only)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QToolBar

from app.application import build_main_window, build_services, start_hardware_probe
from app.core import paths
from app.core.models.catalog import load_catalog
from app.core.models.queue import DONE, PAUSED, first_run_dismissed
from app.core.models.store import ModelStore, part_path
from app.core.settings import Settings
from app.i18n import install_translator
from app.models.banner import FirstRunBanner
from app.models.catalog_card import key_of
from app.models.catalog_view import DownloadPanel
from app.models.converter import ModelConverter
from app.models.hardware_probe import HardwareProber
from app.models.importer import ModelImporter
from app.models.library import ModelLibrary
from app.models.manager import DownloadManager
from app.models.queue_model import DETAIL_ROLE, STATE_ROLE
from app.models.window import ModelsWindow
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.machine import CudaGpu, Hardware, OpenVinoDevice
from engine.session import Engine
from engine.sizes import format_size
from installers.build_translations import build
from resources import bundled_models_dir
from tests import fakehub
from tests.app.core.models.test_queue import model_bytes
from tests.fakehub import FakeHub

fake_hub = fakehub.fake_hub

REPO = "openbmb/MiniCPM5-1B-GGUF"
NAME = "MiniCPM5-1B-Q4_K_M.gguf"
DATA = model_bytes(600_000, 2)  # a usable model: a download is checked like an import
GB = 10**9
PC = Hardware(16 * GB, 8 * GB, "Test CPU", frozenset({"avx2"}), 8)
ACCELERATED = replace(
    PC,
    openvino_devices=(
        OpenVinoDevice("CPU", "Test CPU"),
        OpenVinoDevice("GPU", "Test Arc", 16 * GB),
    ),
    cuda_offload=True,
    cuda_gpus=(CudaGpu("Test RTX", 24 * GB, 20 * GB),),
)


class ProbeStub:
    """Stands in for the slow accelerator probe and records the threads that called it."""

    def __init__(self, hardware: Hardware = ACCELERATED) -> None:
        self.hardware = hardware
        self.threads: list[int] = []

    def __call__(self) -> Hardware:
        self.threads.append(threading.get_ident())
        return self.hardware


MakePanel = Callable[..., DownloadPanel]


@pytest.fixture
def make_panel(qtbot, fake_hub: FakeHub) -> Iterator[MakePanel]:  # type: ignore[no-untyped-def]
    managers: list[DownloadManager] = []

    def make(hardware: Hardware = PC, **changes: object) -> DownloadPanel:
        settings = replace(
            Settings(hub_endpoint=fake_hub.url, download_sources="mirror"),
            **changes,  # type: ignore[arg-type]
        )
        manager = DownloadManager(settings, load_catalog(), hardware, token_provider=lambda: None)
        managers.append(manager)
        panel = DownloadPanel(manager, confirm=lambda _parent, _text: True)
        qtbot.addWidget(panel)
        panel.show()
        return panel

    yield make
    for manager in managers:
        manager.shutdown()
    managers.clear()
    gc.collect()  # free them (and their workers) now, not in the middle of a later test


def target() -> Path:
    return paths.models_dir() / "openbmb" / "MiniCPM5-1B-GGUF" / NAME


def click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def manager_of(panel: DownloadPanel) -> DownloadManager:
    return panel._manager


def test_catalog_shows_variants_badges_and_fit(make_panel: MakePanel) -> None:
    panel = make_panel(hardware=replace(PC, total_ram_bytes=7 * GB))
    first = panel.cards[0]
    assert first.title.text() == "MiniCPM5 1B"
    assert any("Recommended" in badge.text() for badge in first.badges)
    assert first.chooser.count() == len(first.variants())
    assert key_of(first.variant()) == (REPO, NAME)  # the default file is chosen
    ir = first.index_of(*ir_folder_of_first_entry(panel))
    assert "OpenVINO folder" in first.chooser.itemText(ir)
    row = first.index_of(REPO, NAME)
    assert first.chooser.itemText(row) == "Q4_K_M · 657 MB · GGUF · fits"
    tip = first.chooser.itemData(row, Qt.ItemDataRole.ToolTipRole)
    assert "Runs on: llama.cpp, OpenVINO" in tip and "Source: official, verified" in tip
    verdict, why = panel.fit_text(REPO, NAME)
    assert verdict == "fits"
    assert "KV cache at 4,096 tokens" in why
    assert panel.advice_text(REPO, NAME) == "llama · CPU"
    # The KV cache counts: MiniCPM4.1 8B at 65,536 tokens needs 5 GB + 2.15 GB of cache (too
    # large for 7 GB even with the 1.14 GB q8_0 cache "auto" counts where only that fits).
    panel.context.setCurrentIndex(panel.context.findData(65536))
    verdict, why = panel.fit_text("openbmb/MiniCPM4.1-8B-GGUF", "MiniCPM4.1-8B-Q4_K_M.gguf")
    assert verdict == "too large", why
    assert "2.15 GB KV cache at 65,536 tokens" in why
    eight_b = panel.card_of("openbmb/MiniCPM4.1-8B-GGUF", "MiniCPM4.1-8B-Q4_K_M.gguf")
    assert eight_b.verdict.text() == "Too large for this PC"
    assert eight_b.chooser.currentText().endswith("too large")
    entries = manager_of(panel).catalog.entries
    assert [card.entry for card in panel.cards] == list(entries)
    assert sum(card.chooser.count() for card in panel.cards) == sum(
        len(e.variants()) for e in entries
    )
    assert set(panel.download_buttons) == {e.id for e in entries}


def test_a_card_says_what_the_model_is_for_and_whether_it_fits(make_panel: MakePanel) -> None:
    panel = make_panel()
    card = panel.cards[0]
    entry = card.entry
    assert card.summary.text() == entry.summary("en") and card.summary.text()
    assert "Languages: Chinese, English" in card.facts.text()
    assert "Licence: Apache 2.0" in card.facts.text()
    assert "Context: up to 131,072 tokens" in card.facts.text()
    assert "1.1B parameters" in [badge.text() for badge in card.badges]
    assert "Thinking" in [badge.text() for badge in card.badges]
    no_thinking = next(c for c in panel.cards if not c.entry.thinking)
    assert "Thinking" not in [badge.text() for badge in no_thinking.badges]
    assert card.verdict.text() == "Fits this PC"
    assert card.fit_detail.text().endswith("runs best with llama.cpp on the CPU")
    assert "of 16.0 GB RAM" in card.fit_detail.text()
    assert card.fit_detail.toolTip() == panel.fit_text(REPO, NAME)[1]
    assert card.download_button.accessibleName() == "Download MiniCPM5 1B"
    assert card.chooser.accessibleName() == "File to download for MiniCPM5 1B"
    assert card.progress.isHidden() and card.pause_button.isHidden()


def test_descriptions_follow_the_interface_language(qtbot, make_panel: MakePanel) -> None:  # type: ignore[no-untyped-def]
    manager = manager_of(make_panel())
    panel = DownloadPanel(manager, language="zh_CN")
    qtbot.addWidget(panel)
    entry = manager.catalog.entries[0]
    assert panel.cards[0].summary.text() == entry.summaries["zh_CN"]


def test_choosing_a_file_and_pressing_download_queues_that_file(
    qtbot, make_panel: MakePanel, fake_hub: FakeHub
) -> None:  # type: ignore[no-untyped-def]
    q8 = "MiniCPM5-1B-Q8_0.gguf"
    fake_hub.add_repo(REPO, {q8: DATA})
    panel = make_panel()
    manager = manager_of(panel)
    card = panel.cards[0]
    card.chooser.setCurrentIndex(card.index_of(REPO, q8))
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        click(qtbot, card.download_button)
    assert [(i.repo, i.file) for i in manager.items()] == [(REPO, q8)]
    assert card.status.text().startswith("Done") and card.progress.isHidden()
    card.chooser.setCurrentIndex(card.index_of(REPO, NAME))
    assert card.status.isHidden()  # the other file has no download


def test_a_card_shows_progress_and_pauses_resumes_and_cancels(
    qtbot, make_panel: MakePanel, fake_hub: FakeHub
) -> None:  # type: ignore[no-untyped-def]
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.throttle_bps = 300_000
    panel = make_panel()
    manager = manager_of(panel)
    asked: list[str] = []
    panel._confirm = lambda _parent, text: asked.append(text) or True
    card = panel.choose(REPO, NAME)
    click(qtbot, card.download_button)
    qtbot.waitUntil(lambda: card.progress.value() > 0, timeout=10_000)
    assert card.progress.isVisible() and not card.download_button.isEnabled()
    assert "KB / 600 KB" in card.status.text()
    click(qtbot, card.pause_button)
    qtbot.waitUntil(lambda: manager.active_id is None, timeout=10_000)
    assert card.resume_button.isVisible() and card.pause_button.isHidden()
    assert card.status.text().startswith("Paused")
    click(qtbot, card.resume_button)
    qtbot.waitUntil(lambda: card.pause_button.isVisible(), timeout=10_000)
    with qtbot.waitSignal(manager.item_removed, timeout=10_000):
        click(qtbot, card.cancel_button)
    assert asked and "deleted" in asked[0]
    assert card.progress.isHidden() and card.cancel_button.isHidden()
    assert card.download_button.isEnabled()
    assert not part_path(target()).exists()


def test_tab_reaches_each_cards_file_and_download_in_order(qtbot, make_panel: MakePanel) -> None:  # type: ignore[no-untyped-def]
    panel = make_panel()
    panel.activateWindow()
    first, second = panel.cards[:2]
    first.chooser.setFocus()
    qtbot.waitUntil(first.chooser.hasFocus)
    order = []
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order[:3] == [first.download_button, second.chooser, second.download_button]
    qtbot.keyClick(second.download_button, Qt.Key.Key_Space)
    assert manager_of(panel).items()[0].repo == "openbmb/MiniCPM5-2B-GGUF"


def assert_nothing_cut_off(window: ModelsWindow) -> None:
    panel = window.panel
    assert panel is not None
    area = panel.catalog
    viewport = area.viewport()
    assert area.horizontalScrollBar().maximum() == 0
    cards = area.widget()
    assert cards is not None and cards.width() <= viewport.width()
    for card in panel.cards:
        for widget in (card, card.chooser, card.download_button, card.fit_detail):
            left = widget.mapTo(viewport, QPoint(0, 0)).x()
            assert left >= 0 and left + widget.width() <= viewport.width(), card.entry.id
    assert panel.width() <= window.width()


def models_window(qtbot, manager: DownloadManager, width: int) -> ModelsWindow:  # type: ignore[no-untyped-def]
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    library = ModelLibrary(store, ModelImporter(store), ModelConverter(store.models_dir))
    window = ModelsWindow(library, manager)
    qtbot.addWidget(window)
    window.resize(width, 800)
    window.show()
    window.show_downloads()
    qtbot.waitUntil(lambda: window.panel is not None and window.panel.isVisible())
    QApplication.processEvents()
    return window


@pytest.mark.parametrize("width", [1280, 980])
def test_the_catalog_fits_the_window_without_scrolling_sideways(
    qtbot, make_panel: MakePanel, width: int
) -> None:  # type: ignore[no-untyped-def]
    window = models_window(qtbot, manager_of(make_panel()), width)
    assert window.width() == width
    assert_nothing_cut_off(window)


def test_the_chinese_catalog_fits_1280_pixels(qapp, qtbot, make_panel: MakePanel) -> None:  # type: ignore[no-untyped-def]
    build()  # the .qm is a build output that a bare checkout may not have
    manager = manager_of(make_panel())
    try:
        assert install_translator(qapp, "zh_CN") == "zh_CN"
        window = models_window(qtbot, manager, 1280)
        assert window.tabs.tabText(1) == "下载"
        panel = window.panel
        assert panel is not None
        assert panel.cards[0].summary.text() == manager.catalog.entries[0].summaries["zh_CN"]
        assert_nothing_cut_off(window)
    finally:
        install_translator(qapp, "en")  # later tests expect English


def test_download_button_installs_and_announces_the_model(
    qtbot, make_panel: MakePanel, fake_hub: FakeHub
) -> None:  # type: ignore[no-untyped-def]
    fake_hub.add_repo(REPO, {NAME: DATA})
    panel = make_panel()
    manager = manager_of(panel)
    with qtbot.waitSignal(manager.model_installed, timeout=10_000) as installed:
        click(qtbot, panel.choose(REPO, NAME).download_button)
    assert installed.args == [str(target())]
    index = panel.queue_model.index(0, 0)
    assert index.data(STATE_ROLE) == DONE
    assert panel.queue.currentIndex() == index
    assert target().read_bytes() == DATA
    assert [m.name for m in ModelStore(paths.models_dir(), Path("/nonexistent")).list()] == [
        "MiniCPM5-1B-Q4_K_M"
    ]
    assert panel.clear_button.isEnabled()


def test_pause_and_resume_buttons_continue_with_range(
    qtbot, make_panel: MakePanel, fake_hub: FakeHub
) -> None:  # type: ignore[no-untyped-def]
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.throttle_bps = 300_000
    panel = make_panel()
    manager = manager_of(panel)
    click(qtbot, panel.choose(REPO, NAME).download_button)
    qtbot.waitUntil(
        lambda: "via mirror" in panel.queue_model.index(0, 0).data(DETAIL_ROLE), timeout=10_000
    )
    assert "KB / 600 KB" in panel.queue_model.index(0, 0).data(DETAIL_ROLE)
    click(qtbot, panel.pause_button)
    qtbot.waitUntil(lambda: manager.active_id is None, timeout=10_000)
    kept = part_path(target()).stat().st_size
    assert 0 < kept < len(DATA)
    assert panel.queue_model.index(0, 0).data(STATE_ROLE) == PAUSED
    fake_hub.throttle_bps = None
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        click(qtbot, panel.resume_button)
    assert fake_hub.file_gets(NAME)[-1].range == f"bytes={kept}-"
    assert target().read_bytes() == DATA


def test_closed_mid_download_then_reopened_resumes(
    qtbot, make_panel: MakePanel, fake_hub: FakeHub
) -> None:  # type: ignore[no-untyped-def]
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.throttle_bps = 300_000
    first = make_panel()
    click(qtbot, first.choose(REPO, NAME).download_button)
    qtbot.waitUntil(lambda: manager_of(first).items()[0].done_bytes > 0, timeout=10_000)
    manager_of(first).shutdown()  # the app closes with the download in flight
    kept = part_path(target()).stat().st_size
    assert 0 < kept < len(DATA)

    fake_hub.throttle_bps = None
    second = make_panel()  # the app starts again: a new manager reads the queue file
    manager = manager_of(second)
    assert second.queue_model.rowCount() == 1
    index = second.queue_model.index(0, 0)
    assert index.data(STATE_ROLE) == PAUSED
    assert f"{format_size(kept)} / 600 KB" in index.data(DETAIL_ROLE)
    assert manager.active_id is None  # nothing connects until asked
    second.queue.setCurrentIndex(index)
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        click(qtbot, second.resume_button)
    assert fake_hub.file_gets(NAME)[-1].range == f"bytes={kept}-"
    assert target().read_bytes() == DATA


def test_cancel_button_asks_and_deletes_the_part(
    qtbot, make_panel: MakePanel, fake_hub: FakeHub
) -> None:  # type: ignore[no-untyped-def]
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.throttle_bps = 300_000
    panel = make_panel()
    asked: list[str] = []
    panel._confirm = lambda _parent, text: asked.append(text) or True
    click(qtbot, panel.choose(REPO, NAME).download_button)
    qtbot.waitUntil(lambda: part_path(target()).is_file())
    with qtbot.waitSignal(manager_of(panel).item_removed, timeout=10_000):
        click(qtbot, panel.cancel_button)
    assert asked and "deleted" in asked[0]
    assert panel.queue_model.rowCount() == 0
    assert not part_path(target()).exists()


def test_offline_disables_downloads_and_connects_nothing(
    qtbot, make_panel: MakePanel, fake_hub: FakeHub
) -> None:  # type: ignore[no-untyped-def]
    panel = make_panel(offline=True)
    manager = manager_of(panel)
    button = panel.choose(REPO, NAME).download_button
    assert button is panel.download_buttons["minicpm5-1b"]
    assert not any(b.isEnabled() for b in panel.download_buttons.values())
    assert "Offline mode" in button.toolTip()
    assert panel.offline_note.isVisible()
    assert panel.download(manager.recommended_variant()) is None  # type: ignore[arg-type]
    assert "Offline mode" in panel.message.text()
    assert manager.items() == []
    assert fake_hub.log == []
    manager.apply_settings(replace(manager.settings, offline=False))
    assert button.isEnabled()
    assert not panel.offline_note.isVisible()


def test_first_run_card_shows_with_only_the_starter_and_not_now_hides_it(
    qtbot, make_panel: MakePanel
) -> None:  # type: ignore[no-untyped-def]
    manager = manager_of(make_panel())
    models = ModelStore(paths.models_dir(), bundled_models_dir())
    assert all(m.bundled for m in models.list())
    banner = FirstRunBanner(manager, models)
    qtbot.addWidget(banner)
    assert banner.wanted and not banner.isHidden()
    assert banner.label.text() == "Recommended for this PC: MiniCPM5 1B (Q4_K_M, 657 MB)"
    with qtbot.waitSignal(banner.dismissed):
        click(qtbot, banner.not_now_button)
    assert banner.isHidden() and not banner.wanted
    assert first_run_dismissed(paths.data_dir())
    again = FirstRunBanner(manager, models)
    qtbot.addWidget(again)
    assert again.isHidden() and not again.wanted


def test_first_run_card_stays_away_once_a_model_is_downloaded(qtbot, make_panel: MakePanel) -> None:  # type: ignore[no-untyped-def]
    manager = manager_of(make_panel())
    starter = bundled_models_dir() / "SmolLM2-135M-Instruct.Q4_1.gguf"
    target().parent.mkdir(parents=True)
    target().symlink_to(starter)  # a downloaded model, as far as the list can tell
    models = ModelStore(paths.models_dir(), bundled_models_dir())
    banner = FirstRunBanner(manager, models)
    qtbot.addWidget(banner)
    assert banner.isHidden() and not banner.wanted


def ir_folder_of_first_entry(panel: DownloadPanel) -> tuple[str, str | None]:
    entry = manager_of(panel).catalog.entries[0]
    ir = next(v for v in entry.variants() if v.file.backends == ("openvino",))
    return ir.repo, ir.file.name


def test_probed_accelerators_change_the_advice(qtbot, make_panel: MakePanel) -> None:  # type: ignore[no-untyped-def]
    panel = make_panel()
    manager = manager_of(panel)
    ir_repo, ir_file = ir_folder_of_first_entry(panel)
    assert panel.advice_text(REPO, NAME) == "llama · CPU"
    assert panel.advice_text(ir_repo, ir_file) == "openvino · CPU"
    assert "CUDA" not in panel.hardware_label.text()
    probe = ProbeStub()
    prober = HardwareProber(probe, parent=panel)
    prober.hardware_probed.connect(manager.set_hardware)
    with qtbot.waitSignal(manager.hardware_changed, timeout=5000):
        prober.start()
    assert probe.threads and threading.get_ident() not in probe.threads
    assert manager.hardware == ACCELERATED
    assert panel.advice_text(REPO, NAME) == "llama · CUDA"
    assert "Test RTX" in panel.fit_text(REPO, NAME)[1]
    assert panel.advice_text(ir_repo, ir_file) == "openvino · GPU"
    label = panel.hardware_label.text()
    assert "OpenVINO: CPU, GPU (Test Arc, 16.0 GB)" in label and "CUDA: Test RTX" in label


def test_the_app_probes_accelerators_off_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    probe = ProbeStub()
    engine = Engine(backend_factory=scripted_factory(ScriptedBackend()))
    services = build_services(engine, Settings(), hardware_probe=probe)
    try:
        assert services.downloads is not None
        assert probe.threads == []  # building the services never probes
        window = build_main_window(services)
        qtbot.addWidget(window)
        window.models_action.trigger()
        assert window.models_window is not None
        panel = window.models_window.panel
        assert panel.advice_text(REPO, NAME) == "llama · CPU"
        with qtbot.waitSignal(services.downloads.hardware_changed, timeout=5000):
            start_hardware_probe(services)
        assert len(probe.threads) == 1 and probe.threads[0] != threading.get_ident()
        assert panel.advice_text(REPO, NAME) == "llama · CUDA"
    finally:
        services.shutdown()


def test_main_window_has_models_action_and_first_run_card(qtbot) -> None:  # type: ignore[no-untyped-def]
    backend = ScriptedBackend(["Hi."])
    services = build_services(Engine(backend_factory=scripted_factory(backend)), Settings())
    try:
        window = build_main_window(services)
        qtbot.addWidget(window)
        window.show()
        assert window.models_action.isEnabled()
        bar = window.findChild(QToolBar, "firstRunBar")
        assert bar is not None and bar.isVisible()
        assert window.first_run_banner is not None and window.first_run_banner.isVisible()
        assert window.first_run_banner is not None
        click(qtbot, window.first_run_banner.not_now_button)
        assert bar.isHidden()
        window.models_action.trigger()
        assert window.models_window is not None and window.models_window.isVisible()
        assert len(window.models_window.panel.cards) >= 1
    finally:
        services.shutdown()
