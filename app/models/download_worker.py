"""`DownloadWorker`: runs one download at a time on its own QThread.

Pause and cancel never travel as queued signals (a busy worker would not see them until the
download ended): the manager calls the job's `DownloadControl`, which is thread-safe, and the
downloader checks it between chunks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from app.core.models.downloads import Downloader
from app.core.models.errors import DownloadCancelled, DownloadCode, DownloadError, Sentence
from app.core.models.progress import DownloadControl, Progress
from app.core.models.store import ModelStoreError, check_download


@dataclass(frozen=True)
class DownloadJob:
    item_id: str
    repo: str
    file: str | None  # None: a whole OpenVINO IR repository
    repo_ids: tuple[tuple[str, str], ...]
    control: DownloadControl
    # Built on the worker thread: making one may read the keyring (the token).
    make_downloader: Callable[[], Downloader]


class DownloadWorker(QObject):
    """Signals:
    progressed(str item_id, Progress)
    finished(str item_id, str path)       # verified, renamed into the models folder, usable
    stopped(str item_id, bool kept_partial)  # paused (True) or cancelled (False)
    failed(str item_id, Sentence why)     # a code and params; its English is the CLI's
    """

    progressed = Signal(str, object)
    finished = Signal(str, str)
    stopped = Signal(str, bool)
    failed = Signal(str, object)

    @Slot(object)
    def run(self, job: DownloadJob) -> None:
        def report(progress: Progress) -> None:
            self.progressed.emit(job.item_id, progress)

        repo_ids = dict(job.repo_ids)
        try:
            downloader = job.make_downloader()
            if job.file is None:
                path = downloader.download_repo(
                    job.repo, repo_ids=repo_ids, on_progress=report, control=job.control
                )
            else:
                path = downloader.download_file(
                    job.repo, job.file, repo_ids=repo_ids, on_progress=report, control=job.control
                )
            # As `models pull` does: a download that is no usable model is deleted, not listed.
            check_download(path, downloader.models_dir)
        except DownloadCancelled as exc:
            self.stopped.emit(job.item_id, exc.kept_partial)
        except DownloadError as exc:
            self.failed.emit(job.item_id, exc.sentence)
        except ModelStoreError as exc:  # no code of its own yet: its English is shown
            self.failed.emit(job.item_id, Sentence(DownloadCode.OTHER, {}, str(exc)))
        except OSError as exc:  # the OS words its reason in its own language
            why = f"{exc.strerror or exc} ({exc.filename or ''})"
            self.failed.emit(job.item_id, Sentence(DownloadCode.OTHER, {}, why))
        except Exception as exc:  # a bug must not kill the worker thread silently
            params = {"error": repr(exc)}
            why = f"Unexpected error: {exc!r}"
            self.failed.emit(job.item_id, Sentence(DownloadCode.UNEXPECTED, params, why))
        else:
            self.finished.emit(job.item_id, str(path))
