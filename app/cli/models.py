"""`python main.py models ...`: what is installed and what can run it."""

from __future__ import annotations

import argparse
import json

from app.core import paths
from app.core.model_store import InstalledModel, ModelStore
from engine.backends.registry import backends_for
from resources import bundled_models_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="models_command", required=True)
    listing = sub.add_parser("list", help="installed and bundled models")
    listing.add_argument("--json", action="store_true")


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"


def _row(model: InstalledModel) -> dict[str, object]:
    info = model.info
    if info is None:
        return {"name": model.name, "path": str(model.path), "error": model.error}
    return {
        "name": model.name,
        "path": str(model.path),
        "bundled": model.bundled,
        "format": info.format,
        "backends": backends_for(info),
        "size": info.size_bytes,
        "architecture": info.architecture,
        "context_length": info.context_length,
        "quantization": info.quantization,
        "minicpm": info.is_minicpm,
    }


def list_models(as_json: bool) -> int:
    models = ModelStore(paths.models_dir(), bundled_models_dir()).list()
    rows = [_row(m) for m in models]
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No models installed.")
        return 0
    header = f"{'NAME':40} {'BACKENDS':16} {'SIZE':>9} {'ARCH':10} {'CONTEXT':>8}"
    print(header)
    for row in rows:
        if "error" in row:
            print(f"{row['name']:40} unusable: {row['error']}")
            continue
        backends = ",".join(str(b) for b in row["backends"])  # type: ignore[attr-defined]
        name = f"{row['name']}{' (bundled)' if row['bundled'] else ''}"
        print(
            f"{name:40} {backends:16} {_size(int(row['size'])):>9} "  # type: ignore[call-overload]
            f"{row['architecture'] or '?':10} {row['context_length'] or '?':>8}"
        )
    return 0


def main(args: argparse.Namespace) -> int:
    if args.models_command == "list":
        return list_models(args.json)
    return 2
