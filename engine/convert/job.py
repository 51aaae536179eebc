"""One conversion, start to finish: estimate, convert in a hidden folder, verify, register.

Everything is written under `<models_root>/.<name>.converting-<pid>` (a leading "." so the
model store never lists it). The finished folder is renamed to `<models_root>/<name>` only
after verification passed, so Ctrl+C, a kill or a failed check leaves no model registered;
leftovers of an interrupted run are removed when the next conversion of that name starts.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.convert.gguf_export import TOKENIZER_FILES, export_gguf
from engine.convert.gguf_to_openvino import (
    MODEL_XML,
    WEIGHT_FORMATS,
    ConversionCancelled,
    OnProgress,
    ShouldStop,
    build_openvino_model,
    never_stop,
    no_progress,
    write_config,
)
from engine.convert.requantize import FTYPES, RequantizeCancelled, requantize
from engine.convert.tokenizer import write_tokenizer_from_metadata
from engine.convert.verify import (
    PROMPTS,
    Verification,
    llama_cpp_tokens,
    run_openvino,
    verify_conversion,
)
from engine.errors import EngineError
from engine.gguf_file import read_gguf
from engine.gguf_tensors import GGML_TYPES
from engine.openvino_support import OPENVINO_OWN_TOKENIZER

__all__ = [
    "ConversionResult",
    "Estimate",
    "VerificationFailedError",
    "convert_gguf",
    "default_name",
    "default_weights",
    "estimate",
]

# Bits per weight of the converted matrices by GGUF type: codes plus an f32 scale (and an f32
# zero point for Q4_1 / Q4_K) per group (engine.convert.quants); other types become f16.
CONVERTED_BITS = {
    "F32": 32.0,
    "BF16": 32.0,
    "F16": 16.0,
    "Q8_0": 9.0,
    "Q4_0": 5.0,
    "Q4_1": 6.0,
    "Q4_K": 6.0,
    "Q6_K": 10.0,
}
# Bits per weight of a GGUF file's tensors, by type name (ggml's block sizes).
GGUF_BITS = {name: 8.0 * size / block for name, block, size in GGML_TYPES.values()}
# The type each weight format turns every matrix into (keep: the tensor's own).
FORMAT_TYPES = {"f16": "F16", **FTYPES}
# Peak memory (anonymous, the part that cannot be paged out) per byte of converted weights,
# measured on 0.24-1.2 B models (docs/conversion.md, "Memory"): building holds every converted
# constant once (1.0-1.3x); the CPU plugin in verification keeps quantized weights compressed
# (1.2x on the 1.2 B model) but turns f16 matrices into f32 (4.2x).
PEAK_PER_QUANTIZED_BYTE = 1.4
PEAK_PER_FLOAT_BYTE = 4.3
BASE_MEMORY_BYTES = 1 << 28
SECONDS_PER_GB = {"keep": 40.0, "f16": 40.0, "int8": 80.0, "int4": 80.0}


class VerificationFailedError(EngineError):
    """The converted model disagrees with llama.cpp too often; it was not registered."""

    def __init__(self, verification: Verification) -> None:
        super().__init__(f"The conversion was not registered: {verification.reason}.")
        self.verification = verification


@dataclass(frozen=True)
class Estimate:
    parameters: int
    temporary_disk_bytes: int
    final_disk_bytes: int
    peak_memory_bytes: int
    seconds: float


@dataclass(frozen=True)
class ConversionResult:
    folder: Path
    verification: Verification
    seconds: float


def estimate(source: Path, weights: str = "keep") -> Estimate:
    """Cost before starting, from the GGUF header alone."""
    gguf = read_gguf(source)
    quantized = floats = requantized = 0.0
    for tensor in gguf.tensors:
        kind = FORMAT_TYPES.get(weights, tensor.type_name)
        if len(tensor.shape) < 2:
            kind = "F32"
        size = tensor.n_elements * CONVERTED_BITS.get(kind, 16.0) / 8
        if kind in CONVERTED_BITS and not kind.startswith(("F", "BF")):
            quantized += size
        else:
            floats += size
        requantized += tensor.n_elements * GGUF_BITS.get(kind, 16.0) / 8
    final = quantized + floats
    temporary = requantized if weights in FTYPES else 0.0
    peak = PEAK_PER_QUANTIZED_BYTE * quantized + PEAK_PER_FLOAT_BYTE * floats
    return Estimate(
        parameters=sum(t.n_elements for t in gguf.tensors),
        temporary_disk_bytes=int(temporary + final),
        final_disk_bytes=int(final),
        peak_memory_bytes=int(peak) + BASE_MEMORY_BYTES,
        seconds=max(5.0, (final + temporary) / 1e9 * SECONDS_PER_GB[weights]),
    )


def default_weights(quantization: str | None) -> str:
    """A quantized file keeps its own blocks (exact, about its size); a float one becomes
    llama.cpp's Q8_0, since f16 matrices take about 4x their size in memory on a CPU."""
    return "int8" if quantization in ("F16", "BF16", "F32") else "keep"


