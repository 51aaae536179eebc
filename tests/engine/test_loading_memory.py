"""The load planner counts weights + KV cache + runtime against the free RAM and goes straight
to a context that fits, saying so (engine.loading.within_memory), with fake memory numbers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest

import engine.loading as loading
from engine.backends.scripted import ScriptedBackend
from engine.kv_cache import RUNTIME_OVERHEAD_BYTES, load_bytes
from engine.load_notes import LoadNote, LoadNoteCode
from engine.loading import free_ram_for_load, load_attempts, load_model
from engine.machine import CudaGpu, Hardware
from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model
from engine.session import Engine
from engine.types import BackendName, LoadRequest

GB = 10**9
# MiniCPM4.1-8B's shape (32 layers, 2 KV heads of 128: 32 KiB a token at f16, 17 KiB at q8_0;
# 32 heads: 64 KiB a token of scores without flash attention), 5 GB of weights.
EIGHT_B = ModelInfo(
    Path("minicpm4.1-8b.gguf"),
    "gguf",
    "MiniCPM4.1-8B",
    "minicpm",
    context_length=131_072,
    size_bytes=5 * GB,
    extra=MappingProxyType(
        {"n_layers": 32, "n_kv_heads": 2, "head_dim": 128, "embedding_length": 4096}
    ),
)
CPU = Hardware(16 * 1024**3, 6 * GB, "CPU", frozenset({"avx2"}), 8, (), False)


def asked(n_ctx: int, **more: object) -> LoadRequest:
    return LoadRequest(EIGHT_B.path, BackendName.LLAMA, n_ctx=n_ctx, **more)  # type: ignore[arg-type]


def shape(plan: list[loading.Attempt]) -> list[tuple[str, int, str, bool | None]]:
    return [(a.device, a.n_ctx, a.request.kv_cache, a.request.flash_attn) for a in plan]


def need(n_ctx: int, kv_type: str = "f16", flash: bool = True) -> int:
    value = load_bytes(EIGHT_B, n_ctx, kv_type, flash)
    assert value is not None
    return value


def test_where_f16_does_not_fit_auto_keeps_the_context_with_a_q8_0_cache() -> None:
    # 64K tokens: 11.98 GB with f16 without flash attention (4.29 GB of scores), 7.68 GB with
    # it, 6.68 GB with q8_0.
    plan = load_attempts(EIGHT_B, asked(65_536), CPU, free_ram_bytes=7 * GB)
    assert shape(plan)[0] == ("CPU", 65_536, "q8_0", None)
    assert plan[0].memory_notes == (
        LoadNote(
            LoadNoteCode.KV_Q8_0_FOR_MEMORY,
            {"n_ctx": 65_536, "need_bytes": need(65_536), "free_bytes": 7 * GB},
        ),
    )
    assert plan[0].memory_notes[0].english() == (
        "The KV cache is kept in q8_0 to save memory: in f16, 65,536 tokens of context would "
        "need about 7.68 GB of memory, and 7.00 GB is free."
    )
    # The smaller contexts after it are left to "auto": each load decides again.
    assert shape(plan)[1:] == [("CPU", n, "auto", None) for n in (32_768, 16_384, 8192, 4096, 2048)]


def test_flash_attention_comes_before_a_q8_0_cache() -> None:
    # 8K tokens without flash attention: 5 GB + 268 MB cache + 537 MB scores + 537 MB = 6.34 GB;
    # with it 5.81 GB, which fits 6.2 GB: decoding is slower, but long prompts are not.
    plan = load_attempts(EIGHT_B, asked(8192), CPU, free_ram_bytes=6_200_000_000)
    assert shape(plan)[0] == ("CPU", 8192, "auto", True)
    (note,) = plan[0].memory_notes
    assert note.code == LoadNoteCode.FLASH_ATTENTION_FOR_MEMORY
    assert note.number("need_bytes") == need(8192, flash=False)
    assert note.english() == (
        "Flash attention is on to save memory: without it, 8,192 tokens of context would need "
        "about 6.34 GB of memory, and 6.20 GB is free."
    )


def test_the_plan_skips_to_the_largest_context_that_fits() -> None:
    # 6 GB: 64K and 32K fit in no way; 16K fits with q8_0 (5.82 GB).
    plan = load_attempts(EIGHT_B, asked(65_536), CPU, free_ram_bytes=6 * GB)
    assert [(d, n) for d, n, _kv, _fa in shape(plan)] == [
        ("CPU", 16_384),
        ("CPU", 8192),
        ("CPU", 4096),
        ("CPU", 2048),
    ]
    assert plan[0].request.kv_cache == "q8_0"
    lowered, quantized = plan[0].memory_notes
    assert lowered == LoadNote(
        LoadNoteCode.CONTEXT_EXCEEDS_MEMORY,
        {
            "n_ctx": 65_536,
            "next_n_ctx": 16_384,
            "need_bytes": need(65_536, "q8_0"),
            "free_bytes": 6 * GB,
        },
    )
    assert lowered.english() == (
        "The context was lowered from 65,536 to 16,384 tokens: 65,536 tokens would need about "
        "6.68 GB of memory, and 6.00 GB is free."
    )
    assert quantized.code == LoadNoteCode.KV_Q8_0_FOR_MEMORY
    assert plan[0].note is None  # "a smaller context needs less memory" says less


def test_an_explicit_f16_cache_is_kept_and_the_context_lowered() -> None:
    plan = load_attempts(EIGHT_B, asked(65_536, kv_cache="f16"), CPU, free_ram_bytes=7 * GB)
    assert shape(plan)[0] == ("CPU", 32_768, "f16", True)  # 6.61 GB with flash attention
    assert [n.code for n in plan[0].memory_notes] == [
        LoadNoteCode.CONTEXT_EXCEEDS_MEMORY,
        LoadNoteCode.FLASH_ATTENTION_FOR_MEMORY,
    ]


def test_enough_memory_or_no_figure_leaves_the_plan_alone() -> None:
    plain = load_attempts(EIGHT_B, asked(65_536), CPU)
    assert load_attempts(EIGHT_B, asked(65_536), CPU, free_ram_bytes=64 * GB) == plain
    assert all(a.memory_notes == () for a in plain)
    unknown = replace(EIGHT_B, extra=MappingProxyType({}))
    assert load_attempts(unknown, asked(65_536), CPU, free_ram_bytes=1) == load_attempts(
        unknown, asked(65_536), CPU
    )


def test_where_nothing_fits_the_smallest_context_saves_all_it_can() -> None:
    plan = load_attempts(EIGHT_B, asked(65_536), CPU, free_ram_bytes=2 * GB)
    assert shape(plan) == [("CPU", 2048, "q8_0", None)]
    assert [n.code for n in plan[0].memory_notes] == [
        LoadNoteCode.CONTEXT_EXCEEDS_MEMORY,
        LoadNoteCode.KV_Q8_0_FOR_MEMORY,
    ]


def test_a_gpu_attempt_keeps_its_place() -> None:
    """The GPU's memory is not the RAM: only the CPU attempts are checked against it."""
    nvidia = replace(CPU, cuda_offload=True, cuda_gpus=(CudaGpu("RTX", 24 * GB, 20 * GB),))
    plan = load_attempts(EIGHT_B, asked(65_536, device="AUTO"), nvidia, free_ram_bytes=6 * GB)
    assert [(a.device, a.n_ctx, a.request.kv_cache) for a in plan[:2]] == [
        ("CUDA", 65_536, "auto"),
        ("CPU", 16_384, "q8_0"),
    ]


