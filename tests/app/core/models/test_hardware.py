"""Where a model fits, KV cache included (the probe itself: tests/engine/test_accelerators.py)."""

from __future__ import annotations

from dataclasses import replace

from app.core.models.catalog import load_catalog
from app.core.models.hardware import recommend, recommend_for
from engine.machine import CudaGpu, Hardware, OpenVinoDevice

GB = 10**9
GIB = 1024**3
KIB = 1024
# MiniCPM4-8B: 32 layers x 2 KV heads x 128 dims x K and V x 2 bytes.
MINICPM4_KV_PER_TOKEN = 32 * KIB

CPU_ONLY = Hardware(
    total_ram_bytes=16 * GIB,
    available_ram_bytes=12 * GIB,
    cpu_model="Intel(R) Core(TM) i7-1360P",
    cpu_flags=frozenset({"avx2"}),
    logical_cores=16,
    openvino_devices=(OpenVinoDevice("CPU", "Intel(R) Core(TM) i7-1360P"),),
    cuda_offload=False,
)
RTX_8GB = CudaGpu("NVIDIA GeForce RTX 4060", 8 * GIB, 7 * GIB)


def test_small_model_fits_on_the_cpu_with_llama_cpp() -> None:
    advice = recommend(700 * 10**6, 40 * KIB, 8192, CPU_ONLY)
    assert (advice.fit, advice.backend, advice.device) == ("fits", "llama", "CPU")
    assert "KV cache at 8,192 tokens" in advice.explanation


def test_the_kv_cache_is_counted() -> None:
    # MiniCPM4-8B Q4_K_M on an 8 GiB GPU: fine at 4K, not at 64K in f16 (2 GiB of cache more).
    machine = replace(CPU_ONLY, total_ram_bytes=8 * GIB, cuda_offload=True, cuda_gpus=(RTX_8GB,))
    small = recommend(5 * GB, MINICPM4_KV_PER_TOKEN, 4096, machine)
    assert (small.fit, small.device) == ("fits", "CUDA")
    big = recommend(5 * GB, MINICPM4_KV_PER_TOKEN, 65536, machine, kv_cache="f16")
    assert "2.15 GB KV cache at 65,536 tokens" in big.explanation
    assert (big.fit, big.device) == ("tight", "CUDA")


def test_a_q8_0_cache_is_counted_where_chosen() -> None:
    """q8_0 takes 17 / 32 of f16: 1.14 GB at 64K tokens, and the 8B model fits the 8 GiB GPU."""
    machine = replace(CPU_ONLY, total_ram_bytes=8 * GIB, cuda_offload=True, cuda_gpus=(RTX_8GB,))
    auto = recommend(5 * GB, MINICPM4_KV_PER_TOKEN, 65536, machine)
    assert (auto.fit, auto.device, auto.detail.kv_type) == ("tight", "CUDA", "f16")
    big = recommend(5 * GB, MINICPM4_KV_PER_TOKEN, 65536, machine, kv_cache="q8_0")
    assert "1.14 GB KV cache (q8_0) at 65,536 tokens" in big.explanation
    assert (big.fit, big.device, big.detail.kv_type) == ("fits", "CUDA", "q8_0")
    assert big.detail.kv_bytes == 17 * MINICPM4_KV_PER_TOKEN * 65536 // 32


def test_automatic_counts_q8_0_in_ram_where_only_that_fits() -> None:
    # 16 GiB: 8.5 GB of weights + 2.15 GB (f16) + runtime is tight, + 1.14 GB (q8_0) fits.
    advice = recommend(8_500_000_000, MINICPM4_KV_PER_TOKEN, 65536, CPU_ONLY)
    assert (advice.fit, advice.device, advice.detail.kv_type) == ("fits", "CPU", "q8_0")
    roomy = recommend(5 * GB, MINICPM4_KV_PER_TOKEN, 65536, CPU_ONLY)
    assert (roomy.fit, roomy.detail.kv_type) == ("fits", "f16")


