"""The engine's load planner: one backend decision, step down devices and context, say why
(as codes with an English rendering), remember what worked through a LoadMemory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from engine.backends.scripted import ScriptedBackend
from engine.errors import (
    ChatTemplateError,
    CorruptModelError,
    EngineError,
    ModelLoadError,
    OutOfMemoryError,
    UnsupportedModelError,
)
from engine.load_notes import LoadNote, LoadNoteCode
from engine.loading import (
    Attempt,
    load_attempts,
    load_model,
    load_once,
    load_with_fallback,
)
from engine.machine import Hardware, OpenVinoDevice
from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model
from engine.session import Engine
from engine.types import BackendName, LoadRequest

Rule = Callable[[str, LoadRequest], Exception | None]

INTEL = Hardware(
    total_ram_bytes=16 * 1024**3,
    available_ram_bytes=12 * 1024**3,
    cpu_model="Intel Core Ultra 7 155H",
    cpu_flags=frozenset({"avx2"}),
    logical_cores=16,
    openvino_devices=(
        OpenVinoDevice("CPU", "Intel Core Ultra 7 155H"),
        OpenVinoDevice("GPU", "Intel(R) Arc(TM) Graphics (iGPU)"),
        OpenVinoDevice("NPU", "Intel(R) AI Boost"),
    ),
    cuda_offload=False,
)
NVIDIA = replace(INTEL, openvino_devices=(INTEL.openvino_devices or ())[:1], cuda_offload=True)


class RuleBackend(ScriptedBackend):
    """A scripted backend whose load fails as `rule(backend name, options)` says."""

    def __init__(self, name: str, rule: Rule, tried: list[tuple[str, str, int]]) -> None:
        super().__init__(context_length=0)
        self.name = name
        self._rule = rule
        self._tried = tried

    def load(self, info: ModelInfo, options: LoadRequest) -> None:
        self._tried.append((self.name, options.device, options.n_ctx))
        error = self._rule(self.name, options)
        if error is not None:
            raise error
        super().load(info, options)
        self._context_length = options.n_ctx


def Req(  # noqa: N802 - reads like the settings it stands for
    backend: str = "auto", device: str = "CPU", context_length: int = 4096, gpu_layers: int = 0
) -> LoadRequest:
    """A request as the settings would build it (the model is filled in by the plan)."""
    return LoadRequest(
        Path("model.gguf"),
        backend=BackendName(backend) if backend != "auto" else "auto",
        device=device,
        n_ctx=context_length,
        n_gpu_layers=gpu_layers,
    )


class DictMemory:
    """A LoadMemory in a dict, keyed by what was asked for (the app's is RememberedLoads)."""

    def __init__(self) -> None:
        self.records: dict[LoadRequest, LoadRequest] = {}

    def get(self, asked: LoadRequest) -> LoadRequest | None:
        return self.records.get(asked)

    def remember(self, asked: LoadRequest, worked: LoadRequest) -> None:
        self.records[asked] = worked


def english(notes: list[LoadNote]) -> list[str]:
    return [note.english() for note in notes]


def engine_with(rule: Rule) -> tuple[Engine, list[tuple[str, str, int]]]:
    tried: list[tuple[str, str, int]] = []
    return Engine(backend_factory=lambda name: RuleBackend(name, rule, tried)), tried


@pytest.fixture(scope="module")
def starter(starter_path: Path) -> ModelInfo:
    return inspect_model(starter_path)


@pytest.fixture
def runnable(starter: ModelInfo) -> ModelInfo:
    """The starter as if its weights were Q8_0, which OpenVINO runs accurately."""
    extra = {**starter.extra, "matrix_tensor_types": ["Q8_0"], "vector_tensor_types": ["F32"]}
    return replace(starter, extra=extra)


def test_openvino_steps_down_gpu_npu_cpu_then_context_then_llama(runnable: ModelInfo) -> None:
    settings = Req(backend="openvino", device="GPU", context_length=8192)
    plan = [(a.backend, a.device, a.n_ctx) for a in load_attempts(runnable, settings, INTEL)]
    assert plan == [
        ("openvino", "GPU", 8192),
        ("openvino", "NPU", 8192),
        ("openvino", "CPU", 8192),
        ("openvino", "CPU", 4096),
        ("openvino", "CPU", 2048),
        ("llama", "CPU", 8192),
        ("llama", "CPU", 4096),
        ("llama", "CPU", 2048),
    ]


def test_auto_device_picks_the_best_known_one(runnable: ModelInfo) -> None:
    plan = load_attempts(runnable, Req(backend="openvino", device="AUTO"), INTEL)
    assert [a.device for a in plan[:3]] == ["GPU", "NPU", "CPU"]
    cuda = load_attempts(runnable, Req(device="AUTO"), NVIDIA)
    assert [(a.backend, a.device, a.n_gpu_layers) for a in cuda[:2]] == [
        ("llama", "CUDA", -1),
        ("llama", "CPU", 0),
    ]


def test_context_never_exceeds_the_model_and_stops_at_2048(starter: ModelInfo) -> None:
    plan = load_attempts(starter, Req(context_length=131072), None)
    assert [a.n_ctx for a in plan] == [8192, 4096, 2048]  # the starter's own context is 8,192
    assert [a.n_ctx for a in load_attempts(starter, Req(context_length=2048))] == [2048]


def test_a_gguf_openvino_gets_wrong_goes_to_llama_and_says_why(starter: ModelInfo) -> None:
    # As a Qwen2 file, whose model GenAI's reader builds itself: Q4_1 comes out wrong there.
    qwen = replace(starter, architecture="qwen2")
    settings = Req(backend="openvino", device="GPU", context_length=4096)
    plan = load_attempts(qwen, settings, INTEL)
    assert {a.backend for a in plan} == {"llama"}
    engine, _ = engine_with(lambda _name, _options: None)
    loaded, notes = load_with_fallback(engine, qwen, plan)
    assert loaded.backend == "llama"
    assert len(notes) == 1 and "Q4_1" in notes[0].english()
    assert notes[0].code == LoadNoteCode.OPENVINO_MISREADS_GGUF


def test_gpu_out_of_memory_falls_back_to_the_cpu(runnable: ModelInfo) -> None:
    def rule(_name: str, options: LoadRequest) -> Exception | None:
        if options.device == "GPU":
            return OutOfMemoryError("Not enough memory to load this model on GPU.")
        if options.device == "NPU":
            return ModelLoadError("OpenVINO cannot use the NPU device here: no driver")
        return None

    settings = Req(backend="openvino", device="GPU", context_length=4096)
    engine, tried = engine_with(rule)
    failed: list[tuple[Attempt, EngineError]] = []
    loaded, notes = load_with_fallback(
        engine,
        runnable,
        load_attempts(runnable, settings, INTEL),
        lambda attempt, exc: failed.append((attempt, exc)),
    )
    assert (loaded.backend, loaded.device) == ("openvino", "CPU")
    assert tried == [
        ("openvino", "GPU", 4096),
        ("openvino", "NPU", 4096),
        ("openvino", "CPU", 4096),
    ]
    assert [a.device for a, _ in failed] == ["GPU", "NPU"]
    assert [note.code for note in notes] == [
        LoadNoteCode.DEVICE_OUT_OF_MEMORY,
        LoadNoteCode.DEVICE_UNUSABLE,
    ]
    assert notes[0].params == {
        "device": "GPU",
        "next_backend": "",
        "next_device": "NPU",
        "next_n_ctx": 0,
    }
    assert english(notes) == [
        "The GPU ran out of memory; using the NPU instead.",
        "The NPU could not be used, perhaps a driver problem (OpenVINO cannot use the NPU "
        "device here: no driver); using the CPU instead.",
    ]


def test_cuda_failure_falls_back_to_the_cpu(starter: ModelInfo) -> None:
    def rule(_name: str, options: LoadRequest) -> Exception | None:
        if options.n_gpu_layers:
            return OutOfMemoryError("Not enough memory on the GPU for this model.")
        return None

    engine, _ = engine_with(rule)
    plan = load_attempts(starter, Req(device="AUTO", context_length=4096), NVIDIA)
    loaded, notes = load_with_fallback(engine, starter, plan)
    assert loaded.device == "CPU"
    assert english(notes) == ["The NVIDIA GPU ran out of memory; using the CPU instead."]


def test_out_of_memory_on_the_cpu_tries_a_smaller_context(starter: ModelInfo) -> None:
    def rule(_name: str, options: LoadRequest) -> Exception | None:
        if options.n_ctx > 2048:
            return OutOfMemoryError("Not enough memory for this context.")
        return None

    engine, tried = engine_with(rule)
    loaded, notes = load_with_fallback(
        engine, starter, load_attempts(starter, Req(context_length=8192))
    )
    assert loaded.context_length == 2048
    assert [n_ctx for _, _, n_ctx in tried] == [8192, 4096, 2048]
    assert notes[0] == LoadNote(
        LoadNoteCode.CONTEXT_OUT_OF_MEMORY,
        {"n_ctx": 8192, "next_backend": "", "next_device": "", "next_n_ctx": 4096},
    )
    assert notes[0].english() == (
        "There was not enough memory for an 8,192-token context; "
        "using a 4,096-token context instead."
    )


def test_the_working_choice_is_remembered_and_tried_first(runnable: ModelInfo) -> None:
    def gpu_broken(_name: str, options: LoadRequest) -> Exception | None:
        if options.device != "CPU":
            return ModelLoadError("OpenVINO cannot use the GPU device here: CL_OUT_OF_RESOURCES")
        return None

    memory = DictMemory()
    request = replace(Req(backend="openvino", device="GPU"), model=runnable.path)
    engine, tried = engine_with(gpu_broken)
    loaded, _ = load_model(engine, request, INTEL, memory, info=runnable)
    assert loaded.device == "CPU"
    assert len(tried) == 3  # GPU, NPU, CPU
    # Keyed by what was asked for, the request as asked: the GPU.
    assert list(memory.records) == [request]

    # Next time the CPU comes first.
    first = load_attempts(runnable, request, INTEL, memory)[0]
    assert (first.backend, first.device, first.n_ctx) == ("openvino", "CPU", 4096)
    engine, tried = engine_with(gpu_broken)
    loaded, notes = load_model(engine, request, INTEL, memory, info=runnable)
    assert tried == [("openvino", "CPU", 4096)]
    assert notes == [
        LoadNote(LoadNoteCode.REMEMBERED, {"backend": "openvino", "device": "CPU", "n_ctx": 4096})
    ]
    assert english(notes) == [
        "Using what worked for this model before: OpenVINO on the CPU, 4,096-token context."
    ]

    # Asking for something else is honoured rather than overridden by the memory.
    other = replace(request, n_ctx=2048)
    assert load_attempts(runnable, other, INTEL, memory)[0].device == "GPU"
    memory.records.clear()
    assert load_attempts(runnable, request, INTEL, memory)[0].device == "GPU"


def test_auto_is_settled_by_the_planner_and_refused_by_the_engine(starter: ModelInfo) -> None:
    """One place decides the backend: the planner ("auto" -> llama.cpp for a GGUF)."""
    engine = Engine(backend_factory=lambda _name: ScriptedBackend())
    with pytest.raises(ValueError, match="Settle the backend"):
        engine.load(LoadRequest(starter.path), starter)
    assert load_once(engine, LoadRequest(starter.path), starter).backend == "llama"
    plan = load_attempts(starter, LoadRequest(starter.path))
    assert [a.backend for a in plan] == [BackendName.LLAMA] * len(plan)


def test_a_bad_model_that_fails_everywhere_raises_the_first_meaningful_error(
    runnable: ModelInfo,
) -> None:
    def everything_fails(name: str, options: LoadRequest) -> Exception | None:
        if options.device != "CPU":
            return ModelLoadError(f"OpenVINO cannot use the {options.device} device here")
        return ModelLoadError(f"{name} could not load the model: bad tensor data")

    engine, tried = engine_with(everything_fails)
    settings = Req(backend="openvino", device="GPU", context_length=4096)
    with pytest.raises(ModelLoadError, match="openvino could not load the model"):
        load_with_fallback(engine, runnable, load_attempts(runnable, settings, INTEL))
    assert len(tried) == 6  # GPU, NPU, CPU 4096 and 2048, llama CPU 4096 and 2048
    assert engine.loaded is None


def test_a_corrupt_file_stops_at_once(runnable: ModelInfo) -> None:
    engine, tried = engine_with(lambda _n, _o: CorruptModelError("The file is truncated."))
    plan = load_attempts(runnable, Req(backend="openvino", device="GPU"), INTEL)
    with pytest.raises(CorruptModelError):
        load_with_fallback(engine, runnable, plan)
    assert len(tried) == 1


def test_a_hanging_chat_template_stops_at_once(runnable: ModelInfo) -> None:
    """Issue 15: no device or backend helps a template that never ends; it is waited for once,
    not once per attempt of the plan."""
    engine, tried = engine_with(lambda _n, _o: None)
    forever = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    hostile = replace(runnable, chat_template=forever)
    plan = load_attempts(hostile, Req(backend="openvino", device="GPU"), INTEL)
    assert len(plan) > 1
    failed: list[Attempt] = []
    with pytest.raises(ChatTemplateError, match="ran for more than"):
        load_with_fallback(engine, hostile, plan, lambda attempt, _exc: failed.append(attempt))
    assert failed == [] and tried == []  # refused before any backend was asked to load


def test_a_failed_attempt_keeps_the_loaded_model(starter: ModelInfo) -> None:
    engine = Engine(backend_factory=lambda _name: ScriptedBackend())
    engine.load(LoadRequest(starter.path, BackendName.LLAMA), starter)
    before = engine.loaded
    broken = ScriptedBackend(load_error=OutOfMemoryError("Not enough memory."))
    engine._backend_factory = lambda _name: broken
    with pytest.raises(OutOfMemoryError):
        load_with_fallback(engine, starter, [Attempt(LoadRequest(starter.path, BackendName.LLAMA))])
    assert engine.loaded is before


def test_a_reason_inside_a_note_reads_as_a_clause(runnable: ModelInfo) -> None:
    """The engine's sentence "The model rotates ..." sits inside parentheses mid-sentence."""

    def rule(name: str, options: LoadRequest) -> Exception | None:
        if options.device == "GPU":
            return UnsupportedModelError("The model rotates 32 of 64 head dimensions.")
        return None

    engine, _ = engine_with(rule)
    settings = Req(backend="openvino", device="GPU", context_length=4096)
    _, notes = load_with_fallback(engine, runnable, load_attempts(runnable, settings, INTEL))
    assert "(the model rotates 32 of 64 head dimensions)" in notes[0].english()
