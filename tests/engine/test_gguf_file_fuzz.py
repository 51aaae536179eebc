"""Fuzz: whatever bytes a .gguf file holds, reading and inspecting it gives a result or one of
the app's own errors: never another exception, never a hang, never memory out of proportion.

Three sources of files: arbitrary bytes; a valid tiny model with its header fields overwritten,
bytes flipped and the file cut; and headers built field by field from typed values whose
counts and lengths may lie (this reaches the checks deep inside a well-formed header).
"""

from __future__ import annotations

import struct
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from gguf_factory import write_llama_gguf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.errors import EngineError
from engine.gguf_file import GGUFFile, read_gguf
from engine.gguf_reader import GGUFArraySummary
from engine.gguf_tensors import GGML_TYPES
from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model

# One read of a small file takes milliseconds; these limits only catch runaway work.
SECONDS_PER_READ = 2.0
# The header is parsed from an mmap; what Python allocates stays a small multiple of the file
# (a vocabulary of short tokens costs about 6x its bytes as Python strings).
MEMORY_PER_FILE_BYTE = 8
MEMORY_SLACK = 1 << 20
FUZZ = settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])


@dataclass
class Outcome:
    gguf: GGUFFile | None
    info: ModelInfo | None
    error: EngineError | None


@contextmanager
def _bounded(size: int) -> Iterator[None]:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < SECONDS_PER_READ, f"{elapsed:.1f} s for a {size:,} byte file"
    assert peak <= MEMORY_PER_FILE_BYTE * size + MEMORY_SLACK, (
        f"{peak:,} bytes allocated for a {size:,} byte file"
    )


