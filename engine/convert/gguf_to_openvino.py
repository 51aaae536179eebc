"""Convert a `minicpm` (or `llama`) GGUF with a SentencePiece vocabulary into an OpenVINO model.

Route, chosen by measurement (docs/conversion.md, FACTS "Converting MiniCPM4 / 4.1"):

1. **Fold** the source into an architecture-`llama` F16 GGUF that OpenVINO GenAI's own GGUF
   reader understands. llama.cpp's `minicpm` graph multiplies the token embeddings by
   `embedding_scale`, each attention / FFN output by `residual_scale` and divides the logits by
   `logit_scale`; all three are linear, so they fold exactly into `token_embd`,
   `attn_output` / `ffn_down` and a separate `output` (= the original, possibly tied,
   `token_embd` / `logit_scale`). Both architectures use llama.cpp's NORM rotary layout on the
   same (converter-permuted) Q / K weights, so renaming keeps the rotary meaning and GenAI's
   reader un-permutes them for its NEOX-layout graph as it does for any llama GGUF. Every
   tensor is dequantized with `gguf.quants.dequantize` (exact) and written as F16, the one
   type OpenVINO computes like llama.cpp for all sources (it gets Q4_1 / Q4_K wrong).
2. **Export** that GGUF with `LLMPipeline(..., enable_save_ov_model=True)` in a child process
   (GenAI's reader can crash the process). The stateful IR it saves has the inputs GenAI needs
   (input_ids, attention_mask, position_ids, beam_idx; logits; KV cache as ReadValue / Assign).
3. **Patch LongRoPE**: GenAI ignores `rope_freqs` and LongRoPE factor tensors. Its IR holds the
   rotary inverse frequencies base^(-2i/d) in one Constant [1, d/2, 1]; it is replaced by an
   f32 Constant base^(-2i/d) / f_i, which is how llama.cpp applies the factors
   (ggml_rope_cache_init: theta = pos * base^(-2i/d) / f_i). Kept f32: at 2,048 tokens an f16
   constant was 2.6x worse (FACTS).
4. **Tokenizer** from the GGUF vocabulary (engine.convert.tokenizer), then optional NNCF
   weight compression (int8 / int4).

Building the whole graph with the `openvino` Python API would avoid step 2's detour, but the
route above reuses GenAI's tested llama graph and measured 32 of 32 greedy tokens equal to
llama.cpp on LongRoPE test models; its cost is one F16 copy of the model on disk.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import EngineError, ModelLoadError, UnsupportedModelError

__all__ = [
    "ConversionCancelled",
    "FoldedModel",
    "WEIGHT_FORMATS",
    "compress_weights",
    "export_ir",
    "fold_to_llama_gguf",
    "patch_rope",
    "rope_inverse_frequencies",
]

SUPPORTED_ARCHITECTURES = ("llama", "minicpm")
WEIGHT_FORMATS = ("f16", "int8", "int4")
EXPORT_TIMEOUT_S = 3600
MODEL_XML = "openvino_model.xml"
MODEL_BIN = "openvino_model.bin"
_SCALE_KEYS = ("embedding_scale", "residual_scale", "logit_scale")

ShouldStop = Callable[[], bool]
OnProgress = Callable[[str, float], None]


class ConversionCancelled(EngineError):
    """The user cancelled a conversion; nothing was registered."""


def _never() -> bool:
    return False


def _quiet(_stage: str, _fraction: float) -> None:
    return None


@dataclass(frozen=True)
class FoldedModel:
    """What the fold learned about the source that later steps need."""

    architecture: str
    name: str
    n_layers: int
    n_embd: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    rope_dims: int
    rope_base: float
    context_length: int
    scales: Mapping[str, float]
    tied_embeddings: bool
    source_types: frozenset[str]
    # Per-pair divisors f_i applied to the rotary frequencies (None: plain RoPE).
    rope_factors: tuple[float, ...] | None
    rope_factor_source: str | None
    tokenizer_fields: Mapping[str, Any] = field(repr=False, default_factory=dict)

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
        }


# --- 1. fold ---------------------------------------------------------------------------------


def _field_value(reader_field: Any) -> Any:
    return reader_field.contents()


def _choose_rope_factors(
    arch: str, tensors: Mapping[str, Any], metadata: Mapping[str, Any], context_length: int
) -> tuple[np.ndarray | None, str | None, int]:
    """The factor set llama.cpp uses (llama_model::get_rope_factors) and the context it holds.

    `rope_freqs` wins; otherwise `rope_factors_long` when the context exceeds the original
    (pre-extension) length, else `rope_factors_short`. The converted model has one fixed set,
    so it gets the short set and is limited to the original context unless the sets are equal
    (MiniCPM4.1 writes identical sets).
    """
    for name in ("rope_freqs.weight", "blk.0.rope_freqs.weight"):
        if name in tensors:
            return _dequantize(tensors[name]).reshape(-1), name, context_length
    short = tensors.get("rope_factors_short.weight")
    long = tensors.get("rope_factors_long.weight")
    if short is None and long is None:
        return None, None, context_length
    original = int(metadata.get(f"{arch}.rope.scaling.original_context_length") or context_length)
    if short is None:
        return _dequantize(long).reshape(-1), "rope_factors_long.weight", context_length
    short_values = _dequantize(short).reshape(-1)
    if long is not None and np.array_equal(short_values, _dequantize(long).reshape(-1)):
        return short_values, "rope_factors_short.weight (= long)", context_length
    return short_values, "rope_factors_short.weight", min(original, context_length)


def _dequantize(tensor: Any) -> np.ndarray:
    """Exact float32 values of a GGUF tensor, numpy (row-major) shape: (rows, columns)."""
    import gguf

    data = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
    return np.asarray(data, dtype=np.float32)


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


def _dummy_gpt2_vocab(n_vocab: int) -> tuple[list[str], list[str]]:
    """A byte-level BPE vocabulary of the right size for GenAI's reader, which builds only
    `gpt2` tokenizers; its tokenizer is thrown away and replaced by the real one."""
    chars = bytes_to_unicode()
    tokens = [chars[b] for b in range(256)]
    merges: list[str] = []
    pairs = ((chars[a], chars[b]) for a in range(256) for b in range(256))
    while len(tokens) < n_vocab:
        left, right = next(pairs)
        tokens.append(left + right)
        merges.append(f"{left} {right}")
    return tokens[:n_vocab], merges


def fold_to_llama_gguf(
    source: Path,
    target: Path,
    should_stop: ShouldStop = _never,
    on_progress: OnProgress = _quiet,
) -> FoldedModel:
    """Write `target`: `source` as an F16 llama GGUF with muP folded in (see module doc)."""
    import gguf

    reader = gguf.GGUFReader(source)
    metadata = {k: _field_value(f) for k, f in reader.fields.items() if not k.startswith("GGUF.")}
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
    context_length = int(hparam("context_length"))
    scales = {k: float(metadata[f"{arch}.{k}"]) for k in _SCALE_KEYS if f"{arch}.{k}" in metadata}
    factors, factor_source, context_length = _choose_rope_factors(
        arch, tensors, metadata, context_length
    )
    n_vocab = len(metadata.get("tokenizer.ggml.tokens") or [])
    if "token_embd.weight" not in tensors or n_vocab == 0:
        raise UnsupportedModelError("The GGUF file has no token embeddings or no vocabulary.")
    folded = FoldedModel(
        architecture=arch,
        name=str(metadata.get("general.name") or source.stem),
        n_layers=int(hparam("block_count")),
        n_embd=n_embd,
        n_heads=n_heads,
        n_kv_heads=int(hparam("attention.head_count_kv", n_heads)),
        head_dim=head_dim,
        rope_dims=int(metadata.get(f"{arch}.rope.dimension_count") or head_dim),
        rope_base=float(metadata.get(f"{arch}.rope.freq_base") or 10000.0),
        context_length=context_length,
        scales=scales,
        tied_embeddings="output.weight" not in tensors,
        source_types=frozenset(t.tensor_type.name for t in reader.tensors),
        rope_factors=tuple(float(f) for f in factors) if factors is not None else None,
        rope_factor_source=factor_source,
        tokenizer_fields={k: v for k, v in metadata.items() if k.startswith("tokenizer.")},
    )
    writer = gguf.GGUFWriter(target, "llama")
    _write_metadata(writer, reader, arch, context_length, n_vocab)
    # Streamed: the tensor table is written first from the layout, then each tensor as soon as
    # it is folded, so one tensor is in RAM at a time (GGUFWriter.add_tensor would keep every
    # folded tensor until the end: about the F16 model size, measured in docs/conversion.md).
    layout = _folded_layout(tensors)
    for name, shape, dtype in layout:
        writer.add_tensor_info(name, shape, dtype, math.prod(shape) * dtype.itemsize)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    try:
        folded_tensors = _folded_tensors(tensors, scales)
        for done, ((name, values), expected) in enumerate(zip(folded_tensors, layout, strict=True)):
            if should_stop():
                raise ConversionCancelled("Conversion cancelled.")
            if (name, values.shape, values.dtype) != expected:
                raise ModelLoadError(f"The folded tensor {name} does not match its layout.")
            writer.write_tensor_data(values)
            del values
            on_progress("fold", (done + 1) / len(layout))
    finally:
        writer.close()
    return folded


def _folded_layout(tensors: Mapping[str, Any]) -> list[tuple[str, tuple[int, ...], np.dtype]]:
    """(name, numpy shape, dtype) of every tensor `_folded_tensors` yields, in its order."""
    layout = []
    for name, tensor in tensors.items():
        if name.startswith("rope_factors") or "rope_freqs" in name or name == "output.weight":
            continue
        shape = tuple(int(n) for n in reversed(tensor.shape))  # GGUF lists ne0 first
        layout.append((name, shape, np.dtype(np.float32 if len(shape) == 1 else np.float16)))
    output = tensors.get("output.weight", tensors["token_embd.weight"])
    layout.append(
        ("output.weight", tuple(int(n) for n in reversed(output.shape)), np.dtype(np.float16))
    )
    return layout


def _write_metadata(writer: Any, reader: Any, arch: str, context_length: int, n_vocab: int) -> None:
    import gguf

    for key, reader_field in reader.fields.items():
        if key.startswith(("GGUF.", "tokenizer.")) or key == "general.architecture":
            continue
        name = key
        if key.startswith(f"{arch}."):
            rest = key[len(arch) + 1 :]
            # muP scales are folded into the weights; LongRoPE goes into the IR afterwards.
            if rest in _SCALE_KEYS or rest.startswith("rope.scaling."):
                continue
            name = f"llama.{rest}"
        if name == "llama.context_length":
            writer.add_uint32(name, context_length)
            continue
        if name == "general.file_type":
            writer.add_uint32(name, int(gguf.LlamaFileType.MOSTLY_F16))
            continue
        value_type = reader_field.types[0]
        sub_type = reader_field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, reader_field.contents(), value_type, sub_type)
    tokens, merges = _dummy_gpt2_vocab(n_vocab)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types([int(gguf.TokenType.NORMAL)] * n_vocab)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(0)
    writer.add_eos_token_id(1)


def _folded_tensors(
    tensors: Mapping[str, Any], scales: Mapping[str, float]
) -> Iterator[tuple[str, np.ndarray]]:
    """(name, array) in F16 (matrices) / F32 (vectors), muP folded. One tensor in RAM at once
    (plus the embeddings, needed twice when tied)."""
    embedding_scale = scales.get("embedding_scale", 1.0)
    residual_scale = scales.get("residual_scale", 1.0)
    logit_scale = scales.get("logit_scale", 1.0)
    for name, tensor in tensors.items():
        if name.startswith("rope_factors") or "rope_freqs" in name or name == "output.weight":
            continue
        values = _dequantize(tensor)
        if name == "token_embd.weight":
            values = values * np.float32(embedding_scale)
        elif name.endswith(("attn_output.weight", "ffn_down.weight")):
            values = values * np.float32(residual_scale)
        yield name, values.astype(np.float32 if values.ndim == 1 else np.float16)
    output = tensors.get("output.weight", tensors["token_embd.weight"])
    yield "output.weight", (_dequantize(output) / np.float32(logit_scale)).astype(np.float16)


# --- 2. export -------------------------------------------------------------------------------


def export_ir(llama_gguf: Path, folder: Path, timeout_s: float = EXPORT_TIMEOUT_S) -> None:
    """openvino_model.xml / .bin in `folder`, written by OpenVINO GenAI in a child process.

    GenAI saves the model IR first and then builds a tokenizer and a pipeline from the
    placeholder vocabulary, which may fail; only the saved model IR is used, and it is checked
    (read back, expected inputs) before anything relies on it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "model.gguf"
    link.unlink(missing_ok=True)
    link.symlink_to(llama_gguf.resolve())
    root = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH")))),
    }
    command = [sys.executable, "-m", "engine.convert.gguf_to_openvino", "--export", str(folder)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired as exc:
        raise ModelLoadError("OpenVINO took too long to build the model.") from exc
    finally:
        link.unlink(missing_ok=True)
    for leftover in folder.glob("openvino_*tokenizer.*"):
        leftover.unlink()
    if not (folder / MODEL_XML).is_file() or not (folder / MODEL_BIN).is_file():
        detail = (done.stderr or "").strip().splitlines()[-1:] or ["no reason given"]
        raise ModelLoadError(f"OpenVINO did not write the model: {detail[0]}")
    _check_ir(folder / MODEL_XML)


def _check_ir(xml: Path) -> None:
    import openvino

    model = openvino.Core().read_model(xml)
    names = {name for port in model.inputs for name in port.get_names()}
    needed = {"input_ids", "attention_mask", "position_ids", "beam_idx"}
    if not needed <= names or not model.get_sinks():
        raise ModelLoadError(f"OpenVINO wrote an unexpected model (inputs {sorted(names)}).")


def _export_child(folder: Path) -> int:
    from engine.privacy import block_telemetry

    block_telemetry()
    import openvino_genai

    try:
        openvino_genai.LLMPipeline(str(folder / "model.gguf"), "CPU", enable_save_ov_model=True)
    except RuntimeError as exc:  # the placeholder tokenizer; the parent checks the model IR
        print(f"pipeline after export: {exc}", file=sys.stderr)
    return 0


# --- 3. LongRoPE -----------------------------------------------------------------------------


def rope_inverse_frequencies(
    base: float, rope_dims: int, factors: tuple[float, ...] | None
) -> np.ndarray:
    """base^(-2i/d) / f_i in float32, as ggml_rope_cache_init computes theta (d = rope dims)."""
    i = np.arange(rope_dims // 2, dtype=np.float64)
    inverse = base ** (-2.0 * i / rope_dims)
    if factors is not None:
        if len(factors) != rope_dims // 2:
            raise UnsupportedModelError(
                f"The model has {len(factors)} RoPE factors for {rope_dims // 2} frequencies."
            )
        inverse = inverse / np.asarray(factors, dtype=np.float64)
    return inverse.astype(np.float32)


def patch_rope(model: Any, folded: FoldedModel) -> int:
    """Replace the rotary inverse-frequency Constant(s) of GenAI's IR; returns how many.

    The constant is found by its values (base^(-2i/d), shape [1, d/2, 1]) rather than by a
    node name, which GenAI does not promise to keep.
    """
    import openvino
    import openvino.opset13 as ops

    half = folded.rope_dims // 2
    plain = rope_inverse_frequencies(folded.rope_base, folded.rope_dims, None)
    wanted = rope_inverse_frequencies(folded.rope_base, folded.rope_dims, folded.rope_factors)
    patched = 0
    for node in model.get_ordered_ops():
        if node.get_type_name() != "Constant" or list(node.get_output_shape(0)) != [1, half, 1]:
            continue
        values = node.get_data().astype(np.float32).reshape(-1)
        if not np.allclose(values, plain, rtol=2e-3, atol=1e-6):
            continue
        replacement = ops.constant(wanted.reshape(1, half, 1), openvino.Type.f32)
        output = node.output(0)
        consumers = list(output.get_target_inputs())
        if len(consumers) == 1 and consumers[0].get_node().get_type_name() == "Convert":
            output = consumers[0].get_node().output(0)  # f16 Constant -> Convert(f32)
        output.replace(replacement.output(0))
        patched += 1
    if patched == 0:
        raise ModelLoadError("The exported model has no rotary frequency constant to patch.")
    return patched


# --- 4. weights ------------------------------------------------------------------------------


def compress_weights(model: Any, weights: str) -> Any:
    """NNCF weight compression of the MatMul / embedding weights (int8 per channel, or int4
    asymmetric in groups of 32 with int8 for embeddings and lm_head, NNCF's defaults)."""
    if weights == "f16":
        return model
    import nncf

    if weights == "int8":
        return nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
    if weights == "int4":
        return nncf.compress_weights(
            model, mode=nncf.CompressWeightsMode.INT4_ASYM, group_size=32, ratio=1.0
        )
    raise ValueError(f"unknown weight format {weights!r}; expected one of {WEIGHT_FORMATS}")


def write_config(folder: Path, folded: FoldedModel, extra: Mapping[str, Any]) -> None:
    """config.json as engine.model_info reads it (model type, context, rope scaling)."""
    vocab = folded.tokenizer_fields
    config: dict[str, Any] = {
        "model_type": folded.architecture,
        "architectures": [
            "MiniCPMForCausalLM" if folded.architecture == "minicpm" else "LlamaForCausalLM"
        ],
        "_name_or_path": folded.name,
        "max_position_embeddings": folded.context_length,
        "hidden_size": folded.n_embd,
        "num_hidden_layers": folded.n_layers,
        "num_attention_heads": folded.n_heads,
        "num_key_value_heads": folded.n_kv_heads,
        "bos_token_id": vocab.get("tokenizer.ggml.bos_token_id"),
        "eos_token_id": vocab.get("tokenizer.ggml.eos_token_id"),
        "converted_from_gguf": {**folded.to_json(), **extra},
    }
    (folder / "config.json").write_text(
        json.dumps(config, ensure_ascii=False, indent=2, default=_json_default), encoding="utf-8"
    )


def _json_default(value: object) -> object:
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    raise TypeError(f"not JSON: {value!r}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--export":
        raise SystemExit(_export_child(Path(sys.argv[2])))
    raise SystemExit("usage: python -m engine.convert.gguf_to_openvino --export FOLDER")
