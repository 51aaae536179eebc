"""Write tiny random-weight GGUF models that llama.cpp loads and runs, for tests.

Two shapes: `write_llama_gguf` (architecture `llama`, a GPT-2 style byte-level BPE vocabulary,
ChatML template: what OpenVINO GenAI can read too) and `write_minicpm_gguf` (architecture
`minicpm` as llama.cpp's converter writes MiniCPM4 / 4.1: muP scales, a SentencePiece vocabulary,
optional LongRoPE factor tensors, a template with `enable_thinking`). Weights are random but
seeded, so a file's bytes depend only on its options.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gguf
import numpy as np

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# MiniCPM4.1 / Qwen3 style: thinking is on unless the caller passes enable_thinking=false.
THINKING_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}{% endif %}"
)

# Words whose byte-level BPE merges make up the small vocabulary (each adds a few tokens).
_WORDS = (
    "the", "of", "and", "is", "in", "to", "a", "capital", "France", "Paris", "hello", "world",
    "What", "user", "assistant", "system", "model", "think", "answer", "city", "you", "are",
)  # fmt: skip


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character table (byte-level BPE)."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


@dataclass(frozen=True)
class _Vocab:
    model: str  # tokenizer.ggml.model
    tokens: list[str]
    types: list[int]
    bos_id: int
    eos_id: int
    add_bos: bool
    merges: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    pre: str | None = None
    unk_id: int | None = None


def _bpe_vocab(special: Sequence[str]) -> _Vocab:
    """Specials first (as SmolLM2 has them), then the 256 byte tokens, then merged words."""
    byte_chars = bytes_to_unicode()
    tokens = list(special)
    types = [gguf.TokenType.CONTROL] * len(special)
    tokens += [byte_chars[b] for b in range(256)]
    types += [gguf.TokenType.NORMAL] * 256
    merges: list[str] = []
    known = set(tokens)
    space = byte_chars[ord(" ")]
    for word in _WORDS:
        for piece in (word, space + word):
            current = piece[0]
            for char in piece[1:]:
                merge = f"{current} {char}"
                current += char
                if current not in known:
                    merges.append(merge)
                    tokens.append(current)
                    types.append(gguf.TokenType.NORMAL)
                    known.add(current)
    return _Vocab(
        model="gpt2",
        pre="gpt-2",
        tokens=tokens,
        types=[int(t) for t in types],
        merges=merges,
        bos_id=tokens.index("<|im_start|>"),
        eos_id=tokens.index("<|im_end|>"),
        add_bos=False,
    )


def _spm_vocab(control: Sequence[str], user_defined: Sequence[str]) -> _Vocab:
    """A Llama-2 style SentencePiece vocabulary: <unk> <s> </s>, byte fallback, pieces."""
    tokens = ["<unk>", "<s>", "</s>"]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    scores = [0.0, 0.0, 0.0]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [gguf.TokenType.BYTE] * 256
    scores += [0.0] * 256
    pieces: list[str] = ["▁"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    pieces += [chr(c) for c in range(ord("A"), ord("Z") + 1)] + list("0123456789.,?!'\n")
    for word in _WORDS:
        for piece in (word, "▁" + word):
            pieces += [piece[:end] for end in range(2, len(piece) + 1)]
    seen = set(tokens)
    for piece in pieces:
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
            types.append(gguf.TokenType.NORMAL)
            # Longer pieces score higher so the SentencePiece merge prefers whole words.
            scores.append(-1000.0 + 10.0 * len(piece))
    for text, kind in [(t, gguf.TokenType.CONTROL) for t in control] + [
        (t, gguf.TokenType.USER_DEFINED) for t in user_defined
    ]:
        tokens.append(text)
        types.append(kind)
        scores.append(0.0)
    return _Vocab(
        model="llama",
        tokens=tokens,
        types=[int(t) for t in types],
        scores=scores,
        bos_id=1,
        eos_id=tokens.index("<|im_end|>"),
        unk_id=0,
        add_bos=True,
    )


@dataclass(frozen=True)
class _Shape:
    n_layers: int
    n_embd: int
    n_heads: int
    n_kv_heads: int
    n_ff: int
    n_vocab: int

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_heads


def _layer_tensors(shape: _Shape, rng: np.random.Generator) -> Iterable[tuple[str, np.ndarray]]:
    """Llama-style tensors in numpy (row-major) order: (out_features, in_features)."""
    kv_dim = shape.n_kv_heads * shape.head_dim
    std = 1.0 / math.sqrt(shape.n_embd)
    for i in range(shape.n_layers):
        yield f"blk.{i}.attn_norm.weight", np.ones(shape.n_embd, dtype=np.float32)
        yield f"blk.{i}.attn_q.weight", rng.normal(0, std, (shape.n_embd, shape.n_embd))
        yield f"blk.{i}.attn_k.weight", rng.normal(0, std, (kv_dim, shape.n_embd))
        yield f"blk.{i}.attn_v.weight", rng.normal(0, std, (kv_dim, shape.n_embd))
        yield (
            f"blk.{i}.attn_output.weight",
            rng.normal(0, std, (shape.n_embd, shape.n_embd)),
        )
        yield f"blk.{i}.ffn_norm.weight", np.ones(shape.n_embd, dtype=np.float32)
        yield f"blk.{i}.ffn_gate.weight", rng.normal(0, std, (shape.n_ff, shape.n_embd))
        yield f"blk.{i}.ffn_up.weight", rng.normal(0, std, (shape.n_ff, shape.n_embd))
        yield f"blk.{i}.ffn_down.weight", rng.normal(0, std, (shape.n_embd, shape.n_ff))


def _model_tensors(
    shape: _Shape, rng: np.random.Generator, tied: bool
) -> Iterable[tuple[str, np.ndarray]]:
    yield "token_embd.weight", rng.normal(0, 0.5, (shape.n_vocab, shape.n_embd))
    yield from _layer_tensors(shape, rng)
    yield "output_norm.weight", np.ones(shape.n_embd, dtype=np.float32)
    if not tied:
        yield (
            "output.weight",
            rng.normal(0, 1.0 / math.sqrt(shape.n_embd), (shape.n_vocab, shape.n_embd)),
        )


_FILE_TYPES = {
    "F32": gguf.LlamaFileType.ALL_F32,
    "F16": gguf.LlamaFileType.MOSTLY_F16,
    "BF16": gguf.LlamaFileType.MOSTLY_BF16,
    "Q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
    "Q4_0": gguf.LlamaFileType.MOSTLY_Q4_0,
    "Q4_1": gguf.LlamaFileType.MOSTLY_Q4_1,
}


def _add_tensor(writer: gguf.GGUFWriter, name: str, data: np.ndarray, weight_type: str) -> None:
    """1-D tensors (norms, rope factors) stay F32 as llama.cpp's converter keeps them."""
    if data.ndim == 1 or weight_type == "F32":
        writer.add_tensor(name, data.astype(np.float32))
        return
    qtype = gguf.GGMLQuantizationType[weight_type]
    if weight_type == "F16":
        writer.add_tensor(name, data.astype(np.float16))
        return
    packed = gguf.quants.quantize(data.astype(np.float32), qtype)
    writer.add_tensor(name, packed, raw_dtype=qtype)