def check_file(data: bytes, name: str = "fuzz.gguf") -> Outcome:
    """Read and inspect `data` as a .gguf file; only EngineError may come out of either."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        outcome = Outcome(None, None, None)
        with _bounded(len(data)):
            try:
                outcome.gguf = read_gguf(path)
                outcome.info = inspect_model(path)
            except EngineError as exc:
                outcome.error = exc
    if outcome.error is not None:
        assert str(outcome.error)  # a message for people, never empty
        assert name in str(outcome.error)  # that names the file
        return outcome
    assert outcome.gguf is not None
    _check_parsed(outcome.gguf, len(data))
    return outcome


def _check_parsed(gguf: GGUFFile, size: int) -> None:
    """What read_gguf promises about a file it accepts."""
    assert gguf.version in (2, 3)
    assert gguf.file_size == size
    assert gguf.tensors
    ends = []
    for tensor in gguf.tensors:
        assert tensor.offset >= gguf.data_offset
        assert tensor.n_bytes > 0
        ends.append((tensor.offset, tensor.offset + tensor.n_bytes))
    assert max(end for _, end in ends) <= size
    ends.sort()
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(ends, ends[1:], strict=False))


# --- Arbitrary bytes -------------------------------------------------------------------------

HEADER_STARTS = st.sampled_from(
    [b"", b"GGUF", b"GGUF\x03\x00\x00\x00", b"GGUF\x02\x00\x00\x00", b"GG", b"GGUF\x03"]
)


@FUZZ
@given(HEADER_STARTS, st.binary(max_size=300))
@example(b"G", b"")
@example(b"GGUF", b"\x00\x00\x00\x03")  # big-endian version 3
def test_arbitrary_bytes(start: bytes, rest: bytes) -> None:
    check_file(start + rest)


# --- A valid tiny model, damaged -------------------------------------------------------------


def _string(text: bytes) -> bytes:
    return struct.pack("<Q", len(text)) + text


def field_offsets(data: bytes) -> list[tuple[int, str]]:
    """(offset, struct format) of every count, length, type and offset field in the header."""
    fields: list[tuple[int, str]] = [(4, "<I"), (8, "<Q"), (16, "<Q")]
    _, _, n_tensors, n_kv = struct.unpack_from("<4sIQQ", data)
    pos = 24

    def skip_string() -> None:
        nonlocal pos
        fields.append((pos, "<Q"))
        (length,) = struct.unpack_from("<Q", data, pos)
        pos += 8 + length

    scalar_sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def skip_value(value_type: int) -> None:
        nonlocal pos
        if value_type in scalar_sizes:
            pos += scalar_sizes[value_type]
        elif value_type == 8:
            skip_string()
        else:  # an array: item type, count, items
            fields.extend([(pos, "<I"), (pos + 4, "<Q")])
            item_type, count = struct.unpack_from("<IQ", data, pos)
            pos += 12
            for _ in range(count):
                skip_value(item_type)

    for _ in range(n_kv):
        skip_string()
        fields.append((pos, "<I"))
        (value_type,) = struct.unpack_from("<I", data, pos)
        pos += 4
        skip_value(value_type)
    for _ in range(n_tensors):
        skip_string()
        fields.append((pos, "<I"))
        (n_dims,) = struct.unpack_from("<I", data, pos)
        fields.extend((pos + 4 + 8 * i, "<Q") for i in range(n_dims))
        pos += 4 + 8 * n_dims
        fields.extend([(pos, "<I"), (pos + 4, "<Q")])
        pos += 12
    return fields


@pytest.fixture(scope="module")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[tuple[int, str]]]:
    """A real llama-architecture model, as small as the factory makes one (~40 KB)."""
    path = write_llama_gguf(
        tmp_path_factory.mktemp("fuzz") / "small.gguf",
        n_layers=1,
        n_embd=32,
        n_heads=2,
        n_kv_heads=1,
        n_ff=32,
        extra_kv={"test.nested": [[1, 2], [3]], "test.flag": True, "test.ratio": 0.5},
    )
    data = path.read_bytes()
    assert check_file(data).error is None
    return data, field_offsets(data)


INTERESTING = st.sampled_from(
    [0, 1, 2, 3, 4, 7, 8, 9, 12, 13, 31, 32, 33, 63, 64, 1024, 1025, 2**16, 2**24, 2**24 + 1]
    + [2**31, 2**32 - 1, 2**32, 2**40, 2**62, 2**63 - 1, 2**63, 2**64 - 1]
)


@st.composite
def damage(draw: st.DrawFn, data: bytes, fields: list[tuple[int, str]]) -> bytes:
    out = bytearray(data)
    header_end = fields[-1][0] + 8
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["field", "field", "byte", "cut"]))
        if kind == "field":
            offset, fmt = draw(st.sampled_from(fields))
            value = draw(INTERESTING | st.integers(0, 2**64 - 1))
            if offset + struct.calcsize(fmt) <= len(out):  # not cut off already
                struct.pack_into(fmt, out, offset, value % (1 << (8 * struct.calcsize(fmt))))
        elif kind == "byte":
            out[draw(st.integers(0, min(len(out), header_end) - 1))] = draw(st.integers(0, 255))
        else:
            del out[draw(st.integers(0, len(out))) :]
        if not out:
            break
    return bytes(out)


@FUZZ
@given(st.data())
def test_damaged_small_model(
    small_model: tuple[bytes, list[tuple[int, str]]], data: st.DataObject
) -> None:
    valid, fields = small_model
    check_file(data.draw(damage(valid, fields)))


# --- Headers built field by field ------------------------------------------------------------

# Keys read by read_gguf's checks and by inspect_model, so odd values reach that code.
KEYS = [
    "general.architecture",
    "general.alignment",
    "general.name",
    "general.basename",
    "general.finetune",
    "general.file_type",
    "llama.context_length",
    "llama.block_count",
    "llama.expert_count",
    "llama.expert_used_count",
    "llama.rope.scaling.type",
    "llama.rope.scaling.factor",
    "llama.vocab_size",
    "llama.embedding_scale",
    "minicpm.block_count",
    "tokenizer.ggml.model",
    "tokenizer.ggml.tokens",
    "tokenizer.ggml.bos_token_id",
    "tokenizer.ggml.eos_token_id",
    "tokenizer.ggml.add_bos_token",
    "tokenizer.chat_template",
]
STRINGS = st.sampled_from(
    ["llama", "minicpm", "MiniCPM4.1-8B", "yarn", "bogus", "7", "-3", "--5", "\u00b2", "\u0663"]
    + ["", "{{ enable_thinking }}<think>", "minicpm" + "1" * 3000 + "b", "9" * 5000]
).map(str.encode) | st.binary(max_size=12)
SCALAR_FORMATS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q"}
SCALAR_FORMATS |= {11: "q", 12: "d"}


def _u32(value: int) -> bytes:
    return struct.pack("<I", value)


def _u64(value: int) -> bytes:
    return struct.pack("<Q", value)


@st.composite
def scalar(draw: st.DrawFn, value_type: int) -> bytes:
    size = struct.calcsize(SCALAR_FORMATS[value_type])
    if value_type in (6, 12):  # floats: NaN, infinities and ordinary numbers alike
        return draw(st.binary(min_size=size, max_size=size))
    bits = 8 * size
    return struct.pack(
        "<" + SCALAR_FORMATS[value_type].upper().replace("?", "B"),
        draw(INTERESTING | st.integers(0, 600)) % (1 << bits),
    )


RARELY = st.integers(0, 11).map(lambda n: n == 0)


@st.composite
def lying_count(draw: st.DrawFn, actual: int, honest: bool = False) -> int:
    """Usually the true count; now and then a lie, small or absurd."""
    return draw(st.just(actual + 1) | INTERESTING) if not honest and draw(RARELY) else actual


@st.composite
def value(draw: st.DrawFn, depth: int = 0, honest: bool = False) -> tuple[int, bytes]:
    """(GGUF value type, encoded value); now and then an unknown type, counts may lie."""
    if depth == 0 and not honest and draw(RARELY):
        return draw(st.sampled_from([13, 99, 2**32 - 1])), draw(st.binary(max_size=16))
    value_type = draw(st.sampled_from([*SCALAR_FORMATS, 8, 8, 8, 9, 9]))
    return value_type, draw(value_of(value_type, depth, honest))


@st.composite
def value_of(draw: st.DrawFn, value_type: int, depth: int, honest: bool) -> bytes:
    if value_type in SCALAR_FORMATS:
        return draw(scalar(value_type))
    if value_type == 8:
        text = draw(STRINGS)
        return _u64(draw(lying_count(len(text), honest))) + text
    if value_type == 9 and depth < (2 if honest else 3):
        item_type = draw(st.sampled_from([*SCALAR_FORMATS, 8, 8, 9]))
        n_items = draw(st.integers(0, 4))
        items = [draw(value_of(item_type, depth + 1, honest)) for _ in range(n_items)]
        return _u32(item_type) + _u64(draw(lying_count(n_items, honest))) + b"".join(items)
    return draw(st.binary(max_size=16))


@st.composite
def tensor_info(draw: st.DrawFn, index: int, offset: int) -> tuple[bytes, int]:
    """One tensor's header entry, usually sound, and the offset after its data."""
    name = f"blk.{index}.weight".encode()
    if draw(RARELY):
        name = draw(st.sampled_from([b"", b"blk.0.weight", b"x" * 64]) | st.binary(max_size=4))
    ggml_type = draw(st.sampled_from(sorted(GGML_TYPES)))
    _, block_size, type_size = GGML_TYPES[ggml_type]
    dims = [block_size * draw(st.integers(1, 2))] + draw(st.lists(st.integers(1, 3), max_size=3))
    n_bytes = type_size * dims[0] // block_size
    for dim in dims[1:]:
        n_bytes *= dim
    n_dims, written = len(dims), offset
    if draw(RARELY):  # one field of it is damaged
        which = draw(st.sampled_from(["n_dims", "dim", "type", "offset"]))
        n_dims = draw(st.sampled_from([0, 5, 2**32 - 1])) if which == "n_dims" else n_dims
        dims[0] = draw(INTERESTING) if which == "dim" else dims[0]
        ggml_type = draw(st.sampled_from([4, 5, 31, 99, 2**31])) if which == "type" else ggml_type
        written = draw(INTERESTING) if which == "offset" else offset
    entry = _u64(len(name)) + name + _u32(n_dims) + b"".join(_u64(d) for d in dims[:n_dims])
    return entry + _u32(ggml_type) + _u64(written), offset + n_bytes + (-n_bytes) % 32


