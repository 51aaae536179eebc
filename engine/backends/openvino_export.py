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
import os
import shutil
import subprocess
import sys
from pathlib import Path

from engine.child import child_env, last_line
from engine.errors import CorruptModelError, ModelLoadError, UnsupportedModelError
from engine.gguf_file import read_gguf
from engine.model_info import openvino_builds_tokenizer, openvino_rebuilds

IR_FILES = (
    "openvino_model.xml",
    "openvino_model.bin",
    "openvino_tokenizer.xml",
    "openvino_tokenizer.bin",
    "openvino_detokenizer.xml",
    "openvino_detokenizer.bin",
)
EXPORT_TIMEOUT_S = 1800
# Part of the cache key: IR folders written by an earlier way of exporting are rebuilt.
EXPORT_VERSION = "rebuilt-graph-1"


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
    return [sys.executable, "-m", "engine.backends.openvino_export", str(work)]


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
        detail = last_line(done.stderr)
        raise UnsupportedModelError(f"OpenVINO cannot read this GGUF file: {detail}")


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
    raise SystemExit(_child_main(Path(sys.argv[1])))