def _add_vocab(writer: gguf.GGUFWriter, vocab: _Vocab) -> None:
    writer.add_tokenizer_model(vocab.model)
    if vocab.pre is not None:
        writer.add_tokenizer_pre(vocab.pre)
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.types)
    if vocab.scores:
        writer.add_token_scores(vocab.scores)
    if vocab.merges:
        writer.add_token_merges(vocab.merges)
    writer.add_bos_token_id(vocab.bos_id)
    writer.add_eos_token_id(vocab.eos_id)
    if vocab.unk_id is not None:
        writer.add_unk_token_id(vocab.unk_id)
    writer.add_add_bos_token(vocab.add_bos)


def _add_hparams(writer: gguf.GGUFWriter, shape: _Shape, context_length: int) -> None:
    writer.add_context_length(context_length)
    writer.add_embedding_length(shape.n_embd)
    writer.add_block_count(shape.n_layers)
    writer.add_feed_forward_length(shape.n_ff)
    writer.add_head_count(shape.n_heads)
    writer.add_head_count_kv(shape.n_kv_heads)
    writer.add_rope_dimension_count(shape.head_dim)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(shape.n_vocab)


def _finish(
    writer: gguf.GGUFWriter,
    tensors: Iterable[tuple[str, np.ndarray]],
    weight_type: str,
    extra_kv: Mapping[str, object] | None,
) -> None:
    for key, value in (extra_kv or {}).items():
        _add_extra(writer, key, value)
    for name, data in tensors:
        _add_tensor(writer, name, data, weight_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _add_extra(writer: gguf.GGUFWriter, key: str, value: object) -> None:
    if isinstance(value, bool):
        writer.add_bool(key, value)
    elif isinstance(value, int):
        writer.add_uint32(key, value)
    elif isinstance(value, float):
        writer.add_float32(key, value)
    elif isinstance(value, str):
        writer.add_string(key, value)
    elif isinstance(value, (list, tuple)):
        writer.add_array(key, list(value))
    else:
        raise TypeError(f"cannot write {key}={value!r}")


def write_llama_gguf(
    path: str | Path,
    *,
    n_layers: int = 2,
    n_embd: int = 64,
    n_heads: int = 4,
    n_kv_heads: int = 2,
    n_ff: int = 128,
    context_length: int = 2048,
    weight_type: str = "F16",
    name: str = "Tiny Llama Test",
    chat_template: str | None = CHATML_TEMPLATE,
    tied_embeddings: bool = False,
    write_file_type: bool = True,
    extra_kv: Mapping[str, object] | None = None,
    seed: int = 0,
    sentencepiece: bool = False,
) -> Path:
    """A llama-architecture model with a byte-level BPE ('gpt2') vocabulary of ~400 tokens
    (with `sentencepiece`: MiniCPM's Llama-2 style one, about 480 pieces).

    weight_type: F32, F16, BF16, Q8_0, Q4_0 or Q4_1 for the 2-D tensors (n_embd and n_ff must
    be multiples of 32 for the quantized ones). About 230 KB with the defaults.
    """
    path = Path(path)
    vocab = (
        _spm_vocab(["<|im_start|>", "<|im_end|>"], ["<think>", "</think>"])
        if sentencepiece
        else _bpe_vocab(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    )
    shape = _Shape(n_layers, n_embd, n_heads, n_kv_heads, n_ff, len(vocab.tokens))
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_name(name)
    _add_hparams(writer, shape, context_length)
    if write_file_type:
        writer.add_file_type(_FILE_TYPES[weight_type])
    _add_vocab(writer, vocab)
    if chat_template is not None:
        writer.add_chat_template(chat_template)
    rng = np.random.default_rng(seed)
    _finish(writer, _model_tensors(shape, rng, tied_embeddings), weight_type, extra_kv)
    return path


def write_minicpm_gguf(
    path: str | Path,
    *,
    n_layers: int = 4,
    n_embd: int = 128,
    n_heads: int = 4,
    n_kv_heads: int = 2,
    n_ff: int = 256,
    context_length: int = 32768,
    weight_type: str = "F16",
    name: str = "MiniCPM4.1 Tiny Test",
    chat_template: str | None = THINKING_TEMPLATE,
    longrope: bool = True,
    original_context_length: int | None = None,
    extra_kv: Mapping[str, object] | None = None,
    seed: int = 1,
) -> Path:
    """An architecture-`minicpm` model as convert_hf_to_gguf.py writes MiniCPM4 / 4.1.

    The muP scales are written explicitly (embedding 12, residual 1.4/sqrt(n_layers),
    logit n_embd/256 as the converter computes hidden_size/dim_model_base; llama.cpp divides
    the logits by it). With `longrope`, `rope.scaling.type=longrope` and the two factor
    tensors (head_dim/2 values each) are written as MiniCPM4's converter does. About 1.5 MB.
    """
    path = Path(path)
    vocab = _spm_vocab(["<|im_start|>", "<|im_end|>"], ["<think>", "</think>"])
    shape = _Shape(n_layers, n_embd, n_heads, n_kv_heads, n_ff, len(vocab.tokens))
    writer = gguf.GGUFWriter(path, "minicpm")
    writer.add_name(name)
    _add_hparams(writer, shape, context_length)
    writer.add_file_type(_FILE_TYPES[weight_type])
    writer.add_embedding_scale(12.0)
    writer.add_residual_scale(1.4 / math.sqrt(n_layers))
    writer.add_logit_scale(n_embd / 256.0)
    if longrope:
        writer.add_rope_scaling_type(gguf.RopeScalingType.LONGROPE)
        if original_context_length is not None:
            writer.add_rope_scaling_orig_ctx_len(original_context_length)
    _add_vocab(writer, vocab)
    if chat_template is not None:
        writer.add_chat_template(chat_template)
    rng = np.random.default_rng(seed)
    tensors = list(_model_tensors(shape, rng, tied=False))
    if longrope:
        half = shape.head_dim // 2
        tensors.insert(
            1,
            ("rope_factors_long.weight", np.linspace(1.0, 8.0, half, dtype=np.float32)),
        )
        tensors.insert(
            2,
            (
                "rope_factors_short.weight",
                np.linspace(1.0, 1.5, half, dtype=np.float32),
            ),
        )
    _finish(writer, tensors, weight_type, extra_kv)
    return path


# --- Broken files ----------------------------------------------------------------------------
# Each takes the bytes of a valid file written by write_llama_gguf and returns broken bytes.
# Offsets come from the GGUF layout: magic 0..4, version 4..8, tensor count 8..16,
# metadata count 16..24, then the first key's u64 length at 24 (general.architecture).


def _patch(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def _key_end(data: bytes, key: str) -> int:
    """Offset just after a metadata key's text: its u32 value type starts there."""
    encoded = key.encode()
    return data.index(struct.pack("<Q", len(encoded)) + encoded) + 8 + len(encoded)


def _tensor_info(data: bytes, name: str) -> tuple[int, int, int]:
    """(offset of n_dims, offset of the ggml type, offset of the data offset) for a tensor."""
    encoded = name.encode()
    dims_at = data.rindex(struct.pack("<Q", len(encoded)) + encoded) + 8 + len(encoded)
    (n_dims,) = struct.unpack_from("<I", data, dims_at)
    type_at = dims_at + 4 + 8 * n_dims
    return dims_at, type_at, type_at + 4


def _scrambled(data: bytes) -> bytes:
    rng = random.Random(7)
    header = bytearray(data[4:260])
    rng.shuffle(header)
    return data[:4] + bytes(header) + data[260:]


def _random_bytes(_: bytes) -> bytes:
    return random.Random(11).randbytes(65536)


def _renamed(data: bytes, old: str, new: str) -> bytes:
    assert len(old) == len(new)
    at = data.rindex(old.encode())
    return data[:at] + new.encode() + data[at + len(old) :]


BROKEN_VARIANTS: Mapping[str, Callable[[bytes], bytes]] = {
    "empty": lambda d: b"",
    "truncated_at_4": lambda d: d[:4],
    "truncated_at_24": lambda d: d[:24],
    "truncated_at_100": lambda d: d[:100],
    "truncated_at_1000": lambda d: d[:1000],
    "truncated_at_50000": lambda d: d[:50_000],
    "truncated_to_a_third": lambda d: d[: len(d) // 3],
    "missing_last_byte": lambda d: d[:-1],
    "truncated_4k_before_end": lambda d: d[:-4096],
    "wrong_magic": lambda d: b"GGML" + d[4:],
    "version_999": lambda d: _patch(d, 4, "<I", 999),
    "version_1": lambda d: _patch(d, 4, "<I", 1),
    "big_endian_version": lambda d: _patch(d, 4, ">I", 3),
    "absurd_tensor_count": lambda d: _patch(d, 8, "<Q", 2**62),
    "absurd_kv_count": lambda d: _patch(d, 16, "<Q", 2**62),
    "absurd_key_length": lambda d: _patch(d, 24, "<Q", 2**40),
    "absurd_string_length": lambda d: _patch(
        d, _key_end(d, "general.architecture") + 4, "<Q", 2**50
    ),
    "unknown_value_type": lambda d: _patch(d, _key_end(d, "general.architecture"), "<I", 99),
    "scrambled_header": _scrambled,
    "random_bytes": _random_bytes,
    "unknown_tensor_type": lambda d: _patch(d, _tensor_info(d, "token_embd.weight")[1], "<I", 77),
    "five_dimensions": lambda d: _patch(d, _tensor_info(d, "output_norm.weight")[0], "<I", 5),
    "zero_dimension": lambda d: _patch(d, _tensor_info(d, "output_norm.weight")[0] + 4, "<Q", 0),
    "absurd_dimension": lambda d: _patch(d, _tensor_info(d, "output.weight")[0] + 4, "<Q", 2**60),
    "zero_tensors": lambda d: _patch(d, 8, "<Q", 0),
    "misaligned_offset": lambda d: _patch(d, _tensor_info(d, "output.weight")[2], "<Q", 8),
    "overlapping_tensors": lambda d: _patch(d, _tensor_info(d, "output.weight")[2], "<Q", 0),
    "duplicate_tensor_name": lambda d: _renamed(d, "blk.0.attn_k.weight", "blk.0.attn_q.weight"),
}


def write_broken_variants(valid: Path, folder: Path) -> dict[str, Path]:
    """Write every BROKEN_VARIANTS file made from `valid` into `folder`; name -> path."""
    data = valid.read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, breaker in BROKEN_VARIANTS.items():
        paths[name] = folder / f"{name}.gguf"
        paths[name].write_bytes(breaker(data))
    return paths
