"""What loaded each model on this machine, so the next load starts with what worked."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from app.core.files import write_text_atomically
from app.core.paths import data_dir
from engine.types import BackendName, LoadRequest


class RememberedLoads:
    """What loaded a model on this machine, keyed by the model's path and what the request
    asked for (backend, device, context, GPU layers), so a changed setting is honoured instead
    of overridden. JSON, written atomically. The engine's planner reads it through its
    `engine.loading.LoadMemory` protocol."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "load_memory.json"

    def get(self, asked: LoadRequest) -> LoadRequest | None:
        model = asked.model
        record = self._read().get(_key(model))
        if not isinstance(record, dict) or record.get("asked") != _asked(asked):
            return None
        if record.get("size") != _size(model):
            return None  # the file was replaced: what worked may not any more
        try:
            return replace(
                asked,
                backend=BackendName(str(record["backend"])),
                device=str(record["device"]),
                n_ctx=int(record["n_ctx"]),
                n_gpu_layers=int(record.get("n_gpu_layers", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def remember(self, asked: LoadRequest, worked: LoadRequest) -> None:
        records = self._read()
        model = asked.model
        records[_key(model)] = {
            "backend": str(worked.backend),
            "device": worked.device,
            "n_ctx": worked.n_ctx,
            "n_gpu_layers": worked.n_gpu_layers,
            "asked": _asked(asked),
            "size": _size(model),
        }
        self._write(records)

    def forget(self, model: Path) -> None:
        records = self._read()
        if records.pop(_key(model), None) is not None:
            self._write(records)

    def _read(self) -> dict[str, object]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return raw if isinstance(raw, dict) else {}

    def _write(self, records: dict[str, object]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.path, json.dumps(records, indent=2, sort_keys=True))


def _key(model: Path) -> str:
    return str(Path(model).expanduser().resolve())


def _size(model: Path) -> int | None:
    path = Path(model)
    try:
        if path.is_dir():
            return sum(f.stat().st_size for f in path.iterdir() if f.is_file())
        return path.stat().st_size
    except OSError:
        return None


def _asked(request: LoadRequest) -> list[object]:
    """The same four values, in the same order, as the settings' backend, device,
    context_length and gpu_layers that older versions stored."""
    return [str(request.backend), request.device, request.n_ctx, request.n_gpu_layers]
