"""Which backend and device suit a model on this machine: the app's fit advice.

What the machine has is probed by the engine (engine.accelerators); the names are re-exported
here for the app's feature packages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from app.core.models.catalog import CatalogEntry, CatalogFile, Fit, fit_bytes
from engine.accelerators import (
    BF16_FLAGS,
    CPU_FLAGS_OF_INTEREST,
    CudaGpu,
    Hardware,
    OpenVinoDevice,
    nvidia_gpus,
    parse_cpuinfo,
    parse_nvidia_smi,
    probe_accelerators,
    probe_cuda,
    probe_hardware,
    probe_openvino_devices,
)
from engine.types import BackendName

__all__ = [
    "BF16_FLAGS",
    "CPU_FLAGS_OF_INTEREST",
    "CudaGpu",
    "Hardware",
    "OpenVinoDevice",
    "Recommendation",
    "nvidia_gpus",
    "parse_cpuinfo",
    "parse_nvidia_smi",
    "probe_accelerators",
    "probe_cuda",
    "probe_hardware",
    "probe_openvino_devices",
    "recommend",
    "recommend_for",
]

# A GPU's own memory holds nothing else of ours, but the driver, display and other apps do.
VRAM_FITS_SHARE = 0.85
VRAM_TIGHT_SHARE = 0.95


# --- advice ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    fit: Fit
    backend: BackendName
    device: str  # "CPU", "CUDA", "GPU", ...
    explanation: str


_RANK = {"fits": 0, "tight": 1, "too large": 2}


def recommend(
    weights_bytes: int,
    kv_bytes_per_token: int,
    context_length: int,
    hardware: Hardware,
    backends: Sequence[str] = tuple(BackendName),
) -> Recommendation:
    """Where this model runs best here, counting the KV cache at `context_length`.

    A CUDA GPU (llama.cpp, all layers offloaded) when weights and cache fit in its memory, then
    an OpenVINO GPU for files OpenVINO runs correctly, else the CPU: llama.cpp for a GGUF
    (faster decoding and loading there, docs FACTS), OpenVINO for an IR folder.
    """
    if not backends:
        raise ValueError("backends must name at least one of llama, openvino")
    llama, openvino = BackendName.LLAMA, BackendName.OPENVINO
    cpu_backend = llama if llama in backends else openvino
    cpu_fit, cpu_text = fit_bytes(
        weights_bytes, kv_bytes_per_token, context_length, hardware.total_ram_bytes
    )
    choices: list[Recommendation] = []
    gpu = hardware.cuda_gpu
    if gpu is not None and llama in backends:
        verdict, text = _vram_fit(
            weights_bytes, kv_bytes_per_token, context_length, gpu.total_bytes
        )
        choices.append(Recommendation(verdict, llama, "CUDA", f"{gpu.name}: {text}"))
    intel = hardware.openvino_device("GPU")
    if intel is not None and openvino in backends:
        if intel.memory_bytes is not None:
            verdict, text = _vram_fit(
                weights_bytes, kv_bytes_per_token, context_length, intel.memory_bytes
            )
        else:
            # An integrated GPU shares system RAM.
            verdict, text = cpu_fit, cpu_text
        choices.append(Recommendation(verdict, openvino, intel.id, f"{intel.full_name}: {text}"))
    cpu = Recommendation(cpu_fit, cpu_backend, "CPU", f"CPU: {cpu_text}")
    # Accelerators first, so a tie goes to them; then the best verdict wins.
    best = min([*choices, cpu], key=lambda r: _RANK[r.fit])
    if best is cpu and choices:
        skipped = "; ".join(f"{c.device} {c.fit}: {c.explanation}" for c in choices)
        best = replace(best, explanation=f"{best.explanation} ({skipped})")
    return best


def _vram_fit(
    weights_bytes: int, kv_bytes_per_token: int, context_length: int, memory_bytes: int
) -> tuple[Fit, str]:
    return fit_bytes(
        weights_bytes,
        kv_bytes_per_token,
        context_length,
        memory_bytes,
        memory="GPU memory",
        fits_share=VRAM_FITS_SHARE,
        tight_share=VRAM_TIGHT_SHARE,
    )


def recommend_for(
    entry: CatalogEntry, file: CatalogFile, hardware: Hardware, context_length: int | None = None
) -> Recommendation:
    """`recommend` for a catalog entry and one of its files; the context defaults to the
    model's own, capped at 8,192 tokens (the app's usual choice)."""
    context = context_length or min(entry.context_length, 8192)
    return recommend(
        file.size_bytes, entry.kv_cache.bytes_per_token, context, hardware, file.backends
    )
