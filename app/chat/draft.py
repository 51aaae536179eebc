"""`DraftAttachments`: the documents attached to the message being written.

Each file is read on the task runner (a PDF may take seconds; the GUI never waits) and then
counted with the loaded model's tokenizer on the engine worker. A file that cannot be read is
not attached: `attachment_failed` says why, in the person's language.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from app.core.attachments import AttachmentCode, AttachmentError, read_attachment
from app.core.chat_records import Attachment
from app.core.tasks import TaskOutcome, TaskState
from app.engine_bridge.client import EngineClient
from app.tasks import TaskRunner
from app.words.attachments import attachment_error_text
from engine.errors import Problem
from engine.types import LoadedModel

Reader = Callable[[Path], Attachment]


@dataclass(frozen=True)
class DraftItem:
    """One chip of the composer. `attachment` is None while the file is being read; `tokens`
    is None until the loaded model has counted them."""

    key: int
    name: str
    path: Path | None
    size_bytes: int
    attachment: Attachment | None = None
    tokens: int | None = None

    @property
    def reading(self) -> bool:
        return self.attachment is None


def _read(reader: Reader, path: Path, state: TaskState) -> Attachment:
    """The task: runs on the task runner's thread."""
    state.check()
    return reader(path)


class DraftAttachments(QObject):
    """The attachments of the draft, in the order they were added. Signals:
    changed()                    # a chip was added, read, counted or removed
    attachment_failed(str)       # a file could not be attached: why, as one sentence
    """

    changed = Signal()
    attachment_failed = Signal(str)

    def __init__(
        self,
        tasks: TaskRunner,
        client: EngineClient,
        parent: QObject | None = None,
        *,
        reader: Reader = read_attachment,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._client = client
        self._reader = reader
        self._keys = itertools.count(1)
        self._items: dict[int, DraftItem] = {}
        self._reading: dict[int, int] = {}  # task id -> key
        self._counting: dict[int, int] = {}  # count request id -> key
        tasks.task_finished.connect(self._on_tasks_task_finished)
        client.tokens_counted.connect(self._on_client_tokens_counted)
        client.measure_failed.connect(self._on_client_measure_failed)
        client.model_loaded.connect(self._on_client_model_loaded)

    # -- what the composer reads -----------------------------------------------------------

    def items(self) -> list[DraftItem]:
        return list(self._items.values())

    @property
    def reading(self) -> bool:
        """A file is still being read: the message cannot go yet."""
        return any(item.reading for item in self._items.values())

    def attachments(self) -> tuple[Attachment, ...]:
        """The attachments read so far, in order."""
        return tuple(i.attachment for i in self._items.values() if i.attachment is not None)

    def __len__(self) -> int:
        return len(self._items)

    # -- requests --------------------------------------------------------------------------

    def add_files(self, paths: Iterable[Path]) -> None:
        """Start reading each file; one already attached is not added again."""
        present = {item.path for item in self._items.values()}
        added = False
        for path in paths:
            if path in present:
                continue
            present.add(path)
            key = next(self._keys)
            self._items[key] = DraftItem(key, path.name, path, _size(path))
            task_id = self._tasks.start(partial(_read, self._reader, path))
            self._reading[task_id] = key
            added = True
        if added:
            self.changed.emit()

    def set_attachments(self, attachments: Sequence[Attachment]) -> None:
        """Show these (already read) attachments instead (a message taken back to edit)."""
        self.clear()
        for attachment in attachments:
            key = next(self._keys)
            self._items[key] = DraftItem(
                key, attachment.name, None, attachment.size_bytes, attachment
            )
            self._count(key, attachment)
        self.changed.emit()

    def remove(self, key: int) -> None:
        if self._items.pop(key, None) is None:
            return
        for task_id, owner in list(self._reading.items()):
            if owner == key:
                self._tasks.cancel(task_id)  # its outcome is dropped when it comes
        self.changed.emit()

    def clear(self) -> None:
        if not self._items:
            return
        for task_id in self._reading:
            self._tasks.cancel(task_id)
        self._items.clear()
        for request_id in self._counting:
            self._client.drop(request_id)
        self._counting.clear()
        self.changed.emit()

    # -- signals ---------------------------------------------------------------------------

    @Slot(int, object)
    def _on_tasks_task_finished(self, task_id: int, outcome: TaskOutcome[Attachment]) -> None:
        key = self._reading.pop(task_id, None)
        if key is None:
            return
        item = self._items.get(key)
        if item is None or outcome.cancelled:
            return  # removed while it was read
        if outcome.ok and outcome.result is not None:
            attachment = outcome.result
            self._items[key] = replace(
                item, attachment=attachment, size_bytes=attachment.size_bytes
            )
            self._count(key, attachment)
            self.changed.emit()
            return
        del self._items[key]
        self.changed.emit()
        self.attachment_failed.emit(_failure_text(item.name, outcome.error))

    @Slot(int, int)
    def _on_client_tokens_counted(self, request_id: int, tokens: int) -> None:
        key = self._counting.pop(request_id, None)
        item = self._items.get(key) if key is not None else None
        if item is not None:
            self._items[item.key] = replace(item, tokens=tokens)
            self.changed.emit()

    @Slot(int, object)
    def _on_client_measure_failed(self, request_id: int, _problem: Problem) -> None:
        # No model to count with: the chip shows its size only, and is counted when one loads.
        self._counting.pop(request_id, None)

    @Slot(int, object)
    def _on_client_model_loaded(self, _request_id: int, _loaded: LoadedModel) -> None:
        """Another model counts differently: count again."""
        for request_id in self._counting:
            self._client.drop(request_id)
        self._counting.clear()
        for item in list(self._items.values()):
            if item.attachment is not None:
                self._items[item.key] = replace(item, tokens=None)
                self._count(item.key, item.attachment)
        if self._items:
            self.changed.emit()

    def _count(self, key: int, attachment: Attachment) -> None:
        self._counting[self._client.count_tokens(attachment.text)] = key


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the reader says what is wrong with it


def _failure_text(name: str, error: Exception | None) -> str:
    if isinstance(error, AttachmentError):
        return attachment_error_text(error)
    # The reader raises only AttachmentError; anything else is a bug, still said in words.
    return attachment_error_text(AttachmentError(AttachmentCode.DAMAGED, name, str(error)))
