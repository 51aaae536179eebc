"""`ModelImporter` on a task runner: one import at a time, in order, outcomes as signals,
and a shared runner's other tasks left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.models import importing
from app.core.models.store import IMPORTED_DIR, ModelStore
from app.core.tasks import TaskState
from app.models.importer import ModelImporter
from app.tasks import TaskRunner
from tests.engine.gguf_factory import write_llama_gguf


def store_in(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "models", tmp_path / "bundled")


def test_imports_run_one_after_another_in_order(qtbot: QtBot, tmp_path: Path) -> None:
    first = write_llama_gguf(tmp_path / "first.gguf")
    second = write_llama_gguf(tmp_path / "second.gguf")
    importer = ModelImporter(store_in(tmp_path))
    started: list[str] = []
    imported: list[str] = []
    importer.import_started.connect(started.append)
    importer.model_imported.connect(lambda _source, target: imported.append(target))
    importer.import_model(first)
    importer.import_model(second)
    assert importer.busy and started == [str(first)]  # the second waits its turn
    qtbot.waitUntil(lambda: len(imported) == 2, timeout=10000)
    models = tmp_path / "models" / IMPORTED_DIR
    assert imported == [str(models / "first.gguf"), str(models / "second.gguf")]
    assert started == [str(first), str(second)]
    assert not importer.busy


def test_a_copy_failure_is_reported_in_words(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(_source: Path, _models_dir: Path, _state: TaskState) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(importing, "run", disk_full)
    importer = ModelImporter(store_in(tmp_path))
    with qtbot.waitSignal(importer.import_failed, timeout=5000) as failed:
        importer.import_model(tmp_path / "m.gguf")
    assert failed.args == [
        str(tmp_path / "m.gguf"),
        "Copying failed: [Errno 28] No space left on device",
    ]
    assert importer.wait(5000) and not importer.busy


def test_a_shared_runner_carries_only_its_own_outcomes(qtbot: QtBot, tmp_path: Path) -> None:
    runner = TaskRunner("shared")
    importer = ModelImporter(store_in(tmp_path), runner=runner)
    signals: list[object] = []
    importer.model_imported.connect(lambda *args: signals.append(args))
    importer.import_failed.connect(lambda *args: signals.append(args))
    with qtbot.waitSignal(runner.task_finished, timeout=5000):
        runner.start(lambda _state: Path("someone else's"))
    assert signals == [] and not importer.busy
