"""Importing a model the person picked or dropped: the background job, without Qt.

`run` validates the file or folder (`inspect_model` and the chat-template check), copies it
into `models/imported/` under a temporary name and renames it into place, so it is listed only
once complete (`app.core.models.store.import_model`). `app.models.importer` runs it on a
`TaskRunner` and turns a failure's kind into words.
"""

from __future__ import annotations

from pathlib import Path

from app.core.models.store import IR_MARKER, ModelStoreError, import_model
from app.core.tasks import TaskState
from engine.errors import EngineError

# The stage `run` reports while it works (one: the copy cannot report its progress).
IMPORTING = "importing"

# Why an import failed, for the view to put into words.
REFUSED = "refused"  # not a usable model, or already imported: the error says why
COPY_FAILED = "copy"  # an OSError while copying (disk full, permissions)
UNEXPECTED = "unexpected"  # a bug


def is_importable(path: Path) -> bool:
    """Whether `path` looks like a model to import: a .gguf file or an OpenVINO IR folder (or
    its XML file). Only a cheap check; `run` validates it before anything is copied."""
    if path.is_file():
        return path.suffix.lower() == ".gguf" or path.name == IR_MARKER
    return path.is_dir() and (path / IR_MARKER).is_file()


def run(source: Path, models_dir: Path, state: TaskState) -> Path:
    """Validates and copies `source` into `models_dir`; returns where it was put.

    Cancelling stops it only before it starts: a copy half done is removed by the store anyway,
    and one that finished is a registered model the caller should list.
    """
    state.check()
    state.report(IMPORTING)
    target, _info = import_model(Path(source), models_dir)
    return target


def failure_kind(error: Exception) -> str:
    """REFUSED, COPY_FAILED or UNEXPECTED: what `run`'s error means to the person."""
    if isinstance(error, (EngineError, ModelStoreError)):
        return REFUSED
    if isinstance(error, OSError):
        return COPY_FAILED
    return UNEXPECTED
