"""The tensor table: read exactly as the gguf package reads it, with the same type table."""

from __future__ import annotations

from pathlib import Path

import gguf

from engine.gguf_file import read_gguf
from engine.gguf_tensors import GGML_TYPES


def test_tensor_table_matches_the_gguf_package(tiny_llama_gguf: Path) -> None:
    reference = gguf.GGUFReader(tiny_llama_gguf)
    model = read_gguf(tiny_llama_gguf)
    assert [t.name for t in model.tensors] == [t.name for t in reference.tensors]
    for ours, theirs in zip(model.tensors, reference.tensors, strict=True):
        assert ours.shape == tuple(int(d) for d in theirs.shape)
        assert ours.ggml_type == int(theirs.tensor_type)
        assert ours.offset == theirs.data_offset
        assert ours.n_bytes == theirs.n_bytes
    last = max(model.tensors, key=lambda t: t.offset)
    assert last.offset + last.n_bytes == model.file_size


def test_type_table_matches_the_gguf_package() -> None:
    for qtype, (block_size, type_size) in gguf.GGML_QUANT_SIZES.items():
        if qtype.name == "Q8_1":
            # gguf 0.19.0 still has the 2023 block (two f32 scales, 40 bytes); the ggml in
            # llama-cpp-python 0.3.36 uses two f16 scales (36 bytes). Q8_1 never stores weights.
            assert GGML_TYPES[int(qtype)] == ("Q8_1", 32, 36)
            continue
        assert GGML_TYPES[int(qtype)] == (qtype.name, block_size, type_size)
