"""What the machine has, as plain values: the CUDA GPU in use, bf16, labels and the English
summary the CLI prints (the probes: tests/engine/test_accelerators.py)."""

from __future__ import annotations

from dataclasses import replace

from engine.machine import CudaGpu, Hardware, OpenVinoDevice

GB = 10**9
GIB = 1024**3

PC = Hardware(
    total_ram_bytes=16 * GIB,
    available_ram_bytes=12 * GIB,
    cpu_model="Intel(R) Core(TM) i7-1360P",
    cpu_flags=frozenset({"avx2", "sse2"}),
    logical_cores=16,
)


def test_bf16_comes_from_the_cpu_flags() -> None:
    amx = replace(PC, cpu_flags=frozenset({"avx2", "avx512f", "amx_bf16", "amx_tile"}))
    zen4 = replace(PC, cpu_flags=frozenset({"avx2", "avx512f", "avx512_bf16"}))
    avx2 = replace(PC, cpu_flags=frozenset({"avx2"}))
    unknown = replace(PC, cpu_flags=frozenset())
    assert (amx.cpu_bf16, zen4.cpu_bf16, avx2.cpu_bf16, unknown.cpu_bf16) == (
        True,
        True,
        False,
        None,
    )


def test_the_cuda_gpu_is_the_largest_and_only_with_offload() -> None:
    small, large = CudaGpu("RTX 4060", 8 * GIB, 7 * GIB), CudaGpu("RTX 4090", 24 * GIB, 20 * GIB)
    assert replace(PC, cuda_offload=True, cuda_gpus=(small, large)).cuda_gpu == large
    assert replace(PC, cuda_offload=False, cuda_gpus=(small, large)).cuda_gpu is None


def test_device_labels_name_what_the_id_does_not() -> None:
    assert OpenVinoDevice("CPU", "Intel Core Ultra 7").label() == "CPU"
    assert OpenVinoDevice("NPU", "NPU").label() == "NPU"
    assert OpenVinoDevice("GPU.1", "Intel Arc A770", 16 * GB).label() == (
        "GPU.1 (Intel Arc A770, 16.0 GB)"
    )


def test_the_summary_lists_cpu_ram_and_accelerators_in_english() -> None:
    assert PC.summary() == (
        "Intel(R) Core(TM) i7-1360P, 16 threads (avx2); 17.2 GB RAM (12.9 GB free)"
    )
    accelerated = replace(
        PC,
        cpu_flags=frozenset(),
        openvino_devices=(OpenVinoDevice("CPU", "x"), OpenVinoDevice("GPU", "Arc", 16 * GB)),
        cuda_offload=True,
        cuda_gpus=(CudaGpu("RTX 4090", 24 * GB, 20 * GB),),
    )
    assert accelerated.summary() == (
        "Intel(R) Core(TM) i7-1360P, 16 threads (no AVX2); 17.2 GB RAM (12.9 GB free); "
        "OpenVINO: CPU, GPU (Arc, 16.0 GB); CUDA: RTX 4090, 24.0 GB"
    )
