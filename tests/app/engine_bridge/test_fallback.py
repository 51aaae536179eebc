"""The worker loads with fallback: a failing GPU hands over to the CPU, and the window says so."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Slot

from app import application
from app.core import paths
from app.core.settings import Settings
from app.engine_bridge.client import EngineClient
from app.words.load import load_note_text
from engine import accelerators
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.errors import OutOfMemoryError
from engine.load_notes import LoadNote, LoadNoteCode
from engine.machine import Hardware
from engine.model_info import ModelInfo
from engine.session import Engine
from engine.types import LoadedModel, LoadRequest

STARTER = Path(__file__).resolve().parents[3] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
CUDA_NOTE = "The NVIDIA GPU ran out of memory; using the CPU instead."


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


class GpuShyBackend(ScriptedBackend):
    """Runs out of memory on any device but the CPU; records the devices it was asked for."""

    def __init__(self) -> None:
        super().__init__(["Hi."])
        self.devices: list[str] = []

    def load(self, info: ModelInfo, options: LoadRequest) -> None:
        self.devices.append(options.device)
        if options.device != "CPU":
            raise OutOfMemoryError("CUDA error: out of memory")
        super().load(info, options)


class FakeProbe:
    """Stands in for the slow accelerator probe; remembers which thread called it."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def __call__(self) -> Hardware:
        self.threads.append(threading.current_thread())
        return Hardware(
            total_ram_bytes=16 * 2**30,
            available_ram_bytes=8 * 2**30,
            cpu_model="Test CPU",
            cpu_flags=frozenset(),
            logical_cores=8,
            openvino_devices=(),
            cuda_offload=True,
        )


class Notes(QObject):
    def __init__(self, client: EngineClient) -> None:
        super().__init__()
        self.notes: list[tuple[LoadNote, ...]] = []
        client.load_fell_back.connect(self._on_client_load_fell_back)

    @Slot(int, object)
    def _on_client_load_fell_back(self, _request_id: int, notes: tuple[LoadNote, ...]) -> None:
        self.notes.append(notes)


@pytest.fixture
def client_and_backend() -> Iterator[tuple[EngineClient, GpuShyBackend, FakeProbe]]:
    backend = GpuShyBackend()
    probe = FakeProbe()
    client = EngineClient(Engine(backend_factory=scripted_factory(backend)), probe=probe)
    yield client, backend, probe
    client.shutdown()


def test_a_gpu_out_of_memory_falls_back_to_the_cpu_and_says_so(client_and_backend, qtbot) -> None:  # type: ignore[no-untyped-def]
    client, backend, probe = client_and_backend
    notes = Notes(client)
    with (
        qtbot.waitSignal(client.load_fell_back, timeout=5000),
        qtbot.waitSignal(client.model_loaded, timeout=5000) as loaded,
    ):
        client.load(LoadRequest(STARTER, device="CUDA", n_ctx=2048))
    model: LoadedModel = loaded.args[1]
    assert model.device == "CPU"
    assert backend.devices == ["CUDA", "CPU"]
    [(note,)] = notes.notes
    assert note.code == LoadNoteCode.DEVICE_OUT_OF_MEMORY
    assert note.english() == load_note_text(note) == CUDA_NOTE
    # The probe ran once, on the worker thread, never on the GUI thread.
    assert len(probe.threads) == 1
    assert probe.threads[0] is not threading.main_thread()
    # What worked is remembered for this model: the next load goes straight to the CPU.
    assert (paths.data_dir() / "load_memory.json").is_file()
    backend.devices.clear()
    with qtbot.waitSignal(client.model_loaded, timeout=5000):
        client.load(LoadRequest(STARTER, device="CUDA", n_ctx=2048))
    assert backend.devices == ["CPU"]
    assert len(probe.threads) == 1  # cached


def test_a_cpu_load_needs_no_probe_and_reports_nothing(client_and_backend, qtbot) -> None:  # type: ignore[no-untyped-def]
    client, backend, probe = client_and_backend
    notes = Notes(client)
    with qtbot.waitSignal(client.model_loaded, timeout=5000):
        client.load(LoadRequest(STARTER, n_ctx=2048))
    qtbot.wait(50)
    assert backend.devices == ["CPU"]
    assert probe.threads == []
    assert notes.notes == []


def test_the_fallback_note_shows_in_the_window(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(accelerators, "probe_hardware", lambda accelerators: FakeProbe()())
    backend = GpuShyBackend()
    services = application.build_services(
        Engine(backend_factory=scripted_factory(backend)),
        Settings(device="CUDA", context_length=2048),
    )
    try:
        window = application.build_main_window(services)
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitSignal(services.client.load_fell_back, timeout=5000):
            application.load_default_model(services, window)
        assert window.chat.banner.isVisible()
        assert CUDA_NOTE in window.chat.banner.text()
        assert "CPU" in window.status_model.text()
        assert CUDA_NOTE in window.status_model.toolTip()
    finally:
        services.shutdown()
