"""What loaded each model is remembered on disk, keyed by what the request asked for."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from app.core.models.remembered import RememberedLoads
from app.core.paths import data_dir
from app.core.settings import Settings
from engine.types import BackendName


def test_a_broken_memory_file_is_ignored(starter_path: Path) -> None:
    memory = RememberedLoads()
    assert memory.path == data_dir() / "load_memory.json"
    memory.path.parent.mkdir(parents=True, exist_ok=True)
    memory.path.write_text("{not json", encoding="utf-8")
    asked = Settings().load_request(starter_path)
    assert memory.get(asked) is None
    worked = replace(asked, backend=BackendName.LLAMA, n_ctx=2048)
    memory.remember(asked, worked)
    assert memory.get(asked) == worked
    assert [p.name for p in memory.path.parent.glob(".load_memory.json-*")] == []


def test_the_file_keeps_its_format_and_a_new_process_reads_it(starter_path: Path) -> None:
    """load_memory.json keeps the names and the order of the settings' values it always had."""
    settings = Settings(backend="openvino", device="GPU", context_length=4096)
    asked = settings.load_request(starter_path)
    RememberedLoads().remember(asked, replace(asked, device="CPU"))
    record = json.loads(RememberedLoads().path.read_text(encoding="utf-8"))
    entry = record[str(starter_path.resolve())]
    assert entry["asked"] == ["openvino", "GPU", 4096, 0]
    assert (entry["backend"], entry["device"], entry["n_ctx"]) == ("openvino", "CPU", 4096)
    again = RememberedLoads()
    assert again.get(asked) == replace(asked, device="CPU")
    # A changed setting is honoured rather than overridden; forgetting drops the record.
    assert again.get(replace(asked, n_ctx=2048)) is None
    again.forget(starter_path)
    assert again.get(asked) is None