def test_openvino_s_cache_stays_f16() -> None:
    arc = OpenVinoDevice("GPU", "Intel(R) Arc(TM) A770 Graphics (dGPU)", 16 * GIB)
    machine = replace(CPU_ONLY, openvino_devices=(*(CPU_ONLY.openvino_devices or ()), arc))
    advice = recommend(5 * GB, MINICPM4_KV_PER_TOKEN, 65536, machine, ("openvino",))
    assert (advice.device, advice.detail.kv_type) == ("GPU", "f16")
    # An integrated GPU shares the RAM, not llama.cpp's cache type: in 16 GiB, 8.5 GB of
    # weights + 2.15 GB of f16 cache is tight for OpenVINO, + 1.14 GB of q8_0 fits llama.cpp.
    igpu = OpenVinoDevice("GPU", "Intel(R) Iris(R) Xe Graphics")
    shared = replace(CPU_ONLY, openvino_devices=(igpu,))
    both = recommend(8_500_000_000, MINICPM4_KV_PER_TOKEN, 65536, shared, ("llama", "openvino"))
    assert (both.backend, both.device, both.fit, both.detail.kv_type) == (
        "llama",
        "CPU",
        "fits",
        "q8_0",
    )
    assert [(d.device, d.fit, d.kv_type) for d in both.skipped] == [("GPU", "tight", "f16")]


def test_cuda_is_preferred_when_the_model_fits_in_vram() -> None:
    machine = replace(CPU_ONLY, cuda_offload=True, cuda_gpus=(RTX_8GB,))
    advice = recommend(1_100_000_000, 40 * KIB, 8192, machine)
    assert (advice.fit, advice.backend, advice.device) == ("fits", "llama", "CUDA")
    assert "RTX 4060" in advice.explanation
    assert "GPU memory" in advice.explanation


def test_too_large_for_vram_falls_back_to_the_cpu_and_says_so() -> None:
    machine = replace(CPU_ONLY, total_ram_bytes=64 * GIB, cuda_offload=True, cuda_gpus=(RTX_8GB,))
    advice = recommend(9 * GB, MINICPM4_KV_PER_TOKEN, 8192, machine)
    assert (advice.fit, advice.backend, advice.device) == ("fits", "llama", "CPU")
    assert "CUDA too large" in advice.explanation


def test_gpu_without_llama_offload_is_ignored() -> None:
    # nvidia-smi sees a GPU, but this llama.cpp build is CPU-only.
    machine = replace(CPU_ONLY, cuda_offload=False, cuda_gpus=(RTX_8GB,))
    assert recommend(1 * GB, 40 * KIB, 4096, machine).device == "CPU"


def test_an_openvino_only_model_uses_openvino_and_its_gpu() -> None:
    assert recommend(700 * 10**6, 40 * KIB, 4096, CPU_ONLY, ("openvino",)).backend == "openvino"
    arc = OpenVinoDevice("GPU", "Intel(R) Arc(TM) A770 Graphics (dGPU)", 16 * GIB)
    machine = replace(CPU_ONLY, openvino_devices=(*(CPU_ONLY.openvino_devices or ()), arc))
    advice = recommend(700 * 10**6, 40 * KIB, 4096, machine, ("openvino",))
    assert (advice.backend, advice.device) == ("openvino", "GPU")
    assert "A770" in advice.explanation
    # A GGUF that OpenVINO cannot run correctly never goes to the OpenVINO GPU.
    assert recommend(700 * 10**6, 40 * KIB, 4096, machine, ("llama",)).device == "CPU"


def test_too_large_everywhere() -> None:
    advice = recommend(30 * GB, MINICPM4_KV_PER_TOKEN, 65536, CPU_ONLY)
    assert advice.fit == "too large"
    assert advice.device == "CPU"


def test_catalog_entries_get_advice() -> None:
    catalog = load_catalog()
    for entry in catalog.entries:
        variant = entry.default_variant()
        advice = recommend_for(entry, variant.file, CPU_ONLY)
        assert advice.fit in ("fits", "tight", "too large")
        assert advice.backend in variant.file.backends
