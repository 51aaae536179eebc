"""What this machine has, as plain values: RAM, CPU, OpenVINO devices, a CUDA GPU.

The probes that fill them in live in engine.accelerators (they import heavy libraries and run
nvidia-smi); these values are what everyone else reads: the load planner (engine.loading), the
app's fit advice (app.core.models.hardware) and the GUI, which words them in the person's
language (app.words.hardware). `Hardware.summary()` is the English the CLI prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.sizes import format_size

CPU_FLAGS_OF_INTEREST = ("avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16")
# Either gives OpenVINO's CPU plugin bf16 arithmetic (its OPTIMIZATION_CAPABILITIES has BF16).
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


@dataclass(frozen=True)
class OpenVinoDevice:
    id: str  # "CPU", "GPU", "GPU.1", "NPU"
    full_name: str
    memory_bytes: int | None = None  # GPU_DEVICE_TOTAL_MEM_SIZE where the plugin reports it

    @property
    def kind(self) -> str:
        return self.id.split(".")[0]

    @property
    def details(self) -> tuple[str, ...]:
        """What a label adds to the id: the full name (where it says more) and the memory;
        nothing for the CPU, which is named elsewhere."""
        if self.kind == "CPU":
            return ()
        details = [self.full_name] if self.full_name and self.full_name != self.id else []
        if self.memory_bytes is not None:
            details.append(format_size(self.memory_bytes))
        return tuple(details)

    def label(self) -> str:
        """ "GPU (Intel Arc A770, 17.2 GB)"; the CPU is named elsewhere, so just "CPU"."""
        details = self.details
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

    @property
    def flags_of_interest(self) -> tuple[str, ...]:
        """The CPU flags that matter to inference, in a fixed order."""
        return tuple(f for f in CPU_FLAGS_OF_INTEREST if f in self.cpu_flags)

    def openvino_device(self, kind: str) -> OpenVinoDevice | None:
        for device in self.openvino_devices or ():
            if device.kind == kind:
                return device
        return None

    def summary(self) -> str:
        """In English, for the CLI; the GUI words the same values (app.words.hardware)."""
        ram = (
            f"{format_size(self.total_ram_bytes)} RAM "
            f"({format_size(self.available_ram_bytes)} free)"
        )
        flags = ", ".join(self.flags_of_interest) or "no AVX2"
        parts = [f"{self.cpu_model}, {self.logical_cores} threads ({flags})", ram]
        if self.openvino_devices:
            parts.append("OpenVINO: " + ", ".join(d.label() for d in self.openvino_devices))
        gpu = self.cuda_gpu
        if gpu is not None:
            parts.append(f"CUDA: {gpu.name}, {format_size(gpu.total_bytes)}")
        return "; ".join(parts)
