"""Hardware probing: parsers and fakes (no real GPU here). The values themselves:
tests/engine/test_machine.py."""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

from engine import accelerators as hw
from engine.accelerators import (
    parse_cpuinfo,
    parse_nvidia_smi,
    probe_hardware,
    probe_openvino_devices,
)
from engine.machine import CudaGpu, OpenVinoDevice

GB = 10**9
GIB = 1024**3


def test_cpuinfo_gives_model_and_flags_of_interest() -> None:
    text = (
        "processor\t: 0\nvendor_id\t: GenuineIntel\n"
        "model name\t: Intel(R) Xeon(R) Platinum 8480+\n"
        "flags\t\t: fpu sse2 avx avx2 avx512f avx512bw amx_bf16 amx_tile\n\n"
        "processor\t: 1\nmodel name\t: something else\nflags\t\t: fpu\n"
    )
    model, flags = parse_cpuinfo(text)
    assert model == "Intel(R) Xeon(R) Platinum 8480+"
    assert flags == {"avx2", "avx512f", "amx_bf16", "amx_tile"}


def test_nvidia_smi_lines_parse_and_junk_is_skipped() -> None:
    gpus = parse_nvidia_smi(
        "NVIDIA GeForce RTX 4090, 24564, 23012\nNVIDIA H100 80GB HBM3, [N/A], [N/A]\n\ngarbage\n"
    )
    assert gpus == (CudaGpu("NVIDIA GeForce RTX 4090", 24564 * 1024**2, 23012 * 1024**2),)


def test_nvidia_smi_that_hangs_or_is_missing_gives_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def hang(*_args: Any, **kwargs: Any) -> None:
        assert kwargs["timeout"] == 3.0
        raise subprocess.TimeoutExpired("nvidia-smi", 3.0)

    monkeypatch.setattr(hw.shutil, "which", lambda _name: "/usr/bin/nvidia-smi")
    assert hw.nvidia_gpus(run=hang) == ()
    monkeypatch.setattr(hw.shutil, "which", lambda _name: None)
    assert hw.nvidia_gpus(run=hang) == ()


def test_probe_hardware_is_cheap_and_plausible() -> None:
    found = probe_hardware()
    assert found.total_ram_bytes >= found.available_ram_bytes > 0
    assert found.logical_cores >= 1
    assert found.cpu_model
    assert found.openvino_devices is None  # accelerators are probed only on request
    assert found.cpu_model in found.summary()


@pytest.fixture
def fake_openvino(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    cores: list[int] = []

    class Core:
        available_devices = ["CPU", "GPU.0", "NPU"]
        _props = {
            "CPU": {"FULL_DEVICE_NAME": "Intel Core Ultra 7 155H"},
            "GPU.0": {
                "FULL_DEVICE_NAME": "Intel(R) Arc(TM) Graphics (iGPU)",
                "GPU_DEVICE_TOTAL_MEM_SIZE": 15 * GIB,
            },
            "NPU": {"FULL_DEVICE_NAME": "Intel(R) AI Boost"},
        }

        def __init__(self) -> None:
            cores.append(1)

        def get_property(self, device: str, name: str) -> object:
            props = self._props[device]
            if name == "SUPPORTED_PROPERTIES":
                return list(props)
            return props[name]

    monkeypatch.setitem(sys.modules, "openvino", types.SimpleNamespace(Core=Core))
    probe_openvino_devices.cache_clear()
    yield cores
    probe_openvino_devices.cache_clear()


def test_openvino_devices_have_full_names_memory_and_are_cached(
    fake_openvino: list[int],
) -> None:
    devices = probe_openvino_devices()
    assert [d.id for d in devices] == ["CPU", "GPU.0", "NPU"]
    assert devices[1] == OpenVinoDevice("GPU.0", "Intel(R) Arc(TM) Graphics (iGPU)", 15 * GIB)
    assert devices[1].kind == "GPU"
    assert devices[2].memory_bytes is None
    assert probe_openvino_devices() is devices
    assert len(fake_openvino) == 1


def test_broken_openvino_means_no_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def __init__(self) -> None:
            raise RuntimeError("libopenvino.so: cannot open shared object file")

    monkeypatch.setitem(sys.modules, "openvino", types.SimpleNamespace(Core=Broken))
    probe_openvino_devices.cache_clear()
    try:
        assert probe_openvino_devices() == ()
    finally:
        probe_openvino_devices.cache_clear()
