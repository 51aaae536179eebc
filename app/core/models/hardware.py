"""Which backend and device suit a model on this machine: the app's fit advice.

What the machine has comes from the engine as plain values (engine.machine), probed by
engine.accelerators. Each piece of advice carries its numbers (`FitDetail`) for words in the
person's language (app.words.hardware) and its English (`explanation`) for the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from app.core.models.catalog import (
    FIT_RANK,
    CatalogEntry,
    CatalogFile,
    Fit,
    FitDetail,
    fit_detail,
    ram_fit_detail,
)
from engine.kv_cache import AUTO_KV, kv_cache_type
from engine.machine import Hardware
from engine.types import LOCAL_BACKENDS, BackendName

# A GPU's own memory holds nothing else of ours, but the driver, display and other apps do.
VRAM_FITS_SHARE = 0.85
VRAM_TIGHT_SHARE = 0.95


# --- advice ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    backend: BackendName
    detail: FitDetail  # where it runs best, and the numbers that say so
    # The accelerators passed over for the CPU, when the CPU won: why not them.
    skipped: tuple[FitDetail, ...] = ()

    @property
    def fit(self) -> Fit:
        return self.detail.fit

    @property
    def device(self) -> str:
        """ "CPU", "CUDA", "GPU", ..."""
        return self.detail.device

    @property
    def explanation(self) -> str:
        """In English, for the CLI, e.g. "CPU: 657 MB weights + ... = 1.2 GB of 25 GB RAM
        (CUDA too large: NVIDIA ...: ...)"."""
        text = detail_english(self.detail)
        if not self.skipped:
            return text
        skipped = "; ".join(f"{d.device} {d.fit}: {detail_english(d)}" for d in self.skipped)
        return f"{text} ({skipped})"


def detail_english(detail: FitDetail) -> str:
    """One device's fit in English, named: "NVIDIA GeForce RTX 4060: 1.1 GB weights + ..."."""
    return f"{detail.device_name or 'CPU'}: {detail.english()}"


def recommend(
    weights_bytes: int,
    kv_bytes_per_token: int,
    context_length: int,
    hardware: Hardware,
    backends: Sequence[str] = LOCAL_BACKENDS,
    *,
    kv_cache: str = AUTO_KV,
) -> Recommendation:
    """Where this model runs best here, counting the KV cache at `context_length`.

    A CUDA GPU (llama.cpp, all layers offloaded) when weights and cache fit in its memory, then
    an OpenVINO GPU for files OpenVINO runs correctly, else the CPU: llama.cpp for a GGUF
    (faster decoding and loading there, docs FACTS), OpenVINO for an IR folder.
    `kv_bytes_per_token` is the f16 size; each backend's cache is counted in the type a load
    would give it for `kv_cache` (the person's choice; "auto": f16, and in RAM q8_0 on
    llama.cpp where only that fits, as the load planner does; OpenVINO's is f16).
    """
    if not backends:
        raise ValueError("backends must name at least one of llama, openvino")
    llama, openvino = BackendName.LLAMA, BackendName.OPENVINO
    kv_types = {name: kv_cache_type(kv_cache, context_length, name) for name in (llama, openvino)}
    cpu_backend = llama if llama in backends else openvino

    def ram_fit(backend: BackendName) -> FitDetail:
        return ram_fit_detail(
            weights_bytes,
            kv_bytes_per_token,
            context_length,
            hardware.total_ram_bytes,
            backend,
            kv_cache,
        )

    cpu_fit = ram_fit(cpu_backend)
    choices: list[Recommendation] = []
    gpu = hardware.cuda_gpu
    if gpu is not None and llama in backends:
        detail = _vram_fit(
            weights_bytes, kv_bytes_per_token, context_length, gpu.total_bytes, kv_types[llama]
        )
        choices.append(Recommendation(llama, replace(detail, device="CUDA", device_name=gpu.name)))
    intel = hardware.openvino_device("GPU")
    if intel is not None and openvino in backends:
        if intel.memory_bytes is not None:
            detail = _vram_fit(
                weights_bytes,
                kv_bytes_per_token,
                context_length,
                intel.memory_bytes,
                kv_types[openvino],
            )
        else:
            detail = ram_fit(openvino)  # an integrated GPU shares system RAM
        named = replace(detail, device=intel.id, device_name=intel.full_name or intel.id)
        choices.append(Recommendation(openvino, named))
    cpu = Recommendation(cpu_backend, cpu_fit)
    # Accelerators first, so a tie goes to them; then the best verdict wins.
    best = min([*choices, cpu], key=lambda r: FIT_RANK[r.fit])
    if best is cpu and choices:
        best = replace(best, skipped=tuple(c.detail for c in choices))
    return best


def _vram_fit(
    weights_bytes: int,
    kv_bytes_per_token: int,
    context_length: int,
    memory_bytes: int,
    kv_type: str,
) -> FitDetail:
    return fit_detail(
        weights_bytes,
        kv_bytes_per_token,
        context_length,
        memory_bytes,
        memory="gpu",
        fits_share=VRAM_FITS_SHARE,
        tight_share=VRAM_TIGHT_SHARE,
        kv_type=kv_type,
    )


def recommend_for(
    entry: CatalogEntry,
    file: CatalogFile,
    hardware: Hardware,
    context_length: int | None = None,
    kv_cache: str = AUTO_KV,
) -> Recommendation:
    """`recommend` for a catalog entry and one of its files; the context defaults to the
    model's own, capped at 8,192 tokens (the app's usual choice)."""
    context = context_length or min(entry.context_length, 8192)
    return recommend(
        file.size_bytes,
        entry.kv_cache.bytes_per_token,
        context,
        hardware,
        file.backends,
        kv_cache=kv_cache,
    )
