"""The download manager window and the first-run card, driven like a person would, against
the local fake Hub (127.0.0.1 only)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolBar

from app.application import build_main_window, build_services, start_hardware_probe
from app.core import paths
from app.core.models.catalog import load_catalog
from app.core.models.queue import DONE, PAUSED, first_run_dismissed
from app.core.models.store import ModelStore, part_path
from app.core.settings import Settings
from app.models.banner import FirstRunBanner
from app.models.catalog_view import DownloadPanel
from app.models.hardware_probe import HardwareProber
from app.models.manager import DownloadManager
from app.models.queue_model import DETAIL_ROLE, STATE_ROLE
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.machine import CudaGpu, Hardware, OpenVinoDevice
from engine.session import Engine
from engine.sizes import format_size
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
    tree = panel.catalog
    titles = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert titles[0].startswith("MiniCPM5 1B") and "Recommended" in titles[0]
    first = tree.topLevelItem(0)
    assert first.isExpanded()
    files = [first.child(j).text(0) for j in range(first.childCount())]
    assert NAME in files and any("OpenVINO IR folder" in f for f in files)
    row = first.child(files.index(NAME))
    assert (row.text(1), row.text(2), row.text(3)) == ("657 MB", "Q4_K_M", "llama, openvino")
    assert row.text(4) == "official, verified"
    verdict, why = panel.fit_text(REPO, NAME)
    assert verdict == "fits"
    assert "KV cache at 4,096 tokens" in why
    assert row.text(6) == "llama · CPU"
    # The KV cache counts: MiniCPM4.1 8B at 65,536 tokens needs 5 GB + 2.15 GB of cache (too
    # large for 7 GB even with the 1.14 GB q8_0 cache "auto" counts where only that fits).
    panel.context.setCurrentIndex(panel.context.findData(65536))
    verdict, why = panel.fit_text("openbmb/MiniCPM4.1-8B-GGUF", "MiniCPM4.1-8B-Q4_K_M.gguf")
    assert verdict == "too large", why
    assert "2.15 GB KV cache at 65,536 tokens" in why
    assert len(panel.download_buttons) == sum(
        len(e.variants()) for e in manager_of(panel).catalog.entries
    )


def test_download_button_installs_and_announces_the_model(
    qtbot, make_panel: MakePanel, fake_hub: FakeHub
) -> None:  # type: ignore[no-untyped-def]
    fake_hub.add_repo(REPO, {NAME: DATA})
    panel = make_panel()
    manager = manager_of(panel)
    with qtbot.waitSignal(manager.model_installed, timeout=10_000) as installed:
        click(qtbot, panel.download_buttons[(REPO, NAME)])
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
    click(qtbot, panel.download_buttons[(REPO, NAME)])
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
    click(qtbot, first.download_buttons[(REPO, NAME)])
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
    click(qtbot, panel.download_buttons[(REPO, NAME)])
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
    button = panel.download_buttons[(REPO, NAME)]
    assert not button.isEnabled()
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
        assert window.models_window.panel.catalog.topLevelItemCount() >= 1
    finally:
        services.shutdown()
