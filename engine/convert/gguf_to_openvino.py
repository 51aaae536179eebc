"""Convert a `minicpm` (or `llama`) GGUF with a SentencePiece vocabulary into an OpenVINO model.

Route, chosen by measurement (docs/conversion.md):

1. **Read** the GGUF with `gguf.GGUFReader` (memory-mapped; our validator has checked it
   first) into a `SourceModel`: hyperparameters, muP scales, LongRoPE factors, vocabulary.
2. **Build** the decoder with the `openvino` Python API (engine.convert.graph): muP and the
   LongRoPE inverse frequencies are part of the graph, and quantized matrices keep their
   blocks exactly as codes + f32 scale + f32 zero point (engine.convert.quants), which the CPU
   plugin computes compressed. One tensor is unpacked at a time; nothing is written as F16.
3. **Tokenizer** from the GGUF vocabulary (engine.convert.tokenizer).

An earlier route folded muP into an F16 llama GGUF, let OpenVINO GenAI's reader export it and
patched the rotary constants afterwards: exact for F16, but it expanded every source to F16
and peaked at 4.2x the F16 size in memory (an 8B model needed about 69 GB), and GenAI's reader
cannot hold Q4_1 / Q4_K (integer zero points). The hand-built graph holds the official Q4_K_M
files exactly at about their own size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.convert.graph import DecoderSpec, build_decoder, rope_inverse_frequencies
from engine.convert.graph import unpermute_order as _unpermute_order
from engine.convert.quants import Matrix, dequantize, matrix_from_gguf
from engine.errors import EngineError, UnsupportedModelError

__all__ = [
    "ConversionCancelled",
    "OnProgress",
    "ShouldStop",
    "MODEL_BIN",
    "MODEL_XML",
    "SourceModel",
    "WEIGHT_FORMATS",
    "build_from_source",
    "build_openvino_model",
    "read_source",
    "rope_inverse_frequencies",
    "write_config",
]

SUPPORTED_ARCHITECTURES = ("llama", "minicpm")
# keep: the source's own quantization, exactly; f16: everything dequantized to f16;
# int8 / int4: requantized by llama.cpp (Q8_0 / Q4_0) first, then kept exactly.
WEIGHT_FORMATS = ("keep", "f16", "int8", "int4")
MODEL_XML = "openvino_model.xml"
MODEL_BIN = "openvino_model.bin"
_SCALE_KEYS = ("embedding_scale", "residual_scale", "logit_scale")

ShouldStop = Callable[[], bool]
OnProgress = Callable[[str, float], None]


class ConversionCancelled(EngineError):
    """The user cancelled a conversion; nothing was registered."""


def never_stop() -> bool:
    return False


def no_progress(_stage: str, _fraction: float) -> None:
    return None


@dataclass(frozen=True)
class SourceModel:
    """What the converter needs to know about the source GGUF."""

    architecture: str
    name: str
    n_layers: int
    n_embd: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    rope_dims: int
    rope_base: float
    rms_eps: float
    context_length: int
    scales: Mapping[str, float]
    tied_embeddings: bool
    source_types: frozenset[str]
    # Per-pair divisors f_i applied to the rotary frequencies (None: plain RoPE); with a long
    # set too, these are the short set, used up to the original context.
    rope_factors: tuple[float, ...] | None
    rope_factor_source: str | None
    tokenizer_fields: Mapping[str, Any] = field(repr=False, default_factory=dict)
    # LongRoPE's long set (None: plain RoPE there) when it differs from the short one and the
    # model's context reaches past `rope_original_context` (else one set serves every context).
    rope_long_factors: tuple[float, ...] | None = None
    rope_long_factor_source: str | None = None
    rope_original_context: int = 0
    # llama.cpp's rotary angle scale (1 / rope.scaling.factor) and cos / sin scale (attn_factor).
    rope_freq_scale: float = 1.0
    rope_attn_factor: float = 1.0

    @property
    def has_long_rope_set(self) -> bool:
        return self.rope_long_factor_source is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "architecture": self.architecture,
            "name": self.name,
            "n_layers": self.n_layers,
            "n_embd": self.n_embd,
            "n_heads": self.n_heads,
            "n_kv_heads": self.n_kv_heads,
            "head_dim": self.head_dim,
            "rope_base": self.rope_base,
            "context_length": self.context_length,
            "scales": dict(self.scales),
            "tied_embeddings": self.tied_embeddings,
            "source_types": sorted(self.source_types),
            "rope_factor_source": self.rope_factor_source,
            "rope_long_factor_source": self.rope_long_factor_source,
            "rope_original_context_length": self.rope_original_context or None,
            "rope_freq_scale": self.rope_freq_scale,
            "rope_attn_factor": self.rope_attn_factor,
        }

    def decoder_spec(self) -> DecoderSpec:
        return DecoderSpec(
            n_layers=self.n_layers,
            n_embd=self.n_embd,
            n_heads=self.n_heads,
            n_kv_heads=self.n_kv_heads,
            head_dim=self.head_dim,
            rms_eps=self.rms_eps,
            inverse_frequencies=self._inverse_frequencies(self.rope_factors),
            embedding_scale=self.scales.get("embedding_scale", 1.0),
            residual_scale=self.scales.get("residual_scale", 1.0),
            logit_scale=self.scales.get("logit_scale", 1.0),
            long_inverse_frequencies=(
                self._inverse_frequencies(self.rope_long_factors)
                if self.has_long_rope_set
                else None
            ),
            original_context_length=self.rope_original_context,
            rotary_scale=self.rope_attn_factor,
        )

    def _inverse_frequencies(self, factors: tuple[float, ...] | None) -> np.ndarray:
        return rope_inverse_frequencies(
            self.rope_base, self.rope_dims, factors, self.rope_freq_scale
        )


# --- 1. read ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RopeChoice:
    """The factor sets llama.cpp can use for a GGUF (llama_model::get_rope_factors)."""

    factors: np.ndarray | None  # the short set, or the only one
    source: str | None
    long_factors: np.ndarray | None = None
    long_source: str | None = None
    original_context: int = 0


def _choose_rope_factors(
    arch: str, tensors: Mapping[str, Any], metadata: Mapping[str, Any], context_length: int
) -> _RopeChoice:
    """llama.cpp's rule, as the converted model needs it.

    `rope_freqs` wins at every context. Otherwise `rope_factors_long` when the chosen context
    exceeds `rope.scaling.original_context_length` (default: the model's context), else
    `rope_factors_short`; a set the file lacks means plain RoPE in that band (llama.cpp then
    passes no factors). Both sets are kept when they differ and the model's context reaches
    past the original (engine.convert.rope_sets); otherwise the one set that can be in use.
    MiniCPM4.1 writes identical sets.
    """
    for name in ("rope_freqs.weight", "blk.0.rope_freqs.weight"):
        if name in tensors:
            return _RopeChoice(dequantize(tensors[name]).reshape(-1), name)
    short = tensors.get("rope_factors_short.weight")
    long = tensors.get("rope_factors_long.weight")
    if short is None and long is None:
        return _RopeChoice(None, None)
    original = int(metadata.get(f"{arch}.rope.scaling.original_context_length") or 0)
    original = original or context_length
    short_values = dequantize(short).reshape(-1) if short is not None else None
    short_source = "rope_factors_short.weight" if short is not None else None
    if original >= context_length:  # the app never chooses a context past the model's
        return _RopeChoice(short_values, short_source)
    long_values = dequantize(long).reshape(-1) if long is not None else None
    long_source = "rope_factors_long.weight" if long is not None else "none (plain RoPE)"
    if _same_factors(short_values, long_values):
        source = "rope_factors_short.weight (= long)" if short is not None else long_source
        return _RopeChoice(long_values, source)
    return _RopeChoice(
        short_values, short_source or "none (plain RoPE)", long_values, long_source, original
    )


def _same_factors(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Whether two factor sets rotate alike (a missing set is all ones)."""
    if a is None and b is None:
        return True
    if a is None or b is None:
        return bool(np.all((b if a is None else a) == 1.0))
    return bool(np.array_equal(a, b))


def _rope_scales(arch: str, metadata: Mapping[str, Any]) -> tuple[float, float]:
    """(freq_scale, attn_factor) as llama.cpp derives them for LongRoPE or no scaling: theta =
    freq_scale * pos * base^(-2i/d) / f_i, and cos / sin times attn_factor (ggml rope_yarn
    with ext_factor 0). Measured with llama-cpp-python 0.3.36 on a `minicpm` file: both keys
    change its logits at a context below and above the original one."""
    kind = str(metadata.get(f"{arch}.rope.scaling.type") or "linear")  # llama.cpp's default
    if kind == "yarn":
        raise UnsupportedModelError(
            "The model uses YaRN RoPE scaling, which conversion to OpenVINO does not support."
        )
    factor = float(
        metadata.get(f"{arch}.rope.scaling.factor")
        or metadata.get(f"{arch}.rope.scale_linear")
        or 0.0
    )
    freq_scale = 1.0 if factor == 0.0 or kind == "none" else 1.0 / factor
    return freq_scale, float(metadata.get(f"{arch}.rope.scaling.attn_factor") or 1.0)


def read_source(source: Path) -> tuple[SourceModel, Mapping[str, Any]]:
    """The source's description and its tensors (memory-mapped `gguf.ReaderTensor`s)."""
    import gguf

    reader = gguf.GGUFReader(source)
    metadata = {k: f.contents() for k, f in reader.fields.items() if not k.startswith("GGUF.")}
    arch = str(metadata.get("general.architecture"))
    if arch not in SUPPORTED_ARCHITECTURES:
        raise UnsupportedModelError(
            "Conversion to OpenVINO supports GGUF architectures "
            f"{', '.join(SUPPORTED_ARCHITECTURES)}, not '{arch}'."
        )
    tensors = {t.name: t for t in reader.tensors}

    def hparam(key: str, default: Any = None) -> Any:
        value = metadata.get(f"{arch}.{key}", default)
        if value is None:
            raise UnsupportedModelError(f"The GGUF file has no {arch}.{key}.")
        return value

    n_embd = int(hparam("embedding_length"))
    n_heads = int(hparam("attention.head_count"))
    head_dim = int(metadata.get(f"{arch}.attention.key_length") or n_embd // n_heads)
    rope_dims = int(metadata.get(f"{arch}.rope.dimension_count") or head_dim)
    if rope_dims != head_dim:
        raise UnsupportedModelError(
            f"The model rotates {rope_dims} of {head_dim} head dimensions; only full rotary "
            "embeddings can be converted."
        )
    context_length = int(hparam("context_length"))
    rope = _choose_rope_factors(arch, tensors, metadata, context_length)
    freq_scale, attn_factor = _rope_scales(arch, metadata)
    if not metadata.get("tokenizer.ggml.tokens"):
        raise UnsupportedModelError("The GGUF file has no vocabulary.")
    model = SourceModel(
        architecture=arch,
        name=str(metadata.get("general.name") or source.stem),
        n_layers=int(hparam("block_count")),
        n_embd=n_embd,
        n_heads=n_heads,
        n_kv_heads=int(hparam("attention.head_count_kv", n_heads)),
        head_dim=head_dim,
        rope_dims=rope_dims,
        rope_base=float(metadata.get(f"{arch}.rope.freq_base") or 10000.0),
        rms_eps=float(hparam("attention.layer_norm_rms_epsilon", 1e-5)),
        context_length=context_length,
        scales={
            k: float(metadata[f"{arch}.{k}"]) for k in _SCALE_KEYS if f"{arch}.{k}" in metadata
        },
        tied_embeddings="output.weight" not in tensors,
        source_types=frozenset(t.tensor_type.name for t in reader.tensors),
        rope_factors=_floats(rope.factors),
        rope_factor_source=rope.source,
        tokenizer_fields={k: v for k, v in metadata.items() if k.startswith("tokenizer.")},
        rope_long_factors=_floats(rope.long_factors),
        rope_long_factor_source=rope.long_source,
        rope_original_context=rope.original_context,
        rope_freq_scale=freq_scale,
        rope_attn_factor=attn_factor,
    )
    _check_shapes(model, tensors, int(hparam("feed_forward_length")))
    return model, tensors


def _floats(values: np.ndarray | None) -> tuple[float, ...] | None:
    return tuple(float(v) for v in values) if values is not None else None


def _check_shapes(model: SourceModel, tensors: Mapping[str, Any], n_ff: int) -> None:
    """Every tensor the graph uses has the shape the header promises; a file whose header and
    tensors disagree is refused here, in words, rather than failing inside OpenVINO."""
    q, kv = model.n_heads * model.head_dim, model.n_kv_heads * model.head_dim
    n_vocab = len(model.tokenizer_fields.get("tokenizer.ggml.tokens") or [])
    expected = {"token_embd.weight": (model.n_embd, n_vocab), "output_norm.weight": (model.n_embd,)}
    if not model.tied_embeddings:
        expected["output.weight"] = (model.n_embd, n_vocab)
    layer = {
        "attn_norm": (model.n_embd,),
        "attn_q": (model.n_embd, q),
        "attn_k": (model.n_embd, kv),
        "attn_v": (model.n_embd, kv),
        "attn_output": (q, model.n_embd),
        "ffn_norm": (model.n_embd,),
        "ffn_gate": (model.n_embd, n_ff),
        "ffn_up": (model.n_embd, n_ff),
        "ffn_down": (n_ff, model.n_embd),
    }
    for i in range(model.n_layers):
        expected.update({f"blk.{i}.{name}.weight": shape for name, shape in layer.items()})
    for name, shape in expected.items():
        if name not in tensors:
            raise UnsupportedModelError(f"The GGUF file has no tensor {name}.")
        found = tuple(int(n) for n in tensors[name].shape)  # GGUF order: columns first
        if found != shape:
            raise UnsupportedModelError(
                f"The GGUF file is inconsistent: tensor {name} has shape {found}, but its "
                f"header describes {shape}."
            )


# --- 2. build --------------------------------------------------------------------------------


def build_openvino_model(
    source: Path,
    keep_quantized: bool = True,
    should_stop: ShouldStop = never_stop,
    on_progress: OnProgress = no_progress,
) -> tuple[Any, SourceModel]:
    """The stateful OpenVINO model of `source` (not yet saved) and the source's description.

    keep_quantized: Q8_0 / Q4_0 / Q4_1 / Q4_K / Q6_K blocks stay codes + scales (exact);
    False dequantizes every matrix to f16."""
    model, tensors = read_source(source)
    return build_from_source(model, tensors, keep_quantized, should_stop, on_progress), model


def build_from_source(
    model: SourceModel,
    tensors: Mapping[str, Any],
    keep_quantized: bool = True,
    should_stop: ShouldStop = never_stop,
    on_progress: OnProgress = no_progress,
) -> Any:
    """The stateful OpenVINO model from what `read_source` returned (tensors checked there)."""

    def matrix(name: str) -> Matrix:
        weights = matrix_from_gguf(tensors[name], keep_quantized)
        if name.endswith(("attn_q.weight", "attn_k.weight")):
            weights = weights.take_rows(_unpermute_order(weights.rows, model.head_dim))
        return weights

    def vector(name: str) -> np.ndarray:
        if name not in tensors:
            raise KeyError(name)
        values = dequantize(tensors[name]).reshape(-1)
        if name.endswith(("attn_q.bias", "attn_k.bias")):
            values = values[_unpermute_order(values.size, model.head_dim)]
        return values

    def on_layer(i: int) -> None:
        if should_stop():
            raise ConversionCancelled("Conversion cancelled.")
        on_progress("build", i / model.n_layers)

    return build_decoder(
        model.decoder_spec(), matrix, vector, model.tied_embeddings, on_layer=on_layer
    )


def write_config(folder: Path, model: SourceModel, extra: Mapping[str, Any]) -> None:
    """config.json as engine.ir_info reads it (model type, context, rope scaling)."""
    vocab = model.tokenizer_fields
    config: dict[str, Any] = {
        "model_type": model.architecture,
        "architectures": [
            "MiniCPMForCausalLM" if model.architecture == "minicpm" else "LlamaForCausalLM"
        ],
        "_name_or_path": model.name,
        "max_position_embeddings": model.context_length,
        "hidden_size": model.n_embd,
        "num_hidden_layers": model.n_layers,
        "num_attention_heads": model.n_heads,
        "num_key_value_heads": model.n_kv_heads,
        "bos_token_id": vocab.get("tokenizer.ggml.bos_token_id"),
        "eos_token_id": vocab.get("tokenizer.ggml.eos_token_id"),
        "converted_from_gguf": {**model.to_json(), **extra},
    }
    (folder / "config.json").write_text(
        json.dumps(config, ensure_ascii=False, indent=2, default=_json_default), encoding="utf-8"
    )


def _json_default(value: object) -> object:
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    raise TypeError(f"not JSON: {value!r}")
