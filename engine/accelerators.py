"""Probes what this machine has: RAM, CPU, OpenVINO devices, a CUDA GPU, as the plain values
of engine.machine. The load planner (engine.loading) steps down the accelerators found here; the
app's fit advice (app.core.models.hardware) reads them too.

`probe_hardware()` is cheap (psutil and /proc/cpuinfo) and safe on the GUI thread. Accelerators
are not: importing openvino or llama_cpp loads large native libraries and nvidia-smi may hang,
so `probe_openvino_devices()` and `probe_cuda()` run off the GUI thread (or from the CLI) and
cache what they find; `probe_hardware(accelerators=True)` includes them.
"""

from __future__ import annotations

import functools
import logging
import os
import platform
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil

from engine.machine import CPU_FLAGS_OF_INTEREST, CudaGpu, Hardware, OpenVinoDevice
from engine.privacy import block_telemetry

NVIDIA_SMI_TIMEOUT_S = 3.0
MIB = 1024**2

log = logging.getLogger(__name__)


def probe_accelerators() -> Hardware:
    """What the fallback plan and the fit advice need: OpenVINO devices and CUDA too (slow:
    call it off the GUI thread)."""
    return probe_hardware(accelerators=True)


def probe_hardware(*, accelerators: bool = False) -> Hardware:
    """RAM and CPU now; with `accelerators`, also OpenVINO devices and CUDA (slow the first
    time, cached after)."""
    memory = psutil.virtual_memory()
    model, flags = _cpu_model_and_flags()
    hardware = Hardware(
        total_ram_bytes=int(memory.total),
        available_ram_bytes=int(memory.available),
        cpu_model=model,
        cpu_flags=flags,
        logical_cores=psutil.cpu_count(logical=True) or os.cpu_count() or 1,
    )
    if not accelerators:
        return hardware
    offload, gpus = probe_cuda()
    return replace(
        hardware,
        openvino_devices=probe_openvino_devices(),
        cuda_offload=offload,
        cuda_gpus=gpus,
    )


@functools.cache
def probe_openvino_devices() -> tuple[OpenVinoDevice, ...]:
    """OpenVINO's devices with their full names. Heavy (imports openvino): not on the GUI
    thread. Never raises: a broken runtime means no devices."""
    block_telemetry()  # importing openvino would phone home otherwise (engine.privacy)
    try:
        import openvino

        core = openvino.Core()
        ids = list(core.available_devices)
    except Exception as exc:  # a broken native library raises anything
        log.warning("OpenVINO devices could not be listed: %s", exc)
        return ()
    return tuple(
        OpenVinoDevice(
            id=device,
            full_name=str(_property(core, device, "FULL_DEVICE_NAME") or device),
            memory_bytes=_int_or_none(_property(core, device, "GPU_DEVICE_TOTAL_MEM_SIZE")),
        )
        for device in ids
    )


@functools.cache
def probe_cuda() -> tuple[bool, tuple[CudaGpu, ...]]:
    """(llama.cpp can offload to a GPU, NVIDIA GPUs from nvidia-smi). Never raises."""
    try:
        import llama_cpp

        offload = bool(llama_cpp.llama_supports_gpu_offload())
    except Exception as exc:
        log.info("llama.cpp GPU offload unknown: %s", exc)
        offload = False
    return offload, nvidia_gpus()


def nvidia_gpus(run: Any = subprocess.run) -> tuple[CudaGpu, ...]:
    """GPUs as nvidia-smi lists them; () when it is missing, slow or says something odd."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return ()
    try:
        result = run(
            [smi, "--query-gpu=name,memory.total,memory.free", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=NVIDIA_SMI_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("nvidia-smi failed: %s", exc)
        return ()
    if result.returncode != 0:
        return ()
    return parse_nvidia_smi(result.stdout)


def parse_nvidia_smi(text: str) -> tuple[CudaGpu, ...]:
    """Lines of "name, total MiB, free MiB"; lines that do not parse are skipped."""
    gpus = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.rsplit(",", 2)]
        if len(parts) != 3 or not parts[0]:
            continue
        try:
            total, free = int(float(parts[1])), int(float(parts[2]))
        except ValueError:  # "[N/A]" on some boards
            continue
        gpus.append(CudaGpu(parts[0], total * MIB, free * MIB))
    return tuple(gpus)


def _cpu_model_and_flags() -> tuple[str, frozenset[str]]:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        try:
            return parse_cpuinfo(cpuinfo.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            pass
    return platform.processor() or platform.machine() or "unknown CPU", frozenset()


def parse_cpuinfo(text: str) -> tuple[str, frozenset[str]]:
    """Model name and the flags of interest from the first processor in /proc/cpuinfo."""
    model, flags = "", frozenset[str]()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and not model:
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = frozenset(value.split()) & frozenset(CPU_FLAGS_OF_INTEREST)
        if model and flags:
            break
    return model or platform.processor() or platform.machine() or "unknown CPU", flags


def _property(core: Any, device: str, name: str) -> object:
    try:
        if name not in core.get_property(device, "SUPPORTED_PROPERTIES"):
            return None
        return core.get_property(device, name)
    except Exception:  # a device without the property raises RuntimeError
        return None


def _int_or_none(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None