@st.composite
def built_file(draw: st.DrawFn) -> bytes:
    keys = draw(st.lists(st.sampled_from(KEYS) | st.text(min_size=1, max_size=4), unique=True))
    if draw(RARELY):
        keys.append(draw(st.sampled_from(["", *keys])))  # an empty or repeated key
    kvs = b"".join(_string(key.encode()) + _u32(t) + v for key in keys for t, v in [draw(value())])
    n_tensors = draw(st.integers(1, 3)) if not draw(RARELY) else 0
    tensors, offset = b"", 0
    for index in range(n_tensors):
        entry, offset = draw(tensor_info(index, offset))
        tensors += entry
    version = draw(st.sampled_from([1, 2, 999])) if draw(RARELY) else 3
    header = b"GGUF" + _u32(version)
    header += _u64(draw(lying_count(n_tensors))) + _u64(draw(lying_count(len(keys))))
    body = header + kvs + tensors
    body += b"\0" * ((-len(body)) % 32) + bytes(offset)
    return body[: draw(st.integers(0, len(body)))] if draw(RARELY) else body


def _llama_header(*entries: tuple[str, int, bytes]) -> bytes:
    """A well-formed file: the given metadata and one F32 tensor of 32 values."""
    kvs = b"".join(_string(key.encode()) + _u32(kind) + data for key, kind, data in entries)
    tensor = _string(b"output_norm.weight") + _u32(1) + _u64(32) + _u32(0) + _u64(0)
    body = b"GGUF" + _u32(3) + _u64(1) + _u64(len(entries)) + kvs + tensor
    return body + b"\0" * ((-len(body)) % 32) + bytes(128)


