"""The import job without Qt: what looks importable, validate then copy, cancel before it
starts, and how each failure is classified."""

from __future__ import annotations

from pathlib import Path

from app.core.models import importing
from app.core.models.store import IMPORTED_DIR, IR_MARKER, ModelStoreError
from app.core.tasks import TaskProgress, TaskState, run_task
from engine.errors import EngineError
from tests.engine.gguf_factory import write_llama_gguf

BROKEN = b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 40


def test_ggufs_and_ir_folders_look_importable(tmp_path: Path) -> None:
    gguf = write_llama_gguf(tmp_path / "m.GGUF")
    ir = tmp_path / "ir"
    ir.mkdir()
    (ir / IR_MARKER).write_text("<net/>")
    text = tmp_path / "notes.txt"
    text.write_text("hi")
    assert importing.is_importable(gguf)
    assert importing.is_importable(ir) and importing.is_importable(ir / IR_MARKER)
    assert not importing.is_importable(text)
    assert not importing.is_importable(tmp_path)  # a folder without a model
    assert not importing.is_importable(tmp_path / "missing.gguf")


def test_a_valid_gguf_is_copied_and_its_target_returned(tmp_path: Path) -> None:
    source = write_llama_gguf(tmp_path / "my-model.gguf")
    models = tmp_path / "models"
    seen: list[TaskProgress] = []
    outcome = run_task(lambda state: importing.run(source, models, state), TaskState(seen.append))
    assert outcome.ok and outcome.result == models / IMPORTED_DIR / "my-model.gguf"
    assert outcome.result.read_bytes() == source.read_bytes()
    assert seen == [TaskProgress(importing.IMPORTING)]


def test_a_broken_file_is_refused_before_anything_is_copied(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(BROKEN)
    models = tmp_path / "models"
    outcome = run_task(lambda state: importing.run(broken, models, state), TaskState())
    assert isinstance(outcome.error, EngineError)
    assert importing.failure_kind(outcome.error) == importing.REFUSED
    assert not (models / IMPORTED_DIR).exists() or not any((models / IMPORTED_DIR).iterdir())


def test_importing_twice_is_refused(tmp_path: Path) -> None:
    source = write_llama_gguf(tmp_path / "twice.gguf")
    models = tmp_path / "models"
    assert run_task(lambda state: importing.run(source, models, state), TaskState()).ok
    again = run_task(lambda state: importing.run(source, models, state), TaskState())
    assert isinstance(again.error, ModelStoreError)
    assert importing.failure_kind(again.error) == importing.REFUSED


def test_a_cancelled_import_copies_nothing(tmp_path: Path) -> None:
    source = write_llama_gguf(tmp_path / "late.gguf")
    state = TaskState()
    state.cancel()
    outcome = run_task(lambda s: importing.run(source, tmp_path / "models", s), state)
    assert outcome.cancelled and not (tmp_path / "models").exists()


def test_failure_kinds() -> None:
    assert importing.failure_kind(OSError("disk full")) == importing.COPY_FAILED
    assert importing.failure_kind(KeyError("bug")) == importing.UNEXPECTED
