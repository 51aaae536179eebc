"""The Llama / MiniCPM decoder as an OpenVINO graph, built from GGUF tensors with `openvino`'s
Python API (no torch, no GenAI GGUF reader, no F16 copy).

The graph has the interface OpenVINO GenAI expects from a stateful LLM (the one its own GGUF
reader builds, src/cpp/src/gguf_utils/building_blocks.cpp): inputs `input_ids`,
`attention_mask`, `position_ids` [batch, seq] i64 and `beam_idx` [batch] i32, output `logits`,
and per layer a key and a value cache as ReadValue -> Gather(beam_idx) -> Concat -> Assign
feeding ScaledDotProductAttention, so GenAI can also turn it into paged attention.

What llama.cpp computes and the graph therefore does:
- muP (`minicpm`): embeddings x embedding_scale, each attention / FFN output x residual_scale
  before the residual add, logits / logit_scale. As graph multiplies, not folded into weights,
  so quantized blocks stay as they are.
- Rotary: llama.cpp's converter permutes Q / K rows so its NORM rope rotates adjacent pairs;
  the rows are put back in Hugging Face order and the graph uses the rotate-half form (which
  the CPU plugin fuses). Inverse frequencies base^(-2i/d) / f_i in f32, f_i the LongRoPE
  factors (ggml_rope_cache_init); cos and sin times the GGUF's rope.scaling.attn_factor
  (llama.cpp's mscale, 1 unless the file says otherwise).
- LongRoPE with two factor sets: llama.cpp takes the long set for every position when the
  context the person chose exceeds the original one. The context is known only at load, so
  the graph holds both sets (engine.convert.rope_sets): it computes with the short set, and
  the loader points that Constant at the long set's bytes when the context calls for it.
- Weights: engine.convert.quants (codes, scale, zero point) in OpenVINO's weight
  decompression pattern, so the CPU plugin keeps them compressed: f16 scales where every scale
  is an f16 number (Q8_0, Q4_0, so the int8 / int4 conversions), f32 elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.convert.quants import Matrix
from engine.convert.rope_sets import LONG_CONSTANT, SHORT_CONSTANT, RopeSets

__all__ = ["DecoderSpec", "build_decoder", "rope_inverse_frequencies", "unpermute_order"]

MASKED = -65504.0  # what GenAI uses: the f16 minimum, safe on GPU


@dataclass(frozen=True)
class DecoderSpec:
    n_layers: int
    n_embd: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    rms_eps: float
    inverse_frequencies: np.ndarray  # f32 [head_dim / 2]
    embedding_scale: float = 1.0
    residual_scale: float = 1.0
    logit_scale: float = 1.0
    # LongRoPE's long set, when it differs from `inverse_frequencies` (the short set) and the
    # model's context reaches past the original one; None: one set for every context.
    long_inverse_frequencies: np.ndarray | None = None
    original_context_length: int = 0
    # cos and sin are multiplied by this (llama.cpp's attn_factor: rope.scaling.attn_factor).
    rotary_scale: float = 1.0


MatrixSource = Callable[[str], Matrix]
VectorSource = Callable[[str], np.ndarray]


def _f16_exact(matrix: Matrix) -> bool:
    """Whether `matrix`'s scales and zero point are all f16 numbers, and its codes minus the
    zero point too (so the f16 pattern computes the same weights as the f32 one)."""
    if matrix.scale is None or isinstance(matrix.zero, np.ndarray):
        return False
    if matrix.zero is not None and float(np.float16(matrix.zero)) != float(matrix.zero):
        return False
    scale = matrix.scale
    with np.errstate(over="ignore"):
        return bool(np.array_equal(scale.astype(np.float16).astype(np.float32), scale))


def rope_inverse_frequencies(
    base: float, rope_dims: int, factors: Sequence[float] | None, freq_scale: float = 1.0
) -> np.ndarray:
    """freq_scale * base^(-2i/d) / f_i in float32, as ggml_rope_cache_init computes theta
    (d = rope dims; freq_scale = 1 / rope.scaling.factor)."""
    i = np.arange(rope_dims // 2, dtype=np.float64)
    inverse = freq_scale * base ** (-2.0 * i / rope_dims)
    if factors is not None:
        if len(factors) != rope_dims // 2:
            raise ValueError(f"{len(factors)} RoPE factors for {rope_dims // 2} frequencies")
        inverse = inverse / np.asarray(factors, dtype=np.float64)
    result: np.ndarray = inverse.astype(np.float32)
    return result


def unpermute_order(rows: int, head_dim: int) -> np.ndarray:
    """Row order undoing llama.cpp's Q / K permutation: per head, even rows then odd rows."""
    within = np.concatenate([np.arange(0, head_dim, 2), np.arange(1, head_dim, 2)])
    heads = np.arange(rows // head_dim)[:, None] * head_dim
    order: np.ndarray = (heads + within[None, :]).reshape(-1)
    return order


class _Ops:
    """Small helpers over openvino.opset13 (imported lazily: engine imports stay light)."""

    def __init__(self) -> None:
        import openvino
        import openvino.opset13 as ops

        self.ov = openvino
        self.ops = ops

    def i64(self, values: Sequence[int] | int) -> Any:
        return self.ops.constant(np.array(values, dtype=np.int64))

    def f32(self, value: float | np.ndarray) -> Any:
        return self.ops.constant(np.asarray(value, dtype=np.float32))

    def weight(self, matrix: Matrix) -> Any:
        """f32 [rows, columns] output of the decompression subgraph of `matrix`."""
        ov, ops = self.ov, self.ops
        if matrix.values is not None:
            values = matrix.values
            if values.dtype == np.float32:
                return ops.constant(np.ascontiguousarray(values))
            return ops.convert(ops.constant(np.ascontiguousarray(values)), ov.Type.f32)
        assert matrix.codes is not None and matrix.scale is not None
        if _f16_exact(matrix):
            return self._f16_weight(matrix)
        weights = ops.convert(self._codes(matrix), ov.Type.f32)
        if isinstance(matrix.zero, np.ndarray):
            weights = ops.subtract(weights, self.f32(matrix.zero))
        elif matrix.zero is not None:
            weights = ops.subtract(weights, self.f32(float(matrix.zero)))
        weights = ops.multiply(weights, self.f32(matrix.scale))
        return ops.reshape(weights, self.i64([matrix.rows, matrix.columns]), False)

    def _f16_weight(self, matrix: Matrix) -> Any:
        """OpenVINO's own compressed-weight pattern (as NNCF writes int4 / int8 models): codes
        -> f16, minus the zero point, times f16 scales, then f32. Used where every scale is an
        f16 number (Q8_0, Q4_0: llama.cpp stores them so), which makes it exact: the CPU plugin
        decompresses in f32 all the same (measured), and the GPU / NPU take the pattern they
        know; a group of 32 then costs 16 bits of scale instead of 32 (4.5 bits a weight
        instead of 5 for Q4_0, as in the GGUF)."""
        ov, ops = self.ov, self.ops
        assert matrix.scale is not None
        weights = ops.convert(self._codes(matrix), ov.Type.f16)
        if matrix.zero is not None:
            zero = np.asarray(matrix.zero, dtype=np.float16)
            weights = ops.subtract(weights, ops.constant(zero))
        weights = ops.multiply(weights, ops.constant(matrix.scale.astype(np.float16)))
        weights = ops.reshape(weights, self.i64([matrix.rows, matrix.columns]), False)
        return ops.convert(weights, ov.Type.f32)

    def _codes(self, matrix: Matrix) -> Any:
        ov = self.ov
        codes = matrix.codes
        assert codes is not None
        if matrix.bits == 8:
            return ov.op.Constant(np.ascontiguousarray(codes))
        flat = np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1)
        tensor = ov.Tensor(ov.Type.u4, ov.Shape(list(codes.shape)))
        tensor.data[:] = flat[0::2] | (flat[1::2] << np.uint8(4))  # element 2i in the low nibble
        return ov.op.Constant(tensor)

    def linear(self, x: Any, weight: Any) -> Any:
        return self.ops.matmul(x, weight, False, True)

    def scaled(self, x: Any, factor: float) -> Any:
        return x if factor == 1.0 else self.ops.multiply(x, self.f32(factor))

    def rms_norm(self, x: Any, weight: np.ndarray, eps: float) -> Any:
        ops = self.ops
        variance = ops.reduce_mean(ops.power(x, self.f32(2.0)), self.i64([-1]), True)
        normed = ops.multiply(
            x, ops.divide(self.f32(1.0), ops.sqrt(ops.add(variance, self.f32(eps))))
        )
        return ops.multiply(normed, self.f32(weight.astype(np.float32)))


