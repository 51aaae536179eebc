"""Turn a GGUF file into a cached OpenVINO IR folder, in a child process.

OpenVINO GenAI's GGUF reader crashes the whole process on some broken files, so it only ever
reads a GGUF in a child. The IR it writes loads faster too, so this doubles as a cache.

For `llama` GGUFs the reader's model is then replaced by the app's own graph
(engine.convert.graph): the reader rounds the float block minimum of Q4_1 / Q4_K to an integer
zero point and ignores rope_freqs, so its answers drift from llama.cpp's (FACTS); the rebuilt
model keeps every block exactly. The reader's tokenizer and detokenizer are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

from engine import errors
from engine.child import child_command as engine_child_command
from engine.child import child_env
from engine.errors import (
    CorruptModelError,
    EngineError,
    ModelLoadError,
    UnsupportedModelError,
    plain_reason,
)
from engine.gguf_file import read_gguf
from engine.openvino_support import openvino_builds_tokenizer, openvino_rebuilds

IR_FILES = (
    "openvino_model.xml",
    "openvino_model.bin",
    "openvino_tokenizer.xml",
    "openvino_tokenizer.bin",
    "openvino_detokenizer.xml",
    "openvino_detokenizer.bin",
)
TOKENIZER_FILES = IR_FILES[2:]
EXPORT_TIMEOUT_S = 1800
# Part of the cache key: IR folders written by an earlier way of exporting are rebuilt.
EXPORT_VERSION = "rebuilt-graph-2"  # 2: f16 scales for Q8_0 / Q4_0 matrices
# Starts the child's last stderr line when it failed on purpose: then JSON with the error's
# class name and its message, so the parent raises the same error with the same words.
FAILURE_MARK = "minicpm-export-failed: "


def cache_key(gguf: Path) -> str:
    stat = gguf.stat()
    identity = f"{gguf.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{EXPORT_VERSION}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def cached_ir(gguf: Path, cache_root: Path) -> Path:
    return cache_root / f"{gguf.stem}-{cache_key(gguf)}"


def is_complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in IR_FILES)


def export_gguf(gguf: Path, cache_root: Path) -> Path:
    """Returns the IR folder for `gguf`, exporting it first when it is not cached yet."""
    target = cached_ir(gguf, cache_root)
    if is_complete(target):
        return target
    work = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        _link(gguf, work / "model.gguf")
        _run_child(work)
        (work / "model.gguf").unlink()
        if not is_complete(work):
            raise ModelLoadError("OpenVINO did not write a complete model from this GGUF file.")
        shutil.rmtree(target, ignore_errors=True)
        work.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _link(source: Path, link: Path) -> None:
    try:
        link.symlink_to(source.resolve())
    except OSError:
        shutil.copy2(source, link)


def child_command(work: Path) -> list[str]:
    return engine_child_command("engine.convert.gguf_export", str(work))


def _run_child(work: Path) -> None:
    try:
        done = subprocess.run(
            child_command(work),
            capture_output=True,
            text=True,
            timeout=EXPORT_TIMEOUT_S,
            env=child_env(),
        )
    except subprocess.TimeoutExpired as exc:
        raise ModelLoadError("OpenVINO took too long to read this GGUF file.") from exc
    if done.returncode < 0:
        raise CorruptModelError(
            "OpenVINO crashed while reading this GGUF file (the file is probably damaged). "
            "Try the llama.cpp backend, or download the model again."
        )
    if done.returncode != 0:
        raise _child_error(done.stderr)


def _child_error(stderr: str) -> EngineError:
    """The child's failure in words: an engine error comes back as itself (its message is
    already written for people); anything else as the reason in the library's text, without
    the class path or source location a traceback puts in front of it."""
    report = _failure_report(stderr)
    if report is None:
        return UnsupportedModelError(f"OpenVINO cannot read this GGUF file: {plain_reason(stderr)}")
    name, message = report
    kind = getattr(errors, name, None)
    if isinstance(kind, type) and issubclass(kind, EngineError) and message:
        return kind(message)
    return UnsupportedModelError(f"OpenVINO cannot read this GGUF file: {plain_reason(message)}")


def _failure_report(stderr: str) -> tuple[str, str] | None:
    """(error class name, message) from the child's FAILURE_MARK line, if it wrote one."""
    marked = [line for line in stderr.splitlines() if line.startswith(FAILURE_MARK)]
    if not marked:
        return None
    try:
        report = json.loads(marked[-1].removeprefix(FAILURE_MARK))
        return str(report["error"]), str(report["message"]).strip()
    except (ValueError, KeyError, TypeError):
        return None


def _child(work: Path) -> int:
    try:
        return _child_main(work)
    except Exception as exc:
        traceback.print_exc()
        # The nearest engine.errors class, so the parent can raise the same kind of error.
        kinds = [c.__name__ for c in type(exc).__mro__ if c.__module__ == errors.__name__]
        report = {"error": kinds[0] if kinds else type(exc).__name__, "message": str(exc)}
        print(FAILURE_MARK + json.dumps(report), file=sys.stderr)
        return 1


def _child_main(work: Path) -> int:
    from engine.privacy import block_telemetry

    block_telemetry()
    gguf = work / "model.gguf"
    metadata = read_gguf(gguf).metadata
    architecture = str(metadata.get("general.architecture"))
    tokenizer = str(metadata.get("tokenizer.ggml.model"))
    if not openvino_builds_tokenizer(architecture, tokenizer):
        import openvino_genai

        from engine.precision import EXACT

        # Only the written IR is used; the compile is pinned anyway, so nothing here depends on
        # the CPU's default precision.
        pipeline = openvino_genai.LLMPipeline(
            str(gguf), "CPU", enable_save_ov_model=True, **EXACT.properties()
        )
        del pipeline
    if openvino_rebuilds(architecture):
        _rebuild(gguf, work, own_tokenizer=openvino_builds_tokenizer(architecture, tokenizer))
    return 0


def _rebuild(gguf: Path, folder: Path, own_tokenizer: bool) -> None:
    """The app's exact graph in place of GenAI's model (and, for SentencePiece vocabularies,
    which GenAI's reader cannot build, the converter's tokenizer). The GGUF is read once."""
    import openvino

    from engine.convert.gguf_to_openvino import build_from_source, read_source
    from engine.convert.tokenizer import write_tokenizer_from_metadata

    source, tensors = read_source(gguf)
    if own_tokenizer:
        write_tokenizer_from_metadata(source.tokenizer_fields, folder)
    model = build_from_source(source, tensors)
    # compress_to_fp16=False: f32 scales, zero points and rotary frequencies stay f32.
    openvino.save_model(model, folder / "openvino_model.xml", compress_to_fp16=False)


if __name__ == "__main__":
    raise SystemExit(_child(Path(sys.argv[1])))
