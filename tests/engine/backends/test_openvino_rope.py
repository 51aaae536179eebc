"""The LongRoPE factor set chosen at load (engine.backends.openvino_rope): the model handed to
OpenVINO GenAI, the properties it gets, and IRs with one set loading exactly as before.

The IR is built straight from a random-weight MiniCPM GGUF (context 2,048, original 512,
distinct sets) without the conversion job's verification; tests/engine/convert/
test_longrope_bands.py checks the answers against llama.cpp.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.backends import openvino_rope
from engine.backends.openvino import OpenVinoBackend
from engine.backends.openvino_rope import PipelineOnMappedWeights, open_pipeline
from engine.convert.rope_sets import (
    LONG_CONSTANT,
    SHORT_CONSTANT,
    long_set_model,
    long_set_xml,
    read_model_xml,
)
from engine.errors import CorruptModelError
from engine.model_inspection import inspect_model
from engine.types import GenerationParams, LoadRequest
from tests.engine.convert.convert_models import write_tied_minicpm

ORIGINAL = 512


def _ir(folder: Path, **options: Any) -> Path:
    import openvino

    from engine.convert.gguf_to_openvino import MODEL_XML, build_openvino_model, write_config
    from engine.convert.tokenizer import write_tokenizer_from_metadata

    folder.mkdir()
    # Tied, with layer gains: the layers (and so the rotary) decide the greedy tokens.
    source = write_tied_minicpm(folder.parent, **options)
    model, described = build_openvino_model(source)
    openvino.save_model(model, folder / MODEL_XML, compress_to_fp16=False)
    write_tokenizer_from_metadata(described.tokenizer_fields, folder)
    write_config(folder, described, {"weights": "keep"})
    return folder


@pytest.fixture(scope="module")
def two_sets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rope")
    return _ir(root / "two-sets", context_length=2048, original_context_length=ORIGINAL)


@pytest.fixture(scope="module")
def one_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """As every IR converted before: one set (here the file has no original context)."""
    return _ir(tmp_path_factory.mktemp("rope") / "one-set", context_length=2048)


def _recording(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    import openvino_genai

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    real = openvino_genai.LLMPipeline

    def recording(*args: Any, **properties: Any) -> Any:
        calls.append((args, properties))
        return real(*args, **properties)

    monkeypatch.setattr(openvino_genai, "LLMPipeline", recording)
    return calls


def _load(folder: Path, n_ctx: int) -> OpenVinoBackend:
    backend = OpenVinoBackend()
    backend.load(inspect_model(folder), LoadRequest(folder, "openvino", n_ctx=n_ctx))
    return backend


def _answer(backend: OpenVinoBackend) -> str:
    pieces: list[str] = []
    prompt = backend.tokenize("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n")
    params = GenerationParams(temperature=0.0, max_new_tokens=8)
    backend.generate(prompt, 8, params, (), pieces.append, lambda: False)
    return "".join(pieces)


def test_beyond_the_original_context_genai_gets_the_long_set_and_the_scheduler(
    monkeypatch: pytest.MonkeyPatch, two_sets: Path
) -> None:
    calls = _recording(monkeypatch)
    short, long = _load(two_sets, ORIGINAL), _load(two_sets, 2 * ORIGINAL)
    try:
        (short_args, short_properties), (long_args, long_properties) = calls
        assert short_args == (str(two_sets), "CPU")
        xml, weights, _tokenizer, device, config = long_args
        assert xml == long_set_xml(read_model_xml(two_sets)) and device == "CPU"
        assert weights.get_byte_size() == (two_sets / "openvino_model.bin").stat().st_size
        assert config is None  # the folder has no generation_config.json
        # The same properties either way: precision, paged attention with prefix caching.
        assert long_properties.keys() == short_properties.keys()
        assert long_properties["scheduler_config"].enable_prefix_caching
        assert long_properties["INFERENCE_PRECISION_HINT"] == "f32"
        assert isinstance(long._pipe, PipelineOnMappedWeights)
        assert not isinstance(short._pipe, PipelineOnMappedWeights)
        assert _answer(short) != _answer(long)  # random weights, other rotary frequencies
    finally:
        short.close()
        long.close()


def test_the_long_model_reads_the_long_constant_back(two_sets: Path) -> None:
    """The edited XML differs in one offset, and its short Constant now holds the long set."""
    import openvino

    xml = read_model_xml(two_sets)
    edited = long_set_xml(xml)
    changed = [(a, b) for a, b in zip(xml.splitlines(), edited.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and "offset=" in changed[0][0]
    mapped = long_set_model(two_sets, xml)
    model = openvino.Core().read_model(mapped.xml, mapped.weights)
    constants = {
        op.get_friendly_name(): op for op in model.get_ops() if op.get_type_name() == "Constant"
    }
    used = constants[SHORT_CONSTANT].get_data()
    np.testing.assert_array_equal(used, constants[LONG_CONSTANT].get_data())
    saved = openvino.Core().read_model(two_sets / "openvino_model.xml")
    short = next(op for op in saved.get_ops() if op.get_friendly_name() == SHORT_CONSTANT)
    assert not np.array_equal(short.get_data(), used)
    del model


def test_an_ir_with_one_set_loads_from_its_folder_at_any_context(
    monkeypatch: pytest.MonkeyPatch, one_set: Path
) -> None:
    calls = _recording(monkeypatch)
    backend = _load(one_set, 2048)
    backend.close()
    assert calls[0][0] == (str(one_set), "CPU")
    assert inspect_model(one_set).context_length == 2048


def test_a_damaged_long_set_is_refused_in_words(tmp_path: Path, two_sets: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in two_sets.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    xml = read_model_xml(two_sets)
    (broken / "openvino_model.xml").write_text(
        xml.replace(f'name="{LONG_CONSTANT}"', 'name="renamed"'), encoding="utf-8"
    )
    backend = OpenVinoBackend()
    with pytest.raises(CorruptModelError, match="RoPE constants"):
        backend.load(inspect_model(broken), LoadRequest(broken, "openvino", n_ctx=2048))
    (broken / "openvino_model.xml").write_text(
        xml.replace('<original_context_length value="512"', '<original_context_length value="x"'),
        encoding="utf-8",
    )
    with pytest.raises(CorruptModelError, match="original context length"):
        backend.load(inspect_model(broken), LoadRequest(broken, "openvino", n_ctx=256))


def test_the_pipeline_goes_before_the_mapping_under_it() -> None:
    """OpenVINO's constants point into the mapping without holding it (freeing it first
    crashed the process), so the pipeline must be released first."""
    order: list[str] = []

    class Recorded:
        def __init__(self, name: str) -> None:
            self.name = name

        def generate(self) -> str:
            return "answer"

        def __del__(self) -> None:
            order.append(self.name)

    wrapper = PipelineOnMappedWeights(Recorded("pipeline"), Recorded("mapping"))  # type: ignore[arg-type]
    assert wrapper.generate() == "answer"  # everything else is the pipeline's own
    del wrapper
    gc.collect()
    assert order == ["pipeline", "mapping"]


def test_open_pipeline_passes_a_generation_config_beside_the_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, two_sets: Path
) -> None:
    """What the folder constructor reads besides the model reaches the other one too."""
    folder = tmp_path / "with-config"
    folder.mkdir()
    for path in two_sets.iterdir():
        (folder / path.name).symlink_to(path)
    (folder / "generation_config.json").write_text('{"max_new_tokens": 7}', encoding="utf-8")
    seen: list[Any] = []

    class FakeGenai:
        @staticmethod
        def Tokenizer(path: str) -> str:  # noqa: N802 (GenAI's names)
            return f"tokenizer of {Path(path).name}"

        class GenerationConfig:
            def __init__(self, path: str) -> None:
                self.path = path

        @staticmethod
        def LLMPipeline(*args: Any, **properties: Any) -> str:  # noqa: N802
            seen.append((args, properties))
            return "pipeline"

    pipe = open_pipeline(FakeGenai, folder, 2 * ORIGINAL, "GPU", {"A": 1})
    (xml, _weights, tokenizer, device, config), properties = seen[0]
    assert tokenizer == "tokenizer of with-config" and device == "GPU" and properties == {"A": 1}
    assert config.path == str(folder / "generation_config.json")
    assert pipe._pipe == "pipeline"
    assert openvino_rope.uses_long_rope_set(read_model_xml(folder), 2 * ORIGINAL)
    assert not openvino_rope.uses_long_rope_set(read_model_xml(folder), ORIGINAL)