def build_decoder(
    spec: DecoderSpec,
    matrix: MatrixSource,
    vector: VectorSource,
    tied_embeddings: bool,
    on_layer: Callable[[int], None] = lambda _i: None,
) -> Any:
    """The stateful OpenVINO model. `matrix(name)` / `vector(name)` give GGUF tensors by name
    (Q / K rows already in Hugging Face order); `on_layer(i)` runs before each layer."""
    g = _Ops()
    ov, ops = g.ov, g.ops
    input_ids = ops.parameter([-1, -1], ov.Type.i64, name="input_ids")
    attention_mask = ops.parameter([-1, -1], ov.Type.i64, name="attention_mask")
    position_ids = ops.parameter([-1, -1], ov.Type.i64, name="position_ids")
    beam_idx = ops.parameter([-1], ov.Type.i32, name="beam_idx")
    for parameter in (input_ids, attention_mask, position_ids, beam_idx):
        parameter.output(0).set_names({parameter.get_friendly_name()})

    embeddings = g.weight(matrix("token_embd.weight"))
    hidden = ops.gather(embeddings, ops.convert(input_ids, ov.Type.i32), g.i64(0))
    hidden = g.scaled(hidden, spec.embedding_scale)
    batch = ops.gather(ops.shape_of(input_ids), g.i64([0]), g.i64(0))
    cos, sin = _rotary(g, spec, position_ids, batch)
    mask: Any = None
    sinks = []
    for i in range(spec.n_layers):
        on_layer(i)
        hidden, layer_sinks, mask = _layer(
            g, spec, i, hidden, matrix, vector, attention_mask, beam_idx, batch, cos, sin, mask
        )
        sinks.extend(layer_sinks)
    on_layer(spec.n_layers)
    hidden = g.rms_norm(hidden, vector("output_norm.weight"), spec.rms_eps)
    head = embeddings if tied_embeddings else g.weight(matrix("output.weight"))
    logits = g.scaled(g.linear(hidden, head), 1.0 / spec.logit_scale)
    result = ops.result(logits)
    result.output(0).set_names({"logits"})
    model = ov.Model([result], sinks, [input_ids, attention_mask, position_ids, beam_idx])
    # As GenAI's reader: llama.cpp keeps its KV cache in f16 (OpenVINO's CPU default is u8),
    # and the GPU plugin scales activations to stay inside f16.
    model.set_rt_info("f16", ["runtime_options", "KV_CACHE_PRECISION"])
    model.set_rt_info("8.0", ["runtime_options", "ACTIVATIONS_SCALE_FACTOR"])
    if spec.long_inverse_frequencies is not None:
        RopeSets(spec.original_context_length).write_rt_info(model)
    return model