def default_name(source: Path, weights: str) -> str:
    """`<source>-ov`, with `-f16` / `-int8` / `-int4` appended unless the blocks are kept."""
    return f"{source.stem}-ov" + ("" if weights == "keep" else f"-{weights}")


def work_folder(models_root: Path, name: str) -> Path:
    return models_root / f".{name}.converting-{os.getpid()}"


def remove_leftovers(models_root: Path, name: str) -> None:
    """Removes the hidden folders of earlier, interrupted conversions of `name`."""
    for stale in models_root.glob(f".{name}.converting-*"):
        shutil.rmtree(stale, ignore_errors=True)


def convert_gguf(
    source: Path,
    models_root: Path,
    name: str,
    weights: str = "keep",
    should_stop: ShouldStop = never_stop,
    on_progress: OnProgress = no_progress,
) -> ConversionResult:
    """Convert `source`, verify it and register it as `models_root/name`."""
    if weights not in WEIGHT_FORMATS:
        raise ValueError(f"weights must be one of {WEIGHT_FORMATS}, not {weights!r}")
    start = time.monotonic()
    read_gguf(source)  # validates the file before any heavy library sees it
    models_root.mkdir(parents=True, exist_ok=True)
    remove_leftovers(models_root, name)
    work = work_folder(models_root, name)
    work.mkdir()
    try:
        out = work / "model"
        out.mkdir()

        def checkpoint(stage: str, fraction: float) -> None:
            on_progress(stage, fraction)
            if should_stop():
                raise ConversionCancelled("Conversion cancelled.")

        weights_source = source
        if weights in FTYPES:
            checkpoint("requantize", 0.0)
            weights_source = _requantized(source, work, weights, should_stop)
        checkpoint("build", 0.0)
        vocabulary = _build(weights_source, out, weights, should_stop, on_progress)
        _write_tokenizer(vocabulary, source, work, out)
        checkpoint("verify", 0.0)
        verification = _verified(source, weights_source, out, weights, checkpoint)
        checkpoint("register", 1.0)
        target = models_root / name
        _replace(out, target)
        return ConversionResult(target, verification, time.monotonic() - start)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _requantized(source: Path, work: Path, weights: str, should_stop: ShouldStop) -> Path:
    try:
        return requantize(
            source, work / f"requantized-{FTYPES[weights]}.gguf", FTYPES[weights], should_stop
        )
    except RequantizeCancelled as exc:
        raise ConversionCancelled(str(exc)) from exc


def _build(
    source: Path, out: Path, weights: str, should_stop: ShouldStop, on_progress: OnProgress
) -> Mapping[str, Any]:
    """The model IR and config.json of `source` in `out`; its `tokenizer.*` fields."""
    import openvino

    model, described = build_openvino_model(source, weights != "f16", should_stop, on_progress)
    on_progress("save", 0.0)
    # compress_to_fp16=False: f32 scales, zero points and rotary frequencies stay f32.
    openvino.save_model(model, out / MODEL_XML, compress_to_fp16=False)
    del model
    write_config(out, described, {"weights": weights})
    return described.tokenizer_fields


def _write_tokenizer(vocabulary: Mapping[str, Any], source: Path, work: Path, out: Path) -> None:
    """The tokenizer IRs: built from the vocabulary for SentencePiece (MiniCPM4 / 4.1); for
    BPE (`gpt2`: Llama-architecture GGUFs such as the starter) OpenVINO GenAI's GGUF reader
    writes them, in the child process of the app's GGUF export (it crashes on some broken
    files), into the work folder, which goes away with the conversion."""
    if vocabulary.get("tokenizer.ggml.model") == OPENVINO_OWN_TOKENIZER:
        write_tokenizer_from_metadata(vocabulary, out)
        return
    exported = export_gguf(source, work / "export")
    for name in TOKENIZER_FILES:
        shutil.copy2(exported / name, out / name)


def _verified(
    source: Path,
    weights_source: Path,
    out: Path,
    weights: str,
    checkpoint: Callable[[str, float], None],
) -> Verification:
    """The verification against `source`; raises VerificationFailedError when it fails."""
    exact = run = None
    if weights_source != source:
        # Against the requantized file first: the conversion itself must be exact, so a
        # mistake cannot hide behind the requantization's own error. The converted model runs
        # once for both checks (llama.cpp's requantization keeps the vocabulary).
        texts = list(PROMPTS.values())
        run = run_openvino(out, texts, llama_cpp_tokens(weights_source, texts))
        exact = verify_conversion(weights_source, out, "keep", openvino_run=run)
        if not exact.passed:
            raise VerificationFailedError(exact)
        weights_source.unlink()
        checkpoint("verify", 0.5)
    verification = verify_conversion(source, out, weights, exact=exact, openvino_run=run)
    if not verification.passed:
        raise VerificationFailedError(verification)
    return verification


def _replace(new: Path, target: Path) -> None:
    """Rename `new` to `target`; an older conversion there is moved aside first (renames
    are atomic, so the name always holds one complete model or none)."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
        new.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(target)
