"""`DownloadManager`: the download queue, its worker thread and its file in the data dir.

qutebrowser's split: items (frozen `QueuedDownload` records, replaced on every change), this
manager (owns them, runs one download at a time in queue order, persists the queue) and a thin
Qt list model over it (`DownloadQueueListModel`). Progress from the worker is coalesced: the
latest figures per item are kept and shown at most every `REPAINT_INTERVAL_MS`.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from app.core import paths
from app.core.models.catalog import Catalog, Variant
from app.core.models.downloads import Downloader
from app.core.models.errors import DownloadCode, OfflineError, Sentence
from app.core.models.progress import DownloadControl, Progress
from app.core.models.pull import downloader_for, repo_ids_for
from app.core.models.queue import (
    DONE,
    DOWNLOADING,
    FAILED,
    PAUSED,
    QUEUED,
    VERIFYING,
    QueuedDownload,
    bytes_on_disk,
    load_queue,
    partial_files,
    save_queue,
)
from app.core.secrets import token_for_hub
from app.core.settings import Settings
from app.models.download_worker import DownloadJob, DownloadWorker
from engine.machine import Hardware

log = logging.getLogger(__name__)
REPAINT_INTERVAL_MS = 100  # at most 10 repaints a second, however fast progress arrives
OFFLINE_MESSAGE = (
    "Offline mode is on, so nothing is downloaded. Turn it off in Settings to download models."
)

DownloaderFactory = Callable[[Settings, QueuedDownload], Downloader]


class DownloadManager(QObject):
    """The catalog, this machine and the queue, for the downloads window and first-run card.

    Signals:
    item_added(str item_id)
    item_changed(str item_id)
    item_removed(str item_id)
    model_installed(str path)     # a download was verified and renamed: list it now
    offline_changed(bool offline)
    hardware_changed(Hardware)    # the accelerator probe finished: fit and advice may change
    """

    item_added = Signal(str)
    item_changed = Signal(str)
    item_removed = Signal(str)
    model_installed = Signal(str)
    offline_changed = Signal(bool)
    hardware_changed = Signal(object)
    _job_requested = Signal(object)

    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        hardware: Hardware,
        *,
        models_dir: Path | None = None,
        data_dir: Path | None = None,
        downloader_factory: DownloaderFactory | None = None,
        token_provider: Callable[[], str | None] = token_for_hub,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.hardware = hardware
        self._settings = settings
        self.models_dir = models_dir or paths.models_dir()
        self.data_dir = data_dir or paths.data_dir()
        self._token_provider = token_provider
        self._factory = downloader_factory or self._default_downloader
        self._items: list[QueuedDownload] = load_queue(self.data_dir, self.models_dir)
        self._active: str | None = None
        self._control: DownloadControl | None = None
        self._cancelling: set[str] = set()
        self._pending: dict[str, Progress] = {}
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(REPAINT_INTERVAL_MS)
        self._repaint.timeout.connect(self._on_repaint_timeout)

        self._thread = QThread(self)
        self._thread.setObjectName("download-worker")
        self._worker = DownloadWorker()
        self._worker.moveToThread(self._thread)
        # No deleteLater on thread end: the worker has no Qt parent, so its Python wrapper owns
        # it and frees it with the manager; a second, Qt-side delete would crash.
        self._job_requested.connect(self._worker.run)
        self._worker.progressed.connect(self._on_worker_progressed)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.stopped.connect(self._on_worker_stopped)
        self._worker.failed.connect(self._on_worker_failed)
        self._thread.start()

    # -- queries ---------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def offline(self) -> bool:
        return self._settings.offline

    @property
    def active_id(self) -> str | None:
        return self._active

    def items(self) -> list[QueuedDownload]:
        return list(self._items)

    def item(self, item_id: str) -> QueuedDownload | None:
        return next((i for i in self._items if i.id == item_id), None)

    def find(self, repo: str, file: str | None) -> QueuedDownload | None:
        return next((i for i in self._items if (i.repo, i.file) == (repo, file)), None)

    def recommended_variant(self) -> Variant | None:
        entry = next((e for e in self.catalog.entries if e.recommended), None)
        return entry.default_variant() if entry else None

    # -- requests --------------------------------------------------------------------------

    def enqueue(self, variant: Variant) -> str:
        """Adds a catalog file (or IR folder) to the queue; returns its item id. An item
        already queued for the same file is reused."""
        if self.offline:
            raise OfflineError(OFFLINE_MESSAGE, DownloadCode.OFFLINE, {"variable": ""})
        existing = self.find(variant.repo, variant.file.name)
        if existing is not None and existing.state != DONE:
            if existing.state in (PAUSED, FAILED):
                self.resume(existing.id)
            return existing.id
        if existing is not None:
            self._remove(existing.id)
        title = f"{variant.entry.display_name} · {variant.file.quantization}"
        item = QueuedDownload(
            id=uuid.uuid4().hex,
            title=title,
            repo=variant.repo,
            file=variant.file.name,
            size_bytes=variant.file.size_bytes,
            repo_ids=repo_ids_for(variant),
        )
        item = replace(item, done_bytes=bytes_on_disk(self.models_dir, item))
        self._items.append(item)
        self._save()
        self.item_added.emit(item.id)
        self._start_next()
        return item.id

    def pause(self, item_id: str) -> None:
        item = self.item(item_id)
        if item is None or item.state not in (QUEUED, DOWNLOADING, VERIFYING):
            return
        if item_id == self._active and self._control is not None:
            self._control.pause()  # the worker answers with stopped(kept_partial=True)
            self._pending.pop(item_id, None)
        self._update(item_id, state=PAUSED, speed_bps=0.0, eta_s=None)

    def resume(self, item_id: str) -> None:
        item = self.item(item_id)
        if item is None or item.state not in (PAUSED, FAILED):
            return
        self._update(item_id, state=QUEUED, error="", error_sentence=None, note=None)
        self._start_next()

    def retry(self, item_id: str) -> None:
        self.resume(item_id)

    def cancel(self, item_id: str) -> None:
        """Stops the item and deletes its partial files (the caller has asked the user)."""
        item = self.item(item_id)
        if item is None or item.state == DONE:
            return
        if item_id == self._active and self._control is not None:
            self._cancelling.add(item_id)
            self._control.cancel()  # the worker deletes the `.part`, then answers stopped()
            return
        for path in partial_files(self.models_dir, item):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        self._remove(item_id)

    def clear_finished(self) -> None:
        for item in [i for i in self._items if i.state == DONE]:
            self._remove(item.id)

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        was_offline = self.offline
        self._settings = settings
        if settings.offline != was_offline:
            if settings.offline and self._active is not None:
                self.pause(self._active)  # offline means nothing connects, from now on
            self.offline_changed.emit(settings.offline)

    @Slot(object)
    def set_hardware(self, hardware: Hardware) -> None:
        """What this machine has, now with its accelerators (probed off the GUI thread)."""
        if hardware == self.hardware:
            return
        self.hardware = hardware
        self.hardware_changed.emit(hardware)

    def shutdown(self) -> None:
        """Pauses the download in flight (its `.part` stays for next time) and ends the thread."""
        if self._control is not None:
            self._control.pause()
        self._flush()
        self._items = [
            replace(i, state=PAUSED) if i.state in (QUEUED, DOWNLOADING, VERIFYING) else i
            for i in self._items
        ]
        self._save()
        self._thread.quit()
        self._thread.wait()

    # -- the worker ------------------------------------------------------------------------

    def _default_downloader(self, settings: Settings, item: QueuedDownload) -> Downloader:
        return downloader_for(
            settings, self.models_dir, repo_ids=item.repo_ids, token=self._token_provider()
        )

    def _start_next(self) -> None:
        if self._active is not None:
            return
        item = next((i for i in self._items if i.state == QUEUED), None)
        if item is None:
            return
        self._active = item.id
        self._control = DownloadControl()
        settings, factory = self._settings, self._factory
        job = DownloadJob(
            item_id=item.id,
            repo=item.repo,
            file=item.file,
            repo_ids=tuple(item.repo_ids.items()),
            control=self._control,
            make_downloader=lambda: factory(settings, item),
        )
        self._update(item.id, state=DOWNLOADING, error="", error_sentence=None, note=None)
        self._job_requested.emit(job)

    @Slot(str, object)
    def _on_worker_progressed(self, item_id: str, progress: Progress) -> None:
        if item_id != self._active:
            return
        if progress.note:
            self._update(item_id, note=progress.note, save=False)
        if progress.total_bytes:
            self._pending[item_id] = progress
            if not self._repaint.isActive():
                self._repaint.start()

    @Slot()
    def _on_repaint_timeout(self) -> None:
        self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        for item_id, p in pending.items():
            item = self.item(item_id)
            if item is None or item.state not in (DOWNLOADING, VERIFYING):
                continue  # paused or cancelled since: figures from before do not apply
            state = VERIFYING if p.done_bytes >= p.total_bytes else DOWNLOADING
            self._update(
                item_id,
                save=False,
                state=state,
                done_bytes=p.done_bytes,
                size_bytes=p.total_bytes,
                speed_bps=p.speed_bps,
                eta_s=p.eta_s,
                source=p.source,
            )

    @Slot(str, str)
    def _on_worker_finished(self, item_id: str, path: str) -> None:
        self._pending.pop(item_id, None)
        self._job_done()
        self._cancelling.discard(item_id)
        item = self.item(item_id)
        if item is not None:
            size = _size_on_disk(Path(path)) or item.size_bytes  # the catalog's is rounded
            self._update(
                item_id,
                state=DONE,
                path=path,
                size_bytes=size,
                done_bytes=size,
                speed_bps=0.0,
                eta_s=None,
                error="",
                error_sentence=None,
            )
        self.model_installed.emit(path)
        self._start_next()

    @Slot(str, bool)
    def _on_worker_stopped(self, item_id: str, kept_partial: bool) -> None:
        self._pending.pop(item_id, None)
        self._job_done()
        item = self.item(item_id)
        if item_id in self._cancelling or not kept_partial:
            self._cancelling.discard(item_id)
            if item is not None:
                self._remove(item_id)
        elif item is not None:
            # Resumed again before the worker stopped: it stays queued and starts below.
            state = QUEUED if item.state == QUEUED else PAUSED
            done = bytes_on_disk(self.models_dir, item)
            self._update(item_id, state=state, done_bytes=done, speed_bps=0.0, eta_s=None)
        self._start_next()

    @Slot(str, object)
    def _on_worker_failed(self, item_id: str, why: Sentence) -> None:
        self._pending.pop(item_id, None)
        self._job_done()
        self._cancelling.discard(item_id)
        item = self.item(item_id)
        if item is not None:
            done = bytes_on_disk(self.models_dir, item)
            self._update(
                item_id,
                state=FAILED,
                error=why.english,  # the CLI's words, and what a saved queue shows without codes
                error_sentence=why,
                done_bytes=done,
                speed_bps=0.0,
                eta_s=None,
            )
        self._start_next()

    # -- helpers ---------------------------------------------------------------------------

    def _job_done(self) -> None:
        self._active = None
        self._control = None

    def _update(self, item_id: str, *, save: bool = True, **changes: object) -> None:
        for row, item in enumerate(self._items):
            if item.id == item_id:
                self._items[row] = replace(item, **changes)  # type: ignore[arg-type]
                break
        else:
            return
        if save and "state" in changes:
            self._save()
        self.item_changed.emit(item_id)

    def _remove(self, item_id: str) -> None:
        self._items = [i for i in self._items if i.id != item_id]
        self._save()
        self.item_removed.emit(item_id)

    def _save(self) -> None:
        try:
            save_queue(self.data_dir, self._items)
        except OSError as exc:  # the queue still works for this run
            log.warning("could not save the download queue: %s", exc)


def _size_on_disk(path: Path) -> int:
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return path.stat().st_size
    except OSError:
        return 0
