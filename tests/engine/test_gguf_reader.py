"""The low-level GGUF reader: metadata values, long and nested arrays, text, speed."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest
from gguf_factory import write_llama_gguf

from engine.errors import CorruptModelError
from engine.gguf_file import read_gguf
from engine.gguf_reader import GGUFArraySummary


def test_long_arrays_are_summarised_except_tokens(tmp_path: Path) -> None:
    path = write_llama_gguf(
        tmp_path / "arrays.gguf",
        extra_kv={"test.short": list(range(1024)), "test.long": list(range(1025))},
    )
    model = read_gguf(path)
    assert model.get("test.short") == tuple(range(1024))
    assert model.get("test.long") == GGUFArraySummary(item_type=5, length=1025)  # INT32
    merges = model.get("tokenizer.ggml.merges")
    assert isinstance(merges, tuple)  # short enough to keep in the tiny model


def test_nested_arrays(tmp_path: Path) -> None:
    ok = write_llama_gguf(tmp_path / "nested2.gguf", extra_kv={"test.nested": [[1, 2], [3]]})
    assert read_gguf(ok).get("test.nested") == ((1, 2), (3,))
    deep = write_llama_gguf(tmp_path / "nested3.gguf", extra_kv={"test.nested": [[[1]]]})
    with pytest.raises(CorruptModelError, match="nests arrays 3 deep"):
        read_gguf(deep)


def test_invalid_utf8_is_replaced(tmp_path: Path) -> None:
    path = write_llama_gguf(tmp_path / "utf8.gguf", name="Tiny cafe")
    path.write_bytes(path.read_bytes().replace(b"Tiny cafe", b"Tiny caf\xff"))
    assert read_gguf(path).get("general.name") == "Tiny caf\ufffd"


def _handmade_gguf(path: Path, n_tokens: int) -> Path:
    """A header-heavy GGUF: a MiniCPM5-sized vocabulary and one small tensor."""

    def string(text: str) -> bytes:
        encoded = text.encode()
        return struct.pack("<Q", len(encoded)) + encoded

    tokens = [f"token-{i}-\u4e2d" for i in range(n_tokens)]
    kv = string("general.architecture") + struct.pack("<I", 8) + string("llama")
    kv += string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, n_tokens)
    kv += b"".join(string(t) for t in tokens)
    kv += string("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 6, n_tokens)
    kv += struct.pack(f"<{n_tokens}f", *([0.0] * n_tokens))
    tensor = string("output_norm.weight") + struct.pack("<IQIQ", 1, 64, 0, 0)
    header = b"GGUF" + struct.pack("<IQQ", 3, 1, 3) + kv + tensor
    header += b"\0" * ((-len(header)) % 32)
    path.write_bytes(header + b"\0" * 256)
    return path


def test_large_vocabulary_is_fast(tmp_path: Path) -> None:
    path = _handmade_gguf(tmp_path / "vocab.gguf", 130_000)
    start = time.perf_counter()
    model = read_gguf(path)
    elapsed = time.perf_counter() - start
    tokens = model.get("tokenizer.ggml.tokens")
    assert isinstance(tokens, tuple)
    assert len(tokens) == 130_000
    assert tokens[-1] == "token-129999-\u4e2d"
    assert model.get("tokenizer.ggml.scores") == GGUFArraySummary(item_type=6, length=130_000)
    assert elapsed < 1.0  # about 0.05 s measured; generous for slow CI machines
