"""LongRoPE at and beyond the original context: a converted model keeps both factor sets and
computes with the one llama.cpp uses at the context the person chose.

The source: a random-weight MiniCPM4-like GGUF with context 2,048, original context 512 and
distinct sets (short 1.0-1.5, long 1.0-8.0), tied embeddings; converted at f16 once per module.
llama.cpp takes the long set when the context exceeds 512 (engine.convert.rope_sets).
"""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest
from convert_models import write_tied_minicpm
from gguf_factory import write_minicpm_gguf

from engine.convert import job
from engine.convert.gguf_to_openvino import MODEL_XML, build_openvino_model, read_source
from engine.convert.job import convert_gguf
from engine.convert.rope_sets import (
    LONG_CONSTANT,
    SHORT_CONSTANT,
    largest_short_context,
    read_model_xml,
    read_rope_sets,
    uses_long_set,
)
from engine.convert.verify import (
    LONG_CONTEXT,
    PROMPTS,
    llama_cpp_logits,
    llama_cpp_tokens,
    openvino_logits,
)
from engine.errors import UnsupportedModelError
from engine.model_inspection import inspect_model
from engine.session import Engine
from engine.types import GenerationParams, LoadRequest, Message

ORIGINAL = 512
CONTEXT = 2048
NAME = "MiniCPM4-tiny-longrope-ov-f16"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tied_minicpm(
        tmp_path_factory.mktemp("source"),
        context_length=CONTEXT,
        original_context_length=ORIGINAL,
    )


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory, source: Path) -> job.ConversionResult:
    return convert_gguf(source, tmp_path_factory.mktemp("models"), NAME, "f16")


def test_llama_cpp_rule_with_its_context_padding(source: Path) -> None:
    """llama.cpp rounds the context up to 256 before comparing it with the original one."""
    from llama_cpp import Llama

    for n_ctx, padded in ((500, 512), (513, 768)):
        llm = Llama(str(source), n_ctx=n_ctx, verbose=False)
        assert llm.n_ctx() == padded
        llm.close()
    assert not uses_long_set(512, 512) and not uses_long_set(500, 512)
    assert uses_long_set(513, 512) and uses_long_set(1024, 512)
    assert uses_long_set(257, 300) and not uses_long_set(256, 300)
    assert largest_short_context(300) == 256 and largest_short_context(100) == 0


def test_both_sets_are_kept_and_the_whole_context_is_offered(
    source: Path, converted: job.ConversionResult
) -> None:
    described, _tensors = read_source(source)
    assert described.has_long_rope_set
    assert described.rope_original_context == ORIGINAL
    assert described.context_length == CONTEXT  # no longer capped at the original context
    assert described.rope_factors is not None and max(described.rope_factors) == 1.5
    assert described.rope_long_factors is not None and max(described.rope_long_factors) == 8.0
    sets = read_rope_sets(read_model_xml(converted.folder))
    assert sets is not None and sets.original_context_length == ORIGINAL
    xml = read_model_xml(converted.folder)
    assert f'name="{SHORT_CONSTANT}"' in xml and f'name="{LONG_CONSTANT}"' in xml
    assert inspect_model(converted.folder).context_length == CONTEXT


def test_verification_covers_both_bands(converted: job.ConversionResult) -> None:
    check = converted.verification
    assert check.passed and check.tokenizer_matches
    assert set(check.prompts) == {*PROMPTS, *(name + LONG_CONTEXT for name in PROMPTS)}
    # f16 weights in both; the rest is summation order (logits std ~ 11): near ties at most.
    for agreement in check.prompts.values():
        assert agreement.top1_agreement > 0.95 and agreement.max_abs_logit_diff < 0.5


def _greedy_chat(model: Path, backend: str, n_ctx: int) -> tuple[str, int]:
    messages = [Message("user", "What is the capital of France? 法国的首都")]
    params = GenerationParams(temperature=0.0, max_new_tokens=24, enable_thinking=False)
    engine = Engine()
    # Automatic precision: exact (f32, KV f16) on every CPU (engine.precision).
    engine.load(LoadRequest(model, backend, n_ctx=n_ctx))
    try:
        result = engine.generate(messages, params)
    finally:
        engine.unload()
    return result.raw_text.removesuffix("<|im_start|>"), result.stats.generated_tokens


@pytest.fixture(scope="module")
def answers(
    source: Path, converted: job.ConversionResult
) -> dict[tuple[str, int], tuple[str, int]]:
    """Greedy chat answers (text, token count) per (backend, context)."""
    models = {"llama": source, "openvino": converted.folder}
    return {
        (backend, n_ctx): _greedy_chat(models[backend], backend, n_ctx)
        for backend in models
        for n_ctx in (ORIGINAL, 2 * ORIGINAL)
    }


