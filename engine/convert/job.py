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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.convert.gguf_to_openvino import (
    MODEL_XML,
    WEIGHT_FORMATS,
    ConversionCancelled,
    compress_weights,
    export_ir,
    fold_to_llama_gguf,
    patch_rope,
    write_config,
)
from engine.convert.verify import Verification, verify_conversion
from engine.errors import EngineError
from engine.gguf_file import read_gguf

__all__ = ["ConversionResult", "Estimate", "VerificationFailedError", "convert_gguf", "estimate"]

ShouldStop = Callable[[], bool]
OnProgress = Callable[[str, float], None]
# Measured on the test models and scaled by parameter count (docs/conversion.md, "Memory"):
# the fold writes 2 bytes per parameter; the export child peaks at about 2x the F16 size
# (anonymous memory), the CPU-compiled f16 model in verification at about 4.2x.
F16_BYTES_PER_PARAM = 2
PEAK_MEMORY_PER_F16_BYTE = 4.2
BYTES_PER_PARAM = {"f16": 2.0, "int8": 1.05, "int4": 0.6}
SECONDS_PER_BILLION = {"f16": 120.0, "int8": 150.0, "int4": 300.0}


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


def estimate(source: Path, weights: str = "f16") -> Estimate:
    """Cost before starting, from the GGUF header alone."""
    gguf = read_gguf(source)
    params = sum(t.n_elements for t in gguf.tensors)
    f16 = params * F16_BYTES_PER_PARAM
    final = int(params * BYTES_PER_PARAM[weights])
    return Estimate(
        parameters=params,
        # folded F16 GGUF + exported F16 IR + the result
        temporary_disk_bytes=2 * f16 + final,
        final_disk_bytes=final,
        # Verification compiles the f16 IR on CPU (f32 weights plus working copies).
        peak_memory_bytes=int(PEAK_MEMORY_PER_F16_BYTE * f16) + (1 << 28),
        seconds=max(5.0, params / 1e9 * SECONDS_PER_BILLION[weights]),
    )


def work_folder(models_root: Path, name: str) -> Path:
    return models_root / f".{name}.converting-{os.getpid()}"


def remove_leftovers(models_root: Path, name: str) -> list[Path]:
    """Hidden folders of earlier, interrupted conversions of `name`."""
    removed = []
    for stale in models_root.glob(f".{name}.converting-*"):
        shutil.rmtree(stale, ignore_errors=True)
        removed.append(stale)
    return removed


def _never() -> bool:
    return False


def _quiet(_stage: str, _fraction: float) -> None:
    return None


def convert_gguf(
    source: Path,
    models_root: Path,
    name: str,
    weights: str = "f16",
    should_stop: ShouldStop = _never,
    on_progress: OnProgress = _quiet,
) -> ConversionResult:
    """Convert `source`, verify it and register it as `models_root/name`."""
    import openvino

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

        folded_gguf = work / "folded-llama-f16.gguf"
        folded = fold_to_llama_gguf(source, folded_gguf, should_stop, on_progress)
        checkpoint("export", 0.0)
        export_ir(folded_gguf, work / "export")
        folded_gguf.unlink()
        checkpoint("rope", 0.0)
        model = openvino.Core().read_model(work / "export" / MODEL_XML)
        patched = patch_rope(model, folded) if folded.rope_factors is not None else 0
        checkpoint("save", 0.0)
        # compress_to_fp16=False: the weights already are f16 and the patched rotary
        # frequencies must stay f32.
        openvino.save_model(model, out / MODEL_XML, compress_to_fp16=False)
        del model
        shutil.rmtree(work / "export")
        _write_tokenizer(folded.tokenizer_fields, out)
        write_config(out, folded, {"weights": weights, "rope_constants_patched": patched})
        # First the exact (f16) model: this catches fold, rotary and tokenizer mistakes, which
        # a lossy int4 model could otherwise hide behind its own quantization error.
        checkpoint("verify", 0.0)
        verification = verify_conversion(source, out, "f16")
        if not verification.passed:
            raise VerificationFailedError(verification)
        if weights != "f16":
            checkpoint("compress", 0.0)
            out = _compressed_copy(out, work / "compressed", weights)
            checkpoint("verify", 0.5)
            verification = verify_conversion(source, out, weights, exact=verification)
            if not verification.passed:
                raise VerificationFailedError(verification)
        checkpoint("register", 1.0)
        target = models_root / name
        _replace(out, target)
        return ConversionResult(target, verification, time.monotonic() - start)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _compressed_copy(exact: Path, target: Path, weights: str) -> Path:
    """NNCF-compressed model in `target`, with the exact folder's tokenizer and config."""
    import openvino

    target.mkdir()
    model = compress_weights(openvino.Core().read_model(exact / MODEL_XML), weights)
    openvino.save_model(model, target / MODEL_XML, compress_to_fp16=False)
    del model
    for item in exact.iterdir():
        if not item.name.startswith("openvino_model.") and item.name != "verification.json":
            shutil.copy2(item, target / item.name)
    shutil.rmtree(exact)
    return target


def _write_tokenizer(fields: object, out: Path) -> None:
    from engine.convert.tokenizer import GGUFVocab, write_openvino_tokenizer

    assert isinstance(fields, dict)
    write_openvino_tokenizer(GGUFVocab.from_metadata(fields), out)


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