def _rotary(g: _Ops, spec: DecoderSpec, position_ids: Any, batch: Any) -> tuple[Any, Any]:
    """cos, sin [batch, 1, seq, head_dim] for the rotate-half form."""
    ops = g.ops
    inverse = _inverse_frequencies(g, spec)
    inverse = ops.broadcast(
        inverse, ops.concat([batch, g.i64([1]), g.i64([1])], 0), broadcast_spec="BIDIRECTIONAL"
    )
    positions = ops.convert(ops.unsqueeze(position_ids, g.i64(1)), g.ov.Type.f32)
    angles = ops.transpose(ops.matmul(inverse, positions, False, False), g.i64([0, 2, 1]))
    angles = ops.concat([angles, angles], -1)
    cos = g.scaled(ops.cos(angles), spec.rotary_scale)
    sin = g.scaled(ops.sin(angles), spec.rotary_scale)
    return ops.unsqueeze(cos, g.i64(1)), ops.unsqueeze(sin, g.i64(1))


def _inverse_frequencies(g: _Ops, spec: DecoderSpec) -> Any:
    """The [1, head_dim / 2, 1] f32 inverse frequencies: the short set's Constant, named so the
    loader can find it. With a long set too, that Constant sits in a Select whose condition is
    a constant False: the compile folds it away, yet the long set's bytes stay in the .bin for
    the loader to point the short Constant at (engine.convert.rope_sets)."""
    ops = g.ops
    half = spec.head_dim // 2
    short = g.f32(spec.inverse_frequencies.reshape(1, half, 1))
    short.set_friendly_name(SHORT_CONSTANT)
    if spec.long_inverse_frequencies is None:
        return short
    long = g.f32(spec.long_inverse_frequencies.reshape(1, half, 1))
    long.set_friendly_name(LONG_CONSTANT)
    return ops.select(ops.constant(np.array(False)), long, short)