@pytest.mark.parametrize("n_ctx", [ORIGINAL, 2 * ORIGINAL])
def test_greedy_chat_equals_llama_cpp_at_and_beyond_the_original_context(
    answers: dict[tuple[str, int], tuple[str, int]], n_ctx: int
) -> None:
    """Through the app's load path (Engine -> OpenVinoBackend.load) against llama.cpp at the
    same context: the short set at 512, the long set at 1,024."""
    llama = answers["llama", n_ctx]
    assert llama[1] >= 16
    assert answers["openvino", n_ctx] == llama


def test_beyond_the_original_context_the_long_set_is_used(
    answers: dict[tuple[str, int], tuple[str, int]],
) -> None:
    """The two bands answer differently, on both engines: the long set is really in use."""
    for backend in ("llama", "openvino"):
        assert answers[backend, ORIGINAL] != answers[backend, 2 * ORIGINAL]


def _copy_with(source: Path, target: Path, keys: dict[str, float], long: str = "") -> Path:
    """`source` with float metadata `keys` added; long="short": the long factors replaced by
    the short ones; long="drop": no long factors."""
    reader = gguf.GGUFReader(source)
    writer = gguf.GGUFWriter(target, "minicpm")
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), value_type, sub_type)
    for key, value in keys.items():
        writer.add_float32(key, value)
    tensors = {t.name: t for t in reader.tensors}
    for tensor in reader.tensors:
        data = tensor.data
        if tensor.name == "rope_factors_long.weight":
            if long == "drop":
                continue
            if long == "short":
                data = tensors["rope_factors_short.weight"].data
        writer.add_tensor(tensor.name, data, raw_dtype=tensor.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target


def test_equal_sets_or_no_original_context_keep_one_set(source: Path, tmp_path: Path) -> None:
    """As before: one set and the whole context (MiniCPM4.1 writes equal sets)."""
    equal, _ = read_source(_copy_with(source, tmp_path / "equal.gguf", {}, long="short"))
    assert not equal.has_long_rope_set and equal.context_length == CONTEXT
    assert equal.rope_factor_source == "rope_factors_short.weight (= long)"
    # No original context in the file: it is the model's context, so one set serves all.
    described, _ = read_source(write_minicpm_gguf(tmp_path / "plain.gguf"))
    assert not described.has_long_rope_set and described.context_length == 32768
    assert described.rope_factor_source == "rope_factors_short.weight"


def test_a_missing_long_set_means_plain_rope_beyond_the_original(
    source: Path, tmp_path: Path
) -> None:
    """llama.cpp passes no factors where the file has no set for the band."""
    described, _ = read_source(_copy_with(source, tmp_path / "short-only.gguf", {}, long="drop"))
    assert described.has_long_rope_set and described.rope_long_factors is None


def _max_logit_diff(gguf_path: Path, folder: Path) -> dict[int, tuple[float, float]]:
    """Per context (short band, long band): the max logit difference to llama.cpp and the
    spread of llama.cpp's logits, teacher-forced on one prompt."""
    import openvino

    model, _described = build_openvino_model(gguf_path, keep_quantized=True)
    openvino.save_model(model, folder / MODEL_XML, compress_to_fp16=False)
    tokens = llama_cpp_tokens(gguf_path, [PROMPTS["english"]])
    result = {}
    for n_ctx, long_set in ((ORIGINAL, False), (2 * ORIGINAL, True)):
        reference = llama_cpp_logits(gguf_path, tokens, n_ctx)[0]
        ours = openvino_logits(folder, tokens, long_set=long_set)[0]
        result[n_ctx] = (float(np.abs(ours - reference).max()), float(reference.std()))
    return result


def test_attn_factor_and_scaling_factor_are_applied_like_llama_cpp(
    source: Path, tmp_path: Path
) -> None:
    """rope.scaling.attn_factor scales cos / sin and rope.scaling.factor the angles in both
    bands (llama-cpp-python 0.3.36 changes its logits for either key)."""
    keys = {"minicpm.rope.scaling.attn_factor": 1.25, "minicpm.rope.scaling.factor": 2.0}
    scaled = _copy_with(source, tmp_path / "scaled.gguf", keys)
    described, _ = read_source(scaled)
    assert described.rope_attn_factor == 1.25 and described.rope_freq_scale == 0.5
    for difference, spread in _max_logit_diff(scaled, tmp_path).values():
        assert difference < 0.05 * spread


def test_yarn_scaling_is_refused_in_words(tmp_path: Path) -> None:
    yarn = write_minicpm_gguf(
        tmp_path / "yarn.gguf", longrope=False, extra_kv={"minicpm.rope.scaling.type": "yarn"}
    )
    with pytest.raises(UnsupportedModelError, match="YaRN"):
        read_source(yarn)
