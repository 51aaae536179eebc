"""The hardware description and the fit advice become words through tr(); the English words
say what the CLI prints (`Hardware.summary()`, `Recommendation.explanation`)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QCoreApplication

from app.core.models.hardware import Recommendation, recommend
from app.words.hardware import hardware_summary_text, recommendation_text
from engine.machine import CudaGpu, Hardware, OpenVinoDevice

GB = 10**9
GIB = 1024**3
KIB = 1024

PC = Hardware(
    total_ram_bytes=16 * GIB,
    available_ram_bytes=12 * GIB,
    cpu_model="Intel(R) Core(TM) i7-1360P",
    cpu_flags=frozenset({"avx2", "avx512f"}),
    logical_cores=16,
)
ARC = OpenVinoDevice("GPU.1", "Intel(R) Arc(TM) A770", 16 * GB)
IGPU = OpenVinoDevice("GPU", "Intel(R) Iris(R) Xe Graphics")
RTX = CudaGpu("NVIDIA GeForce RTX 4060", 8 * GIB, 7 * GIB)
ACCELERATED = replace(
    PC,
    openvino_devices=(OpenVinoDevice("CPU", "Intel(R) Core(TM) i7-1360P"), ARC),
    cuda_offload=True,
    cuda_gpus=(RTX,),
)
HARDWARE = {
    "cpu only": PC,
    "no flags": replace(PC, cpu_flags=frozenset()),
    "probed, nothing found": replace(PC, openvino_devices=(), cuda_offload=False),
    "accelerated": ACCELERATED,
    "integrated gpu": replace(PC, openvino_devices=(IGPU,)),
}
# (weights, KV bytes per token, context, backends): where each wins, and what it passes over.
ADVICE = {
    "cpu": (700 * 10**6, 40 * KIB, 8192, ("llama", "openvino")),
    "cuda": (1_100_000_000, 40 * KIB, 8192, ("llama",)),
    "openvino gpu": (1_100_000_000, 40 * KIB, 8192, ("openvino",)),
    "cpu over both gpus": (13_500_000_000, 32 * KIB, 8192, ("llama", "openvino")),
    # 64K tokens: llama.cpp's cache in q8_0 where only that fits ("auto"), OpenVINO's in f16.
    "long context": (8_500_000_000, 32 * KIB, 65536, ("llama", "openvino")),
}

MARKED_CONTEXT = "HardwareWords"  # for the `marking` fixture (conftest.py)


@pytest.mark.parametrize("name", HARDWARE)
def test_the_summary_says_what_the_cli_says(qapp: QCoreApplication, name: str) -> None:  # noqa: ARG001
    hardware = HARDWARE[name]
    assert hardware_summary_text(hardware) == hardware.summary()


@pytest.mark.parametrize("machine", ["cpu only", "accelerated", "integrated gpu"])
@pytest.mark.parametrize("case", ADVICE)
def test_the_advice_says_what_the_cli_says(
    qapp: QCoreApplication,  # noqa: ARG001
    machine: str,
    case: str,
) -> None:
    weights, kv, context, backends = ADVICE[case]
    advice = recommend(weights, kv, context, HARDWARE[machine], backends)
    assert recommendation_text(advice) == advice.explanation


def test_the_cpu_passing_over_the_gpus_says_why(qapp: QCoreApplication) -> None:  # noqa: ARG001
    weights, kv, context, backends = ADVICE["cpu over both gpus"]
    advice = recommend(
        weights, kv, context, replace(ACCELERATED, total_ram_bytes=64 * GIB), backends
    )
    assert (advice.device, [d.device for d in advice.skipped]) == ("CPU", ["CUDA", "GPU.1"])
    assert recommendation_text(advice) == advice.explanation
    assert "(CUDA too large: NVIDIA GeForce RTX 4060: " in advice.explanation
    assert "; GPU.1 tight: Intel(R) Arc(TM) A770: " in advice.explanation


# Under the marking translator each sentence comes back as «sentence»: text outside a «» pair of
# its own is what the code did not hand to translate (here only the hardware's own names).
def test_every_part_of_the_summary_is_translated(marking: None) -> None:
    assert hardware_summary_text(replace(ACCELERATED, cpu_flags=frozenset())) == (
        "««««Intel(R) Core(TM) i7-1360P, 16 threads («no AVX2»)»; «17.2 GB RAM (12.9 GB free)»»"
        "; «OpenVINO: «CPU, «GPU.1 («Intel(R) Arc(TM) A770, 16.0 GB»)»»»»"
        "; «CUDA: NVIDIA GeForce RTX 4060, 8.59 GB»»"
    )
    assert hardware_summary_text(PC) == (
        "««Intel(R) Core(TM) i7-1360P, 16 threads («avx2, avx512f»)»; «17.2 GB RAM (12.9 GB free)»»"
    )


def test_every_part_of_the_advice_is_translated(marking: None) -> None:
    cpu = recommend(700 * 10**6, 40 * KIB, 8192, PC)
    assert recommendation_text(cpu) == (
        "«CPU: «700 MB weights + 336 MB KV cache at 8,192 tokens + 537 MB runtime = "
        "1.57 GB of 17.2 GB RAM»»"
    )
    weights, kv, context, backends = ADVICE["cpu over both gpus"]
    machine = replace(ACCELERATED, total_ram_bytes=64 * GIB)
    numbers = "13.5 GB weights + 268 MB KV cache at 8,192 tokens + 537 MB runtime = 14.3 GB"
    assert recommendation_text(recommend(weights, kv, context, machine, backends)) == (
        f"««CPU: «{numbers} of 68.7 GB RAM»» ("
        f"««CUDA «too large»: «NVIDIA GeForce RTX 4060: «{numbers} of 8.59 GB GPU memory»»»"
        f"; «GPU.1 «tight»: «Intel(R) Arc(TM) A770: «{numbers} of 16.0 GB GPU memory»»»»)»"
    )


def test_fit_details_carry_the_numbers() -> None:
    advice: Recommendation = recommend(1_100_000_000, 40 * KIB, 8192, ACCELERATED, ("llama",))
    detail = advice.detail
    assert (detail.device, detail.device_name, detail.memory) == ("CUDA", RTX.name, "gpu")
    assert detail.kv_bytes == 40 * KIB * 8192
    assert detail.need_bytes == detail.weights_bytes + detail.kv_bytes + detail.runtime_bytes
    assert (detail.memory_bytes, detail.context_length, advice.skipped) == (
        RTX.total_bytes,
        8192,
        (),
    )


def test_a_q8_0_cache_is_named_in_every_language(marking: None) -> None:
    # 8.5 GB of weights: f16 (2.15 GB) is tight in 16 GiB, q8_0 (1.14 GB) fits: "auto" counts it.
    advice = recommend(8_500_000_000, 32 * KIB, 65536, PC, ("llama",))
    assert advice.detail.kv_type == "q8_0"
    assert recommendation_text(advice) == (
        "«CPU: «8.50 GB weights + 1.14 GB KV cache (q8_0) at 65,536 tokens + 537 MB runtime = "
        "10.2 GB of 17.2 GB RAM»»"
    )
    on_gpu = recommend(1_000_000_000, 32 * KIB, 65536, ACCELERATED, ("llama",), kv_cache="q8_0")
    assert on_gpu.device == "CUDA"
    assert "KV cache (q8_0) at 65,536 tokens" in recommendation_text(on_gpu)
    assert "GPU memory»" in recommendation_text(on_gpu)
