"""GGUF weight matrices in a form OpenVINO computes exactly: integer codes, scale, zero point.

Every block format llama.cpp uses in the official MiniCPM files computes a weight as
`scale * (code - zero)` per group of 16 or 32 values, which is OpenVINO's own weight
decompression pattern (Convert(codes) -> Subtract(zero) -> Multiply(scale)). OpenVINO's
weight formats usually carry an integer zero point, which cannot hold the float block minimum
of Q4_1 / Q4_K (FACTS: GenAI's reader rounds it and gets those files wrong); an f32 zero point
= minimum / scale can, and the CPU plugin still fuses it into one compressed FullyConnected
(measured: 1e-6 relative error, u4 weights stay u4). Scales and zero points are f32: the
product d * sc of Q4_K / Q6_K needs up to 17 mantissa bits (f16 has 11).

| GGUF | codes | group | scale | zero |
|---|---|---|---|---|
| Q8_0 | i8 | 32 | d | none |
| Q4_0 | u4 | 32 | d | 8 |
| Q4_1 | u4 | 32 | d | -m / d |
| Q4_K | u4 | 32 | d * sc | dmin * m / (d * sc) |
| Q6_K | i8 (code - 32) | 16 | d * sc | none |

Other types (Q5_*, Q2_K, Q3_K, IQ*) are dequantized exactly and kept as f16.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

__all__ = ["Matrix", "dequantize", "matrix_from_gguf"]

QK_K = 256


@dataclass(frozen=True)
class Matrix:
    """A weight matrix [rows, columns]: either `values` (float) or quantized groups.

    Quantized: `codes` [rows, groups, group] (uint8 0..15 for `bits` 4, int8 for 8),
    `scale` f32 [rows, groups, 1], `zero` f32 [rows, groups, 1], a number, or None."""

    rows: int
    columns: int
    values: np.ndarray | None = None
    codes: np.ndarray | None = None
    bits: int = 0
    scale: np.ndarray | None = None
    zero: np.ndarray | float | None = None

    @property
    def quantized(self) -> bool:
        return self.codes is not None

    def take_rows(self, order: np.ndarray) -> Matrix:
        """The matrix with its rows reordered (rows are independent in every format)."""
        if self.values is not None:
            return replace(self, values=self.values[order])
        assert self.codes is not None and self.scale is not None
        zero = self.zero[order] if isinstance(self.zero, np.ndarray) else self.zero
        return replace(self, codes=self.codes[order], scale=self.scale[order], zero=zero)

    def dequantized(self) -> np.ndarray:
        """f32 values, as OpenVINO computes them (for tests and small tensors)."""
        if self.values is not None:
            return self.values.astype(np.float32)
        assert self.codes is not None and self.scale is not None
        codes = self.codes.astype(np.float32)
        if isinstance(self.zero, np.ndarray):
            codes = codes - self.zero
        elif self.zero is not None:
            codes = codes - np.float32(self.zero)
        result: np.ndarray = (codes * self.scale).reshape(self.rows, self.columns)
        return result


def _f16(raw: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(raw).view(np.float16).astype(np.float32)


def _nibbles(packed: np.ndarray) -> np.ndarray:
    """[n, k] bytes -> [n, 2k] values: low nibbles first, then high (ggml's 32-value layout)."""
    return np.concatenate([packed & np.uint8(0x0F), packed >> np.uint8(4)], axis=-1)


def _float_zero(scale: np.ndarray, minimum: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Zero points for `value = scale * code - minimum`; a group whose scale is 0 holds one
    value (-minimum) and is rewritten as codes 0, zero -1, scale -minimum."""
    flat = scale == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        zero = np.where(flat, np.float32(-1.0), minimum / np.where(flat, 1, scale))
    if flat.any():
        codes[np.broadcast_to(flat, codes.shape)] = 0
        np.copyto(scale, -minimum, where=flat)
    return zero.astype(np.float32)


def _q8_0(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any, int]:
    d = _f16(blocks[:, :2])
    codes = np.ascontiguousarray(blocks[:, 2:]).view(np.int8)
    return codes[:, None, :], d[:, None, :], None, 8


def _q4_0(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any, int]:
    d = _f16(blocks[:, :2])
    return _nibbles(blocks[:, 2:])[:, None, :], d[:, None, :], 8.0, 4


def _q4_1(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any, int]:
    d = _f16(blocks[:, :2])[:, None, :]
    m = _f16(blocks[:, 2:4])[:, None, :]
    codes = _nibbles(blocks[:, 4:])[:, None, :]
    return codes, d, _float_zero(d, -m, codes), 4


def _q4_k(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any, int]:
    n = blocks.shape[0]
    d = _f16(blocks[:, :2])
    dmin = _f16(blocks[:, 2:4])
    scales = blocks[:, 4:16].reshape(n, 3, 4)
    lo, mid, hi = scales[:, 0], scales[:, 1], scales[:, 2]
    sc = np.concatenate([lo & 0x3F, (hi & 0x0F) | ((lo >> 2) & 0x30)], axis=-1)
    mn = np.concatenate([mid & 0x3F, (hi >> 4) | ((mid >> 2) & 0x30)], axis=-1)
    scale = (d * sc.astype(np.float32))[:, :, None]
    minimum = (dmin * mn.astype(np.float32))[:, :, None]
    # 4 chunks of 32 bytes: low nibbles are one sub-block of 32, high nibbles the next.
    codes = _nibbles(blocks[:, 16:].reshape(n, 4, 32)).reshape(n, 8, 32)
    return codes, scale, _float_zero(scale, minimum, codes), 4


def _q6_k(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any, int]:
    n = blocks.shape[0]
    ql = blocks[:, :128].reshape(n, 2, 1, 64) >> np.array([0, 4], np.uint8).reshape(1, 1, 2, 1)
    ql = (ql & np.uint8(0x0F)).reshape(n, 2, 4, 32)
    qh = blocks[:, 128:192].reshape(n, 2, 1, 32) >> np.array([0, 2, 4, 6], np.uint8).reshape(
        1, 1, 4, 1
    )
    qh = (qh & np.uint8(0x03)).reshape(n, 2, 4, 32)
    codes = ((ql | (qh << np.uint8(4))).astype(np.int8) - np.int8(32)).reshape(n, 16, 16)
    sc = np.ascontiguousarray(blocks[:, 192:208]).view(np.int8).astype(np.float32)
    d = _f16(blocks[:, 208:210])
    return codes, (d * sc)[:, :, None], None, 8


Unpacker = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, Any, int]]
# GGML type name -> (values per block, bytes per block, unpacker)
_UNPACKERS: dict[str, tuple[int, int, Unpacker]] = {
    "Q8_0": (32, 34, _q8_0),
    "Q4_0": (32, 18, _q4_0),
    "Q4_1": (32, 20, _q4_1),
    "Q4_K": (QK_K, 144, _q4_k),
    "Q6_K": (QK_K, 210, _q6_k),
}


def dequantize(tensor: Any) -> np.ndarray:
    """Exact float32 values of a `gguf.GGUFReader` tensor, row-major (rows, columns)."""
    import gguf

    values = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
    return np.asarray(values, dtype=np.float32)


def matrix_from_gguf(tensor: Any, keep_quantized: bool = True) -> Matrix:
    """A `gguf.GGUFReader` tensor (2-D) as a Matrix; quantized blocks kept when known."""

    columns, rows = (int(n) for n in tensor.shape[:2])
    kind = tensor.tensor_type.name
    if kind == "F16" or kind == "F32":
        values = np.asarray(tensor.data).reshape(rows, columns)
        return Matrix(rows, columns, values=values)
    if kind in _UNPACKERS and keep_quantized:
        block_values, block_bytes, unpack = _UNPACKERS[kind]
        blocks = np.asarray(tensor.data, dtype=np.uint8).reshape(-1, block_bytes)
        codes, scale, zero, bits = unpack(blocks)
        groups = columns // codes.shape[-1]
        shape = (rows, groups)
        return Matrix(
            rows,
            columns,
            codes=codes.reshape(*shape, -1),
            bits=bits,
            scale=np.ascontiguousarray(scale.reshape(*shape, 1), dtype=np.float32),
            zero=zero.reshape(*shape, 1) if isinstance(zero, np.ndarray) else zero,
        )
    dtype = np.float32 if kind in ("F32", "BF16") else np.float16
    return Matrix(rows, columns, values=dequantize(tensor).astype(dtype))
