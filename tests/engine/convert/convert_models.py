"""Test models for the converter: tied-embedding copies and llama.cpp requantizations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gguf
import numpy as np

try:
    from gguf_factory import write_minicpm_gguf
except ModuleNotFoundError:  # imported as tests.engine.convert.convert_models (app tests)
    from tests.engine.gguf_factory import write_minicpm_gguf

# Q4_K needs rows that are multiples of 256, so the quantized-source models are wider.
WIDE = {"n_layers": 2, "n_embd": 256, "n_heads": 4, "n_kv_heads": 2, "n_ff": 512}


# The factory's layers add little to an embedding scaled by 12, so the top token would hardly
# depend on them; these factors make the layers matter (and rotary errors visible).
LAYER_GAIN = {
    "attn_q.weight": 2.0,
    "attn_k.weight": 2.0,
    "attn_output.weight": 16.0,
    "ffn_down.weight": 16.0,
}


def drop_tensor(
    source: Path, target: Path, name: str, gain: dict[str, float] | None = None
) -> Path:
    """A copy of `source` without tensor `name` (e.g. output.weight: tied embeddings), F16
    tensors whose name ends with a `gain` key multiplied by its value."""
    reader = gguf.GGUFReader(source)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(target, arch)
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), value_type, sub_type)
    for tensor in reader.tensors:
        if tensor.name == name:
            continue
        factor = next((f for k, f in (gain or {}).items() if tensor.name.endswith(k)), None)
        if factor is not None and tensor.tensor_type == gguf.GGMLQuantizationType.F16:
            writer.add_tensor(
                tensor.name, (tensor.data.astype(np.float32) * factor).astype(np.float16)
            )
        else:
            writer.add_tensor(tensor.name, tensor.data, raw_dtype=tensor.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target


def write_tied_minicpm(folder: Path, **options: object) -> Path:
    """MiniCPM4.1-like: LongRoPE (factors not all 1), SentencePiece, tied embeddings."""
    untied = write_minicpm_gguf(folder / "untied.gguf", **options)  # type: ignore[arg-type]
    return drop_tensor(
        untied, folder / "MiniCPM4.1-tiny-tied-F16.gguf", "output.weight", LAYER_GAIN
    )


# Ids in the factory's SentencePiece vocabulary.
SPM_EOS_ID = 2  # "</s>"
IM_END_ID = 479  # "<|im_end|>"


def write_im_end_minicpm(folder: Path, prompt: str, after: int = 8) -> Path:
    """The tied model, untied so that llama.cpp's greedy answer to the (rendered) `prompt` is
    `after` tokens and then "<|im_end|>", with "</s>" as its EOS (as some MiniCPM GGUFs
    declare). llama.cpp ends there ("<|im_end|>" is an end-of-generation token by its text);
    OpenVINO's detokenizer hides it from the stop strings, so only a stop id can end it."""
    tied = write_tied_minicpm(folder)
    greedy = llama_greedy(tied, prompt, after + 1)
    # The output row of "<|im_end|>" becomes a slightly larger copy of the row that wins at
    # position `after`: earlier positions keep their winner (unless a near tie), that one ends.
    chosen = next(t for i, t in enumerate(greedy) if i >= after and t not in greedy[:i])
    reader = gguf.GGUFReader(tied)
    writer = gguf.GGUFWriter(folder / "MiniCPM4.1-tiny-im-end-F16.gguf", "minicpm")
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        value = SPM_EOS_ID if key == "tokenizer.ggml.eos_token_id" else field.contents()
        writer.add_key_value(key, value, value_type, sub_type)
    for tensor in reader.tensors:
        writer.add_tensor(tensor.name, tensor.data, raw_dtype=tensor.tensor_type)
        if tensor.name == "token_embd.weight":
            output = tensor.data.astype(np.float32).copy()
            output[IM_END_ID] = output[chosen] * 1.05
            writer.add_tensor("output.weight", output.astype(np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return folder / "MiniCPM4.1-tiny-im-end-F16.gguf"


def llama_greedy(source: Path, prompt: str, n_tokens: int) -> list[int]:
    """llama.cpp's argmax tokens after `prompt` (special tokens parsed, no BOS added)."""
    from llama_cpp import Llama

    llm = Llama(str(source), n_ctx=512, logits_all=True, verbose=False)
    try:
        llm.eval(llm.tokenize(prompt.encode(), add_bos=False, special=True))
        tokens = []
        for _ in range(n_tokens):
            tokens.append(int(np.argmax(llm.scores[llm.n_tokens - 1])))
            llm.eval([tokens[-1]])
        return tokens
    finally:
        llm.close()


def llama_quantize(source: Path, target: Path, ftype: str) -> Path:
    """llama.cpp's own quantization (llama-quantize), e.g. Q8_0, Q4_0, Q4_K_M."""
    import ctypes

    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{ftype}")
    params.allow_requantize = True
    result = llama_cpp.llama_model_quantize(
        str(source).encode(), str(target).encode(), ctypes.byref(params)
    )
    assert result == 0, f"llama_model_quantize failed ({result})"
    return target


def scramble_embeddings(monkeypatch: Any) -> None:
    """A deliberately broken conversion: the converter gets a shuffled embedding table."""
    from engine.convert import gguf_to_openvino
    from engine.convert.quants import Matrix

    real = gguf_to_openvino.matrix_from_gguf

    def scrambled(tensor: object, keep_quantized: bool = True) -> Matrix:
        matrix = real(tensor, keep_quantized)
        if getattr(tensor, "name", "") != "token_embd.weight":
            return matrix
        values = np.random.default_rng(0).permutation(matrix.dequantized().reshape(-1))
        return Matrix(matrix.rows, matrix.columns, values=values.reshape(matrix.rows, -1))

    monkeypatch.setattr(gguf_to_openvino, "matrix_from_gguf", scrambled)
