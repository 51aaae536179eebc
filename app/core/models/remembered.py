"""What loaded each model on this machine, so the next load starts with what worked."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from app.core.files import write_text_atomically
from app.core.models.load_plan import Attempt
from app.core.paths import data_dir
from app.core.settings import Settings


class RememberedLoads:
    """What loaded a model on this machine, keyed by the model's path and the settings asked
    for, so a changed setting is honoured instead of overridden. JSON, written atomically."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "load_memory.json"

    def get(self, model: Path, settings: Settings) -> Attempt | None:
        record = self._read().get(_key(model))
        if not isinstance(record, dict) or record.get("asked") != _asked(settings):
            return None
        if record.get("size") != _size(model):
            return None  # the file was replaced: what worked may not any more
        try:
            return Attempt(
                backend=str(record["backend"]),
                device=str(record["device"]),
                n_ctx=int(record["n_ctx"]),
                n_gpu_layers=int(record.get("n_gpu_layers", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def remember(self, model: Path, settings: Settings, attempt: Attempt) -> None:
        records = self._read()
        record = asdict(attempt)
        del record["reason"]
        record.update(asked=_asked(settings), size=_size(model))
        records[_key(model)] = record
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


def _asked(settings: Settings) -> list[object]:
    return [settings.backend, settings.device, settings.context_length, settings.gpu_layers]
