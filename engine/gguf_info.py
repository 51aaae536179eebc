"""Describe a GGUF model from its validated header (engine.gguf_file), without its weights.

Names, context, chat template, BOS / EOS and quantization come from the metadata; MiniCPM is
recognised by architecture or name; the tensor table gives the parameter count and the weight
types engine.openvino_support judges. Reading a 5 GB model's header takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from engine.gguf_file import GGUFFile
from engine.gguf_tensors import GGUFTensor
from engine.model_info import (
    ModelInfo,
    int_or_none,
    minicpm_version_of,
    str_or_none,
    template_thinks,
)

# llama.h `llama_ftype` -> the names llama-quantize and file names use.
LLAMA_FTYPE_NAMES: Mapping[int, str] = MappingProxyType(
    {
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
        10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
        16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
        22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
        28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0",
        37: "TQ2_0", 38: "MXFP4_MOE", 39: "NVFP4", 40: "Q1_0", 41: "Q2_0",
    }
)  # fmt: skip

MINICPM_ARCHITECTURES = frozenset({"minicpm", "minicpm3"})


def gguf_model_info(gguf: GGUFFile) -> ModelInfo:
    arch = gguf.architecture
    tokens = gguf.get("tokenizer.ggml.tokens")
    tokens = tokens if isinstance(tokens, tuple) else ()
    bos_id = int_or_none(gguf.get("tokenizer.ggml.bos_token_id"))
    eos_id = int_or_none(gguf.get("tokenizer.ggml.eos_token_id"))
    tokenizer_model = str_or_none(gguf.get("tokenizer.ggml.model"))
    chat_template = str_or_none(gguf.get("tokenizer.chat_template"))
    names = _gguf_names(gguf)
    is_minicpm = arch in MINICPM_ARCHITECTURES or any("minicpm" in n.lower() for n in names)
    return ModelInfo(
        path=gguf.path,
        format="gguf",
        name=str_or_none(gguf.get("general.name")) or gguf.path.stem,
        architecture=arch,
        context_length=int_or_none(gguf.get(f"{arch}.context_length")),
        chat_template=chat_template,
        quantization=_gguf_quantization(gguf),
        size_bytes=gguf.file_size,
        parameter_count=sum(t.n_elements for t in gguf.tensors),
        tokenizer_model=tokenizer_model,
        bos_token=_token_text(tokens, bos_id),
        eos_token=_token_text(tokens, eos_id),
        add_bos_token=_gguf_add_bos(gguf, tokenizer_model),
        eos_token_id=eos_id,
        bos_token_id=bos_id,
        tensor_types=frozenset(t.type_name for t in gguf.tensors),
        is_minicpm=is_minicpm,
        minicpm_version=minicpm_version_of(names, arch) if is_minicpm else None,
        rope_scaling=_prefixed(gguf.metadata, f"{arch}.rope.scaling.") or None,
        supports_thinking=template_thinks(chat_template),
        extra=MappingProxyType(_gguf_extra(gguf, len(tokens))),
    )


def _gguf_names(gguf: GGUFFile) -> list[str]:
    keys = ("general.name", "general.basename", "general.finetune")
    names = [v for v in (gguf.get(k) for k in keys) if isinstance(v, str)]
    return [*names, gguf.path.stem]


def _gguf_quantization(gguf: GGUFFile) -> str | None:
    file_type = int_or_none(gguf.get("general.file_type"))
    if file_type is not None and file_type in LLAMA_FTYPE_NAMES:
        return LLAMA_FTYPE_NAMES[file_type]
    # No (or an unknown) file type: name the type holding most of the matrix bytes.
    matrices = [t for t in gguf.tensors if len(t.shape) >= 2] or list(gguf.tensors)
    bytes_by_type: dict[str, int] = {}
    for tensor in matrices:
        bytes_by_type[tensor.type_name] = bytes_by_type.get(tensor.type_name, 0) + tensor.n_bytes
    return max(bytes_by_type, key=lambda name: bytes_by_type[name]) if bytes_by_type else None


def _gguf_add_bos(gguf: GGUFFile, tokenizer_model: str | None) -> bool:
    value = gguf.get("tokenizer.ggml.add_bos_token")
    if isinstance(value, bool):
        return value
    # llama.cpp's default when the key is absent: SentencePiece vocabularies add BOS.
    return tokenizer_model == "llama"


def _gguf_extra(gguf: GGUFFile, n_tokens: int) -> dict[str, object]:
    arch = gguf.architecture
    extra: dict[str, object] = {
        "gguf_version": gguf.version,
        "file_type": gguf.get("general.file_type"),
        "n_layers": gguf.get(f"{arch}.block_count"),
        "embedding_length": gguf.get(f"{arch}.embedding_length"),
        "n_kv_heads": _kv_heads(gguf, arch),
        "head_dim": _head_dim(gguf, arch),
        "vocab_size": gguf.get(f"{arch}.vocab_size") or n_tokens or None,
        "tokenizer_pre": gguf.get("tokenizer.ggml.pre"),
        "matrix_tensor_types": _types_of(t for t in gguf.tensors if len(t.shape) >= 2),
        "vector_tensor_types": _types_of(t for t in gguf.tensors if len(t.shape) == 1),
        "rope_factor_tensors": tuple(t.name for t in gguf.tensors if _is_rope_factor(t.name)),
    }
    for scale in ("embedding_scale", "residual_scale", "logit_scale"):
        if f"{arch}.{scale}" in gguf.metadata:
            extra[scale] = gguf.get(f"{arch}.{scale}")
    return extra


def _kv_heads(gguf: GGUFFile, arch: str | None) -> object:
    """llama.cpp's rule: without head_count_kv every head has its own keys and values."""
    return gguf.get(f"{arch}.attention.head_count_kv") or gguf.get(f"{arch}.attention.head_count")


def _head_dim(gguf: GGUFFile, arch: str | None) -> object:
    key_length = gguf.get(f"{arch}.attention.key_length")
    if key_length:
        return key_length
    width, heads = gguf.get(f"{arch}.embedding_length"), gguf.get(f"{arch}.attention.head_count")
    if isinstance(width, int) and isinstance(heads, int) and heads > 0:
        return width // heads
    return None


def _types_of(tensors: Iterable[GGUFTensor]) -> frozenset[str]:
    return frozenset(t.type_name for t in tensors)


def _is_rope_factor(name: str) -> bool:
    return name.startswith(("rope_freqs", "rope_factors")) or ".rope_freqs" in name


def _token_text(tokens: tuple[object, ...], token_id: int | None) -> str | None:
    if token_id is None or not 0 <= token_id < len(tokens):
        return None
    text = tokens[token_id]
    return text if isinstance(text, str) else None


def _prefixed(metadata: Mapping[str, object], prefix: str) -> dict[str, object]:
    return {k[len(prefix) :]: v for k, v in metadata.items() if k.startswith(prefix)}