def _rotate(g: _Ops, x: Any, cos: Any, sin: Any, head_dim: int) -> Any:
    ops = g.ops
    half = head_dim // 2
    axis = g.i64([3])
    first = ops.slice(x, g.i64([0]), g.i64([half]), g.i64([1]), axis)
    second = ops.slice(x, g.i64([half]), g.i64([np.iinfo(np.int64).max]), g.i64([1]), axis)
    rotated = ops.concat([ops.multiply(second, g.f32(-1.0)), first], -1)
    return ops.add(ops.multiply(x, cos), ops.multiply(rotated, sin))


def _heads(g: _Ops, x: Any, n_heads: int, head_dim: int) -> Any:
    """[batch, seq, n * d] -> [batch, n, seq, d]"""
    ops = g.ops
    split = ops.reshape(x, g.i64([0, 0, n_heads, head_dim]), True)
    return ops.transpose(split, g.i64([0, 2, 1, 3]))


def _cache(
    g: _Ops, name: str, spec: DecoderSpec, batch: Any, beam_idx: Any, new: Any
) -> tuple[Any, Any, Any]:
    """(past gathered by beam, past + new, Assign) for one cache variable."""
    ov, ops = g.ov, g.ops
    from openvino.op.util import Variable, VariableInfo

    info = VariableInfo()
    info.data_shape = ov.PartialShape([-1, spec.n_kv_heads, -1, spec.head_dim])
    info.data_type = ov.Type.f32
    info.variable_id = name
    variable = Variable(info)
    empty = ops.broadcast(
        g.f32(0.0),
        ops.concat([batch, g.i64([spec.n_kv_heads]), g.i64([0]), g.i64([spec.head_dim])], 0),
    )
    past = ops.gather(ops.read_value(empty, variable), beam_idx, g.i64(0))
    combined = ops.concat([past, new], 2)
    return past, combined, ops.assign(combined, variable)


def _repeat_kv(g: _Ops, spec: DecoderSpec, x: Any, batch: Any) -> Any:
    """Grouped-query attention: each KV head serves n_heads / n_kv_heads query heads."""
    if spec.n_heads == spec.n_kv_heads:
        return x
    ops = g.ops
    group = spec.n_heads // spec.n_kv_heads
    shape = ops.concat(
        [batch, g.i64([spec.n_kv_heads]), g.i64([group]), g.i64([0]), g.i64([spec.head_dim])], 0
    )
    expanded = ops.broadcast(ops.unsqueeze(x, g.i64(2)), shape, broadcast_spec="BIDIRECTIONAL")
    return ops.reshape(expanded, g.i64([0, spec.n_heads, -1, spec.head_dim]), True)


