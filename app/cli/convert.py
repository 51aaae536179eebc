"""`python main.py convert NAME_OR_PATH`: a MiniCPM / llama GGUF -> a verified OpenVINO model.

Shows the estimated time, disk and memory first, converts into a hidden folder beside the
model store, checks the result against llama.cpp on the source (engine.convert.verify) and
registers it as `<models>/converted/<name>` only when that check passed. Ctrl+C or a kill
leaves no model registered; the next run removes what an interrupted one left.

A separate command rather than `models convert` because app/cli/models.py is shared by other
work in progress; it can move under `models` later without changing engine.convert.
"""

from __future__ import annotations

import argparse
import errno
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TextIO

import psutil

from app.core import paths
from app.core.models.store import CONVERTED_DIR, ModelStore
from engine.convert.gguf_to_openvino import WEIGHT_FORMATS, ConversionCancelled
from engine.convert.job import (
    Estimate,
    VerificationFailedError,
    convert_gguf,
    default_name,
    default_weights,
    estimate,
)
from engine.errors import EngineError
from engine.model_inspection import inspect_model
from engine.sizes import format_size
from resources import bundled_models_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="NAME_OR_PATH", help="an installed model or a .gguf")
    parser.add_argument(
        "--weights",
        choices=WEIGHT_FORMATS,
        help="keep: the file's own quantization, exactly (default for quantized files); "
        "int4 / int8: llama.cpp's Q4_0 / Q8_0 of it (int8: default for F16 files); "
        "f16: everything dequantized",
    )
    parser.add_argument(
        "-o", "--output", type=Path, help="folder to register into (default: models/converted)"
    )
    parser.add_argument("--name", help="name of the converted model (default: <source>-ov)")
    parser.add_argument("--yes", action="store_true", help="start without asking")
    parser.add_argument(
        "--force", action="store_true", help="start even if disk or memory look too small"
    )


def describe(cost: Estimate, weights: str) -> str:
    return (
        f"Converting {cost.parameters / 1e9:.2f} B parameters to OpenVINO ({weights}): about "
        f"{cost.seconds / 60:.0f} min, {format_size(cost.temporary_disk_bytes)} temporary "
        f"disk, {format_size(cost.final_disk_bytes)} for the result, "
        f"{format_size(cost.peak_memory_bytes)} memory."
    )


def shortfalls(cost: Estimate, root: Path) -> list[str]:
    problems = []
    free_disk = shutil.disk_usage(root).free
    if free_disk < cost.temporary_disk_bytes:
        problems.append(f"only {format_size(free_disk)} free disk")
    memory = psutil.virtual_memory().available
    if memory < cost.peak_memory_bytes:
        problems.append(f"only {format_size(memory)} memory available")
    return problems


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    # Turn SIGTERM into an exception so the conversion's cleanup runs.
    raise KeyboardInterrupt


def main(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    try:
        source = store.resolve(args.model)
    except EngineError as exc:
        print(exc, file=err)
        return 1
    if source.is_dir() or source.suffix.lower() != ".gguf":
        print(f"{source.name} is not a GGUF file; only GGUF models can be converted.", file=err)
        return 1
    root = args.output or paths.models_dir() / CONVERTED_DIR
    root.mkdir(parents=True, exist_ok=True)
    try:
        weights = args.weights or default_weights(inspect_model(source).quantization)
        cost = estimate(source, weights)
    except EngineError as exc:
        print(exc, file=err)
        return 1
    name = args.name or default_name(source, weights)
    print(describe(cost, weights), file=out)
    problems = shortfalls(cost, root)
    if problems and not args.force:
        print(f"Not started: {', '.join(problems)} (use --force to try anyway).", file=err)
        return 1
    if not args.yes and sys.stdin.isatty() and input("Start? [y/N] ").strip().lower() != "y":
        return 1
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        result = convert_gguf(source, root, name, weights, on_progress=_printer(out))
    except (KeyboardInterrupt, ConversionCancelled):
        print("\nCancelled; nothing was registered.", file=err)
        return 130
    except VerificationFailedError as exc:
        print(exc, file=err)
        return 2
    except EngineError as exc:
        print(f"Conversion failed: {exc}", file=err)
        return 1
    except OSError as exc:
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        reason = "the disk is full" if full else (exc.strerror or str(exc))
        print(f"Conversion failed: {reason}; nothing was registered.", file=err)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    check = result.verification
    print(
        f"\nRegistered {result.folder} in {result.seconds:.0f} s. Verification against llama.cpp: "
        f"top-1 agreement {check.top1_agreement:.1%} (needed {check.threshold:.0%}), "
        f"max |logit difference| {check.max_abs_logit_diff:.3f}, "
        f"mean {check.mean_abs_logit_diff:.4f}, tokenizer ids identical: "
        f"{'yes' if check.tokenizer_matches else 'no'}.",
        file=out,
    )
    return 0


def _printer(out: TextIO) -> Callable[[str, float], None]:
    last: list[str] = [""]

    def on_progress(stage: str, fraction: float) -> None:
        if stage != last[0]:
            print(f"  {stage}...", file=out, flush=True)
            last[0] = stage

    return on_progress