ARCH = ("general.architecture", 8, _string(b"llama"))


@FUZZ
@given(built_file())
def test_built_headers(data: bytes) -> None:
    check_file(data)


def test_the_builder_makes_files_that_parse() -> None:
    """The strategies above reach past the header: a plain built file is accepted."""
    outcome = check_file(_llama_header(ARCH, ("general.name", 8, _string(b"Tiny"))))
    assert outcome.info is not None
    assert outcome.info.name == "Tiny"


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYS), value(honest=True), max_size=10))
def test_any_metadata_values_are_inspected(metadata: dict[str, tuple[int, bytes]]) -> None:
    """Well-formed files whose metadata (the keys the app reads) holds values of any type."""
    check_file(_llama_header(*((key, kind, data) for key, (kind, data) in metadata.items())))


# --- Regression tests for what the fuzzing found ----------------------------------------------


@pytest.mark.parametrize("number", ["9" * 5000, "\u00b2", "--5"])
def test_a_number_written_as_text_that_int_refuses(number: str) -> None:
    """Found by fuzzing: isdigit() accepted these, int() raised ValueError in inspect_model."""
    entries = [(key, 8, _string(number.encode())) for key in KEYS if "_id" in key or "type" in key]
    outcome = check_file(_llama_header(ARCH, *(e for e in entries if "rope" not in e[0])))
    assert outcome.info is not None
    assert outcome.info.bos_token_id is None
    assert outcome.info.quantization == "F32"


def test_a_long_minicpm_name_is_inspected_quickly() -> None:
    """Found reviewing what a file's text reaches, for this fuzzing pass: the MiniCPM version
    pattern backtracked quadratically on a long general.name (about 40 s for 100 KB; a file
    may hold names up to 16 MB). The fuzzed names are too short to show it as a hang."""
    name = b"MiniCPM" + b"1" * 1_000_000 + b"B"
    start = time.perf_counter()
    outcome = check_file(_llama_header(ARCH, ("general.name", 8, _string(name))))
    assert time.perf_counter() - start < 1.0
    assert outcome.info is not None
    assert outcome.info.is_minicpm
    assert outcome.info.minicpm_version is None  # "1...1B" is a size, not a version


def _peak_memory_of_reading(data: bytes) -> tuple[GGUFFile, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big-array.gguf"
        path.write_bytes(data)
        tracemalloc.start()
        try:
            gguf = read_gguf(path)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return gguf, peak


def test_a_tokens_array_of_numbers_is_not_decoded() -> None:
    """Tokens are kept whatever their length because the app needs their text; an array of
    bytes under that key has no text, and decoding it cost 8 bytes of memory per byte of
    file (a crafted 5 GB file: 40 GB)."""
    n_items = 4_000_000
    tokens = ("tokenizer.ggml.tokens", 9, _u32(0) + _u64(n_items) + bytes(n_items))
    gguf, peak = _peak_memory_of_reading(_llama_header(ARCH, tokens))
    assert gguf.get("tokenizer.ggml.tokens") == GGUFArraySummary(0, n_items)
    assert peak < n_items // 4


def test_a_long_array_of_arrays_is_not_decoded() -> None:
    """An array too long to keep was still decoded item by item and held until the end."""
    inner = _u32(0) + _u64(32) + bytes(32)
    n_items = 50_000
    nested = ("test.nested", 9, _u32(9) + _u64(n_items) + inner * n_items)
    gguf, peak = _peak_memory_of_reading(_llama_header(ARCH, nested))
    assert gguf.get("test.nested") == GGUFArraySummary(9, n_items)
    assert peak < len(inner) * n_items // 4