def _causal_mask(g: _Ops, attention_mask: Any, past: Any, query: Any) -> Any:
    """[batch, 1, seq, past + seq] additive mask: 0 where query i may see key j (j <= past + i
    and attention_mask[j] = 1), else MASKED. past, query: [batch, heads, length, head_dim]."""
    ops = g.ops
    i64 = g.ov.Type.i64
    past_len = ops.gather(ops.shape_of(past, i64), g.i64(2), g.i64(0))
    seq_len = ops.gather(ops.shape_of(query, i64), g.i64(2), g.i64(0))
    total = ops.add(past_len, seq_len)
    queries = ops.range(past_len, total, g.i64(1), i64)
    keys = ops.range(g.i64(0), total, g.i64(1), i64)
    causal = ops.less_equal(
        ops.unsqueeze(keys, g.i64([0, 1, 2])), ops.unsqueeze(queries, g.i64([0, 1, 3]))
    )  # [1, 1, seq, total]
    padding = ops.not_equal(attention_mask, g.i64(0))
    padding = ops.unsqueeze(padding, g.i64([1, 2]))  # [batch, 1, 1, total]
    visible = ops.logical_and(causal, padding)
    return ops.select(visible, g.f32(0.0), g.f32(MASKED))


def _layer(
    g: _Ops,
    spec: DecoderSpec,
    i: int,
    hidden: Any,
    matrix: MatrixSource,
    vector: VectorSource,
    attention_mask: Any,
    beam_idx: Any,
    batch: Any,
    cos: Any,
    sin: Any,
    mask: Any,
) -> tuple[Any, list[Any], Any]:
    ops = g.ops
    p = f"blk.{i}."
    x = g.rms_norm(hidden, vector(p + "attn_norm.weight"), spec.rms_eps)
    q = _heads(g, _project(g, x, p + "attn_q", matrix, vector), spec.n_heads, spec.head_dim)
    k = _heads(g, _project(g, x, p + "attn_k", matrix, vector), spec.n_kv_heads, spec.head_dim)
    v = _heads(g, _project(g, x, p + "attn_v", matrix, vector), spec.n_kv_heads, spec.head_dim)
    q = _rotate(g, q, cos, sin, spec.head_dim)
    k = _rotate(g, k, cos, sin, spec.head_dim)
    past_k, keys, assign_k = _cache(
        g, f"past_key_values.{i}.keypresent.{i}.key", spec, batch, beam_idx, k
    )
    _past_v, values, assign_v = _cache(
        g, f"past_key_values.{i}.valuepresent.{i}.key", spec, batch, beam_idx, v
    )
    if mask is None:
        mask = _causal_mask(g, attention_mask, past_k, q)
    attended = ops.scaled_dot_product_attention(
        q,
        _repeat_kv(g, spec, keys, batch),
        _repeat_kv(g, spec, values, batch),
        mask,
        causal=False,
    )
    attended = ops.reshape(
        ops.transpose(attended, g.i64([0, 2, 1, 3])),
        g.i64([0, 0, spec.n_heads * spec.head_dim]),
        True,
    )
    attn_out = g.linear(attended, g.weight(matrix(p + "attn_output.weight")))
    hidden = ops.add(hidden, g.scaled(attn_out, spec.residual_scale))
    x = g.rms_norm(hidden, vector(p + "ffn_norm.weight"), spec.rms_eps)
    gate = ops.swish(g.linear(x, g.weight(matrix(p + "ffn_gate.weight"))))
    up = g.linear(x, g.weight(matrix(p + "ffn_up.weight")))
    down = g.linear(ops.multiply(gate, up), g.weight(matrix(p + "ffn_down.weight")))
    hidden = ops.add(hidden, g.scaled(down, spec.residual_scale))
    return hidden, [assign_k, assign_v], mask


def _project(g: _Ops, x: Any, name: str, matrix: MatrixSource, vector: VectorSource) -> Any:
    out = g.linear(x, g.weight(matrix(name + ".weight")))
    try:
        bias = vector(name + ".bias")
    except KeyError:
        return out
    return g.ops.add(out, g.f32(bias.astype(np.float32)))
