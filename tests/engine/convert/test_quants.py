"""GGUF blocks -> codes / scales / zero points, checked against gguf's own dequantization and
against what OpenVINO's CPU plugin computes from them."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest
from convert_models import WIDE, llama_quantize, write_tied_minicpm

from engine.convert.graph import _Ops
from engine.convert.quants import Matrix, matrix_from_gguf
from engine.convert.verify import compile_exact


@pytest.fixture(scope="module")
def q4_k_m(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("quants")
    return llama_quantize(write_tied_minicpm(folder, **WIDE), folder / "q4km.gguf", "Q4_K_M")


class _Tensor:
    """Just what matrix_from_gguf reads of a gguf.ReaderTensor."""

    def __init__(self, data: np.ndarray, kind: gguf.GGMLQuantizationType, shape: tuple[int, int]):
        self.data = data
        self.tensor_type = kind
        self.shape = (shape[1], shape[0])  # GGUF lists columns first
        self.name = "test"


def _quantized(kind: gguf.GGMLQuantizationType, rows: int = 8, columns: int = 64) -> _Tensor:
    values = np.random.default_rng(1).normal(0.3, 1.0, (rows, columns)).astype(np.float32)
    return _Tensor(gguf.quants.quantize(values, kind), kind, (rows, columns))


def _openvino_matmul(matrix: Matrix, x: np.ndarray) -> np.ndarray:
    g = _Ops()
    parameter = g.ops.parameter([-1, matrix.columns], g.ov.Type.f32)
    model = g.ov.Model([g.linear(parameter, g.weight(matrix))], [parameter])
    # Pinned: the plugin computes in bf16 by default on CPUs with AVX-512 BF16 (error 0.08).
    return np.asarray(compile_exact(g.ov.Core(), model)(x)[0])


@pytest.mark.parametrize("name", ["Q8_0", "Q4_0", "Q4_1"])
def test_simple_blocks_give_ggufs_values(name: str) -> None:
    tensor = _quantized(gguf.GGMLQuantizationType[name])
    matrix = matrix_from_gguf(tensor)
    assert matrix.quantized and matrix.bits == (8 if name == "Q8_0" else 4)
    expected = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
    np.testing.assert_allclose(matrix.dequantized(), expected, rtol=1e-6, atol=1e-6)


def test_k_quant_blocks_give_ggufs_values(q4_k_m: Path) -> None:
    reader = gguf.GGUFReader(q4_k_m)
    seen = set()
    for tensor in reader.tensors:
        if tensor.tensor_type.name not in ("Q4_K", "Q6_K"):
            continue
        seen.add(tensor.tensor_type.name)
        matrix = matrix_from_gguf(tensor)
        expected = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
        np.testing.assert_allclose(matrix.dequantized(), expected, rtol=1e-5, atol=1e-6)
    assert seen == {"Q4_K", "Q6_K"}


def test_openvino_computes_the_blocks_exactly(q4_k_m: Path) -> None:
    """f32 scales and zero points: OpenVINO's matmul on the codes equals float64 math on the
    exact values to float32 precision (f16 scales would be ~3e-4 off, measured)."""
    reader = gguf.GGUFReader(q4_k_m)
    x = np.random.default_rng(2).standard_normal((3, WIDE["n_embd"])).astype(np.float32)
    for tensor in reader.tensors:
        if tensor.tensor_type.name in ("Q4_K", "Q6_K") and tensor.shape[0] == WIDE["n_embd"]:
            matrix = matrix_from_gguf(tensor)
            exact = (
                x.astype(np.float64)
                @ gguf.quants.dequantize(tensor.data, tensor.tensor_type).astype(np.float64).T
            )
            got = _openvino_matmul(matrix, x)
            assert np.abs(got - exact).max() <= 1e-5 * np.abs(exact).max()


def test_a_block_with_zero_scale_keeps_its_constant_value() -> None:
    """Q4_1 with d = 0 holds one value (its minimum) in all 32 places."""
    tensor = _quantized(gguf.GGMLQuantizationType.Q4_1, rows=1, columns=32)
    raw = tensor.data.copy()
    raw[0, 0:2] = np.frombuffer(np.float16(0.0).tobytes(), np.uint8)
    raw[0, 2:4] = np.frombuffer(np.float16(-0.75).tobytes(), np.uint8)
    raw[0, 4:] = 0x5A  # codes that must not matter
    matrix = matrix_from_gguf(_Tensor(raw, tensor.tensor_type, (1, 32)))
    np.testing.assert_array_equal(matrix.dequantized(), np.full((1, 32), -0.75, np.float32))
    np.testing.assert_allclose(_openvino_matmul(matrix, np.ones((1, 32), np.float32)), [[-24.0]])


def test_unknown_block_types_are_dequantized_to_f16() -> None:
    tensor = _quantized(gguf.GGMLQuantizationType.Q5_0)
    matrix = matrix_from_gguf(tensor)
    assert not matrix.quantized and matrix.values is not None
    assert matrix.values.dtype == np.float16
    expected = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
    np.testing.assert_allclose(matrix.dequantized(), expected, rtol=1e-3, atol=1e-3)


def test_rows_can_be_reordered_in_every_form() -> None:
    tensor = _quantized(gguf.GGMLQuantizationType.Q4_1)
    matrix = matrix_from_gguf(tensor)
    order = np.arange(matrix.rows)[::-1]
    np.testing.assert_array_equal(
        matrix.take_rows(order).dequantized(), matrix.dequantized()[order]
    )
    dense = matrix_from_gguf(tensor, keep_quantized=False)
    np.testing.assert_array_equal(dense.take_rows(order).values, dense.values[order])


def _scale_types(matrix: Matrix) -> set[str]:
    """Element types of the Constants the weight subgraph multiplies the codes by."""
    g = _Ops()
    weight = g.weight(matrix)
    seen: set[str] = set()
    stack = [weight.node if hasattr(weight, "node") else weight]
    while stack:
        node = stack.pop()
        if node.get_type_name() == "Multiply":
            for value in node.input_values():
                producer = value.get_node()
                if producer.get_type_name() == "Constant":
                    seen.add(producer.get_element_type().get_type_name())
        stack.extend(value.get_node() for value in node.input_values())
    return seen


@pytest.mark.parametrize(("name", "scale"), [("Q8_0", "f16"), ("Q4_0", "f16"), ("Q4_1", "f32")])
def test_scales_are_f16_where_the_gguf_stores_them_so_and_stay_exact(name: str, scale: str) -> None:
    """Q8_0 / Q4_0 (the int8 / int4 conversions) keep llama.cpp's f16 scales: fewer bytes a
    weight, the same values. Q4_1's float zero point needs f32."""
    tensor = _quantized(gguf.GGMLQuantizationType[name], rows=16, columns=256)
    matrix = matrix_from_gguf(tensor)
    assert _scale_types(matrix) == {scale}
    x = np.random.default_rng(3).standard_normal((2, 256)).astype(np.float32)
    exact = x.astype(np.float64) @ matrix.dequantized().astype(np.float64).T
    got = _openvino_matmul(matrix, x)
    assert np.abs(got - exact).max() <= 1e-5 * np.abs(exact).max()
