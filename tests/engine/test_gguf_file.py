"""The GGUF reader: valid files parse exactly, broken ones give a typed error, never a crash."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from gguf_factory import BROKEN_VARIANTS, write_llama_gguf, write_minicpm_gguf

from engine.errors import CorruptModelError, EngineError, ModelNotFoundError, NotAModelError
from engine.gguf_file import GGUFFile, read_gguf

# Broken variant -> (error, words the message must contain).
EXPECTED: dict[str, tuple[type[EngineError], str]] = {
    "empty": (CorruptModelError, "empty"),
    "truncated_at_4": (CorruptModelError, "truncated"),
    "truncated_at_24": (CorruptModelError, "truncated"),
    "truncated_at_100": (CorruptModelError, "truncated"),
    "truncated_at_1000": (CorruptModelError, "truncated"),
    "truncated_at_50000": (CorruptModelError, "its tensors need"),
    "truncated_to_a_third": (CorruptModelError, "its tensors need"),
    "missing_last_byte": (CorruptModelError, "its tensors need"),
    "truncated_4k_before_end": (CorruptModelError, "its tensors need"),
    "wrong_magic": (NotAModelError, "not a GGUF"),
    "version_999": (CorruptModelError, "version 999"),
    "version_1": (CorruptModelError, "version 1"),
    "big_endian_version": (CorruptModelError, "big-endian"),
    "absurd_tensor_count": (CorruptModelError, "tensors, more than"),
    "absurd_kv_count": (CorruptModelError, "metadata entries, more than"),
    "absurd_key_length": (CorruptModelError, "at most 65,535"),
    "absurd_string_length": (CorruptModelError, "general.architecture"),
    "unknown_value_type": (CorruptModelError, "unknown value type 99"),
    "scrambled_header": (CorruptModelError, "damaged"),
    "random_bytes": (NotAModelError, "not a GGUF"),
    "unknown_tensor_type": (CorruptModelError, "unknown type 77"),
    "five_dimensions": (CorruptModelError, "5 dimensions"),
    "zero_dimension": (CorruptModelError, "impossible shape"),
    "absurd_dimension": (CorruptModelError, "far more than any model holds"),
    "zero_tensors": (CorruptModelError, "no weights"),
    "misaligned_offset": (CorruptModelError, "not a multiple of 32"),
    "overlapping_tensors": (CorruptModelError, "overlap"),
    "duplicate_tensor_name": (CorruptModelError, "appears twice"),
}


def test_every_broken_variant_has_an_expectation() -> None:
    assert set(EXPECTED) == set(BROKEN_VARIANTS)
    assert len(BROKEN_VARIANTS) >= 21


@pytest.mark.parametrize("variant", sorted(BROKEN_VARIANTS))
def test_broken_file_gives_typed_error(broken_ggufs: dict[str, Path], variant: str) -> None:
    error, words = EXPECTED[variant]
    with pytest.raises(error) as caught:
        read_gguf(broken_ggufs[variant])
    message = str(caught.value)
    assert words in message
    assert broken_ggufs[variant].name in message  # people need to know which file


def test_truncation_message_gives_both_sizes(broken_ggufs: dict[str, Path]) -> None:
    with pytest.raises(CorruptModelError) as caught:
        read_gguf(broken_ggufs["truncated_at_50000"])
    assert "it ends at 50.0 KB but its tensors need 264 KB" in str(caught.value)
    assert "download may be incomplete" in str(caught.value)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        read_gguf(tmp_path / "nowhere.gguf")


def test_directory_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(NotAModelError, match="folder"):
        read_gguf(tmp_path)


def test_short_non_gguf_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.gguf"
    path.write_bytes(b"hi")
    with pytest.raises(NotAModelError):
        read_gguf(path)


def test_random_header_damage_never_escapes_as_another_exception(tiny_llama_gguf: Path) -> None:
    """Fuzz: flip bytes and cut the header anywhere; only our typed errors may come out."""
    data = tiny_llama_gguf.read_bytes()
    header_end = read_gguf(tiny_llama_gguf).data_offset
    rng = random.Random(1234)
    folder = tiny_llama_gguf.parent / "fuzz"
    folder.mkdir(exist_ok=True)
    for trial in range(300):
        mutated = bytearray(data[: rng.randrange(header_end + 64)] if trial % 3 == 0 else data)
        for _ in range(rng.randrange(1, 6)):
            if len(mutated) > 4:
                mutated[rng.randrange(4, min(len(mutated), header_end))] = rng.randrange(256)
        path = folder / f"fuzz-{trial}.gguf"
        path.write_bytes(bytes(mutated))
        try:
            read_gguf(path)
        except EngineError as exc:
            assert str(exc)


def test_reads_tiny_llama(tiny_llama_gguf: Path) -> None:
    model = read_gguf(tiny_llama_gguf)
    assert isinstance(model, GGUFFile)
    assert model.version == 3
    assert model.architecture == "llama"
    assert model.get("llama.block_count") == 2
    assert model.get("missing.key", "default") == "default"
    tokens = model.get("tokenizer.ggml.tokens")
    assert isinstance(tokens, tuple)
    assert tokens[:3] == ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
    assert model.file_size == tiny_llama_gguf.stat().st_size
    assert model.data_offset % 32 == 0


@pytest.mark.parametrize(
    ("extra_kv", "words"),
    [
        ({"llama.rope.scaling.type": "bogus"}, "RoPE scaling type 'bogus'"),
        ({"llama.expert_count": 100_000}, "expert count"),
        ({"llama.block_count": 600}, "layer count 600"),
        ({"llama.block_count": 0}, "layer count 0"),
    ],
)
def test_values_that_abort_llama_cpp_are_refused(
    tmp_path: Path, extra_kv: dict[str, object], words: str
) -> None:
    # Measured: llama.cpp 0.3.36 dies with SIGABRT (a GGML_ASSERT) on each of these.
    path = write_llama_gguf(tmp_path / "abort.gguf", extra_kv=extra_kv)
    with pytest.raises(CorruptModelError, match=words):
        read_gguf(path)


def test_starter_model(starter_model: Path) -> None:
    model = read_gguf(starter_model)
    assert model.architecture == "llama"
    tokens = model.get("tokenizer.ggml.tokens")
    assert isinstance(tokens, tuple)
    assert len(tokens) == 49152
    assert {t.type_name for t in model.tensors} == {"Q4_1", "Q8_0", "F32"}
    last = max(model.tensors, key=lambda t: t.offset)
    assert last.offset + last.n_bytes == model.file_size


def _llama_cpp_valid_files(folder: Path) -> list[Path]:
    return [
        write_llama_gguf(folder / "q8_0.gguf", weight_type="Q8_0"),
        write_llama_gguf(folder / "q4_0.gguf", weight_type="Q4_0"),
        write_llama_gguf(folder / "q4_1.gguf", weight_type="Q4_1"),
        write_llama_gguf(folder / "f32-tied.gguf", weight_type="F32", tied_embeddings=True),
        write_llama_gguf(folder / "no-file-type.gguf", write_file_type=False),
        write_minicpm_gguf(folder / "minicpm-no-longrope.gguf", longrope=False),
    ]


def test_files_we_accept_llama_cpp_loads_and_runs(
    tmp_path: Path, tiny_llama_gguf: Path, minicpm_gguf: Path
) -> None:
    llama_cpp = pytest.importorskip("llama_cpp")
    for path in [tiny_llama_gguf, minicpm_gguf, *_llama_cpp_valid_files(tmp_path)]:
        read_gguf(path)  # accepted by us ...
        llm = llama_cpp.Llama(model_path=str(path), n_ctx=256, n_threads=2, verbose=False)
        try:  # ... and by llama.cpp, which also generates from it
            out = llm.create_completion("hello world", max_tokens=4, temperature=0.0)
            assert out["usage"]["completion_tokens"] >= 1
        finally:
            llm.close()
