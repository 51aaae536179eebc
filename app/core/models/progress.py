"""What a running download reports (`Progress`) and obeys (`DownloadControl`), and the
byte counts of one job (`Job`), which may span several files and several runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from app.core.models.errors import DownloadCancelled, Sentence
from app.core.models.layout import file_size
from app.core.models.sources import RemoteFile
from app.core.models.store import part_path

PROGRESS_INTERVAL_S = 0.1


@dataclass(frozen=True)
class Progress:
    file: str
    done_bytes: int  # across all files of the job, including bytes from earlier runs
    total_bytes: int
    speed_bps: float  # this session's recent rate
    eta_s: float | None
    source: str = ""  # the name of the source in use, e.g. "hf", "mirror", "modelscope"
    note: Sentence | None = None  # a one-off event worth telling: a failover, a file restarted


ProgressCallback = Callable[[Progress], None]


class DownloadControl:
    """Thread-safe pause / cancel, checked by the downloader between chunks."""

    def __init__(self) -> None:
        self._pause = threading.Event()
        self._cancel = threading.Event()
        self._wake = threading.Event()

    def pause(self) -> None:
        self._pause.set()
        self._wake.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._wake.set()

    @property
    def paused(self) -> bool:
        return self._pause.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def sleep(self, seconds: float) -> None:
        """A backoff that ends early on pause or cancel."""
        self._wake.wait(seconds)


class Job:
    """Byte counts, speed and pause/cancel checks for one download (one or more files)."""

    def __init__(
        self,
        remotes: list[RemoteFile],
        targets: list[Path],
        on_progress: ProgressCallback | None,
        control: DownloadControl,
    ) -> None:
        self.control = control
        self.on_progress = on_progress
        self.sizes = {r.path: r.size for r in remotes}
        self.total = sum(self.sizes.values())
        self.done = sum(_already(r, t) for r, t in zip(remotes, targets, strict=True))
        self.current = remotes[0].path
        self.source = remotes[0].source
        self._started = time.monotonic()
        self._session_bytes = 0
        self._last_report = 0.0

    def check(self) -> None:
        if self.control.cancelled:
            raise DownloadCancelled("Download cancelled.", kept_partial=False)
        if self.control.paused:
            raise DownloadCancelled("Download paused; run it again to resume.", kept_partial=True)

    def resize(self, remote: RemoteFile) -> None:
        """Another source may list a different size for the same path (a different file)."""
        old = self.sizes.get(remote.path, 0)
        self.sizes[remote.path] = remote.size
        self.total += remote.size - old

    def rewind(self, n: int) -> None:
        self.done = max(self.done - n, 0)

    def say(self, note: Sentence) -> None:
        if self.on_progress:
            self.on_progress(replace(self._progress(time.monotonic()), note=note))

    def advance(self, n: int) -> None:
        self.done += n
        self._session_bytes += n
        now = time.monotonic()
        if self.on_progress and (
            now - self._last_report >= PROGRESS_INTERVAL_S or self.done >= self.total
        ):
            self._last_report = now
            self.on_progress(self._progress(now))

    def _progress(self, now: float) -> Progress:
        elapsed = max(now - self._started, 1e-6)
        speed = self._session_bytes / elapsed
        left = self.total - self.done
        eta = left / speed if speed > 0 else None
        return Progress(self.current, self.done, self.total, speed, eta, source=self.source)


def _already(remote: RemoteFile, target: Path) -> int:
    if target.is_file():
        return remote.size
    return min(file_size(part_path(target)), remote.size)
