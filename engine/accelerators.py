"""What this machine has: RAM, CPU, OpenVINO devices, a CUDA GPU. The load planner
(engine.loading) steps down the accelerators found here; the app's fit advice
(app.core.models.hardware) reads them too.

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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psutil

from engine.privacy import block_telemetry
from engine.sizes import format_size

CPU_FLAGS_OF_INTEREST = ("avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16")
# Either gives OpenVINO's CPU plugin bf16 arithmetic (its OPTIMIZATION_CAPABILITIES has BF16).
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
NVIDIA_SMI_TIMEOUT_S = 3.0
MIB = 1024**2

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenVinoDevice:
    id: str  # "CPU", "GPU", "GPU.1", "NPU"
    full_name: str
    memory_bytes: int | None = None  # GPU_DEVICE_TOTAL_MEM_SIZE where the plugin reports it

    @property
    def kind(self) -> str:
        return self.id.split(".")[0]

    def label(self) -> str:
        """ "GPU (Intel Arc A770, 17.2 GB)"; the CPU is named elsewhere, so just "CPU"."""
        if self.kind == "CPU":
            return self.id
        details = [self.full_name] if self.full_name and self.full_name != self.id else []
        if self.memory_bytes is not None:
            details.append(format_size(self.memory_bytes))
        return f"{self.id} ({', '.join(details)})" if details else self.id


@dataclass(frozen=True)
class CudaGpu:
    name: str
    total_bytes: int
    free_bytes: int


@dataclass(frozen=True)
class Hardware:
    total_ram_bytes: int
    available_ram_bytes: int
    cpu_model: str
    cpu_flags: frozenset[str]
    logical_cores: int
    # None: not probed yet (the accelerator probes are slow); () probed, none found.
    openvino_devices: tuple[OpenVinoDevice, ...] | None = None
    cuda_offload: bool | None = None
    cuda_gpus: tuple[CudaGpu, ...] = ()

    @property
    def cuda_gpu(self) -> CudaGpu | None:
        """The GPU llama.cpp offloads to: the largest one."""
        if not self.cuda_offload or not self.cuda_gpus:
            return None
        return max(self.cuda_gpus, key=lambda gpu: gpu.total_bytes)

    @property
    def cpu_bf16(self) -> bool | None:
        """Whether the CPU computes in bf16 (AVX-512 BF16, AMX); None where the flags are
        unknown (no /proc/cpuinfo)."""
        if not self.cpu_flags:
            return None
        return bool(self.cpu_flags & BF16_FLAGS)

    def openvino_device(self, kind: str) -> OpenVinoDevice | None:
        for device in self.openvino_devices or ():
            if device.kind == kind:
                return device
        return None

    def summary(self) -> str:
        ram = (
            f"{format_size(self.total_ram_bytes)} RAM "
            f"({format_size(self.available_ram_bytes)} free)"
        )
        flags = ", ".join(f for f in CPU_FLAGS_OF_INTEREST if f in self.cpu_flags) or "no AVX2"
        parts = [f"{self.cpu_model}, {self.logical_cores} threads ({flags})", ram]
        if self.openvino_devices:
            parts.append("OpenVINO: " + ", ".join(d.label() for d in self.openvino_devices))
        gpu = self.cuda_gpu
        if gpu is not None:
            parts.append(f"CUDA: {gpu.name}, {format_size(gpu.total_bytes)}")
        return "; ".join(parts)


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
