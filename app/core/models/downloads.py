"""Resumable, verified model downloads from Hugging Face, a Hub mirror or ModelScope.

`Downloader` puts the pieces together for one job: the sources (`sources.py`) in failover
order (`failover.py`), the on-disk layout (`layout.py`), and each file's transfer, resume,
verification and rename (`transfer.py`, `part_record.py`, `progress.py`). The transfer is ours
for every source because `hf_hub_download` (2.4) writes each attempt to a fresh,
process-unique `.incomplete` file and so cannot resume after the app was killed.

- cancel: the `.part` (or staging folder) is deleted; pause: it is kept.
- offline (`offline=True` or `MINICPM_CHAT_OFFLINE=1`): `OfflineError` before any connection.
Errors carry codes with parameters (`errors.py`) besides their English message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.core.models.errors import (
    DiskFullError,
    DownloadCancelled,
    DownloadCode,
    DownloadError,
    NotFoundError,
    OfflineError,
)
from app.core.models.failover import Failover
from app.core.models.layout import meta_path, repo_folder, split_repo, staging_folder
from app.core.models.part_record import adopt
from app.core.models.progress import DownloadControl, Job, ProgressCallback
from app.core.models.sources import HuggingFaceSource, RemoteFile, Source
from app.core.models.store import part_path
from app.core.models.transfer import (
    Retries,
    check_disk,
    commit,
    disk_full_as_error,
    fetch,
    fsync_dir,
    remove,
    verify,
)

SKIPPED_FILES = frozenset({".gitattributes", ".gitignore"})
OFFLINE_ENV = "MINICPM_CHAT_OFFLINE"


def offline_from_env() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class Downloader:
    """Downloads one file or one IR repository into the models folder. One job at a time.

    `sources` are tried in order; without them the Hugging Face Hub (or the mirror at
    `endpoint`) is the only one. `repo_ids` on each call maps a source name to that source's
    spelling of the repo id; the first argument names the local folder and is the default id.
    """

    def __init__(
        self,
        models_dir: Path,
        *,
        sources: Sequence[Source] | None = None,
        endpoint: str | None = None,
        token: str | None = None,
        revision: str = "main",
        offline: bool | None = None,
        stall_timeout_s: float = 30.0,
        max_retries: int = 5,
        failover_retries: int = 1,
        backoff_s: float = 1.0,
    ) -> None:
        self.models_dir = models_dir
        self.sources: list[Source] = list(sources or [])
        if not self.sources:
            self.sources = [HuggingFaceSource(endpoint, token=token, revision=revision)]
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise ValueError(f"Download sources need distinct names, got {names}")
        self.offline = offline_from_env() if offline is None else offline
        self.stall_timeout_s = stall_timeout_s
        self.max_retries = max_retries
        self.failover_retries = failover_retries
        self.backoff_s = backoff_s

    # -- metadata ---------------------------------------------------------------------------

    def list_files(
        self, repo_id: str, *, repo_ids: Mapping[str, str] | None = None
    ) -> list[RemoteFile]:
        """Every file of the repo with its size and checksum, from the first source that answers."""
        self._check_online()
        split_repo(repo_id)
        return self._listing(Failover(self.sources, repo_id, repo_ids, None))

    def _listing(self, failover: Failover) -> list[RemoteFile]:
        while True:
            source = failover.current()
            try:
                return list(failover.listing(source).values())
            except (OfflineError, DiskFullError):
                raise
            except DownloadError as exc:
                failover.failed(source, exc)

    # -- public entry points ----------------------------------------------------------------

    def download_file(
        self,
        repo_id: str,
        filename: str,
        *,
        repo_ids: Mapping[str, str] | None = None,
        on_progress: ProgressCallback | None = None,
        control: DownloadControl | None = None,
    ) -> Path:
        """One file into `owner/name/<filename>`; returns its path once verified and renamed."""
        self._check_online()
        final = repo_folder(self.models_dir, repo_id)
        failover = Failover(self.sources, repo_id, repo_ids, on_progress)
        remote = self._one(failover, filename)
        target = final / remote.path
        if target.is_file() and target.stat().st_size == remote.size:
            return target  # already installed; nothing to do
        job = Job([remote], [target], on_progress, control or DownloadControl())
        failover.on_note = job.say
        check_disk(self.models_dir, job)
        part = part_path(target)
        self._fetch_verified(remote, target, job, failover, on_cancel=[part, meta_path(part)])
        return target

    def download_repo(
        self,
        repo_id: str,
        *,
        repo_ids: Mapping[str, str] | None = None,
        on_progress: ProgressCallback | None = None,
        control: DownloadControl | None = None,
    ) -> Path:
        """A whole repo (an OpenVINO IR folder) as one unit; registered only when all verify."""
        self._check_online()
        final = repo_folder(self.models_dir, repo_id)
        if final.exists():
            return final  # registered only once complete (renamed from staging)
        failover = Failover(self.sources, repo_id, repo_ids, on_progress)
        remotes = [r for r in self._listing(failover) if r.path not in SKIPPED_FILES]
        if not remotes:
            raise NotFoundError(
                f"The repository {repo_id} has no files.",
                DownloadCode.EMPTY_REPO,
                {"repo": repo_id},
            )
        staging = staging_folder(self.models_dir, repo_id)
        targets = [staging / r.path for r in remotes]
        job = Job(remotes, targets, on_progress, control or DownloadControl())
        failover.on_note = job.say
        check_disk(self.models_dir, job)
        for remote, target in zip(remotes, targets, strict=True):
            if target.is_file():
                continue  # verified in an earlier run (only verified files lose `.part`)
            self._fetch_verified(remote, target, job, failover, on_cancel=[staging])
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, final)
        fsync_dir(final.parent)
        return final

    def _one(self, failover: Failover, filename: str) -> RemoteFile:
        while True:
            remotes = self._listing(failover)
            for remote in remotes:
                if remote.path == filename:
                    return remote
            source = failover.current()
            repo = failover.repo_for(source)
            missing = NotFoundError(
                f"The repository {repo} has no file named {filename}.",
                DownloadCode.NO_SUCH_FILE,
                {"repo": repo, "file": filename},
            )
            failover.failed(source, missing)

    def _check_online(self) -> None:
        if self.offline:
            raise OfflineError(
                "Offline mode is on, so nothing is downloaded. Turn it off in Settings "
                f"(or unset {OFFLINE_ENV}) to download models.",
                DownloadCode.OFFLINE,
                {"variable": OFFLINE_ENV},
            )

    # -- one file, with failover ----------------------------------------------------------------

    def _fetch_verified(
        self,
        first: RemoteFile,
        target: Path,
        job: Job,
        failover: Failover,
        on_cancel: list[Path],
    ) -> None:
        with disk_full_as_error():
            self._fetch_verified_once(first, target, job, failover, on_cancel)

    def _fetch_verified_once(
        self,
        first: RemoteFile,
        target: Path,
        job: Job,
        failover: Failover,
        on_cancel: list[Path],
    ) -> None:
        part = part_path(target)
        part.parent.mkdir(parents=True, exist_ok=True)
        job.current = first.path
        while True:
            source = failover.current()
            try:
                remote = failover.listing(source).get(first.path)
                if remote is None:
                    repo = failover.repo_for(source)
                    raise NotFoundError(
                        f"{source.name} has no file {first.path} in {repo}.",
                        DownloadCode.SOURCE_LACKS_FILE,
                        {"source": source.name, "file": first.path, "repo": repo},
                    )
                adopt(remote, part, job)
                job.source = source.name
                url, headers = source.url_for(failover.repo_for(source), remote.path)
                fetch(remote, url, headers, part, job, self._retries(failover.is_last))
                verify(remote, part)
            except DownloadCancelled:
                if not job.control.paused:
                    for path in on_cancel:
                        remove(path)
                raise
            except (OfflineError, DiskFullError):
                raise
            except DownloadError as exc:
                failover.failed(source, exc)
                continue
            commit(part, target)
            meta_path(part).unlink(missing_ok=True)
            return

    def _retries(self, last: bool) -> Retries:
        """The last source gets every retry; the others hand over sooner."""
        allowed = self.max_retries if last else min(self.failover_retries, self.max_retries)
        return Retries(allowed, self.backoff_s, self.stall_timeout_s)