def test_load_model_goes_straight_to_the_context_that_fits() -> None:
    tried: list[tuple[str, int, str]] = []

    class Recording(ScriptedBackend):
        def load(self, info: ModelInfo, options: LoadRequest) -> None:
            tried.append((options.device, options.n_ctx, options.kv_cache))
            super().load(info, options)

    engine = Engine(backend_factory=lambda _name: Recording())
    loaded, notes = load_model(engine, asked(65_536), CPU, info=EIGHT_B, free_ram_bytes=6 * GB)
    assert tried == [("CPU", 16_384, "q8_0")]
    assert [note.code for note in notes] == [
        LoadNoteCode.CONTEXT_EXCEEDS_MEMORY,
        LoadNoteCode.KV_Q8_0_FOR_MEMORY,
    ]
    assert loaded.backend == "llama"


def test_a_note_about_the_backend_moves_to_the_context_that_fits(starter_path: Path) -> None:
    """OpenVINO cannot read a `minicpm` GGUF: the plan starts on llama.cpp with a note saying
    why, which still holds when the memory lowers the context."""
    starter = replace(inspect_model(starter_path), architecture="minicpm")
    request = LoadRequest(
        starter.path, BackendName.OPENVINO, n_ctx=8192, kv_cache="f16", flash_attn=False
    )
    free = (load_bytes(starter, 4096, "f16", flash=False) or 0) + 1
    plan = load_attempts(starter, request, CPU, free_ram_bytes=free)
    assert (plan[0].backend, plan[0].n_ctx) == ("llama", 4096)
    assert plan[0].note is not None
    assert plan[0].note.code == LoadNoteCode.OPENVINO_MISREADS_GGUF
    assert plan[0].memory_notes


def test_the_model_in_use_gives_back_its_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "probe_hardware", lambda: replace(CPU, available_ram_bytes=GB))
    engine = Engine(backend_factory=lambda _name: ScriptedBackend(context_length=8192))
    assert free_ram_for_load(engine) == GB
    engine.load(asked(8192), EIGHT_B)
    assert free_ram_for_load(engine) == GB + 32 * 1024 * 8192 + RUNTIME_OVERHEAD_BYTES


def test_no_memory_figure_means_no_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> Hardware:
        raise OSError("no /proc")

    monkeypatch.setattr(loading, "probe_hardware", broken)
    assert free_ram_for_load(Engine(backend_factory=lambda _name: ScriptedBackend())) is None
