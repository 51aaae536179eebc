"""Resumable, verified model downloads from the Hugging Face Hub or a mirror of it.

huggingface_hub provides the metadata (file list, sizes, LFS SHA-256) and the URLs; the transfer
is ours because `hf_hub_download` (2.4) writes each attempt to a fresh, process-unique
`.incomplete` file and so cannot resume after the app was killed.

On disk, for repo `owner/name` under the models folder:
- one file:  `owner/name/<file>`, written as `owner/name/.<file>.part` until verified;
- an OpenVINO IR repo (several files, one model): staged in `.staging/owner--name/` and renamed
  to `owner/name/` only when every file is verified.
Names starting with "." are never listed as models, so a partial download is never offered.

Every transfer resumes with `Range: bytes=N-` from whatever the `.part` holds, so a pause, a
dropped connection, Ctrl+C or a killed process all continue where they stopped. A file is
checked against the Hub's SHA-256 (LFS) or git blob id (small files), fsynced, then renamed.

Failure policy, per case:
- cancel: the `.part` (or staging folder) is deleted; pause: it is kept.
- dropped / stalled connection, HTTP 5xx or 429: retried with backoff, keeping the `.part`.
- disk full while writing: `DiskFullError`, the `.part` is kept so it resumes once space is freed.
- hash mismatch: the `.part` is deleted (its bytes are wrong) and `HashMismatchError` raised.
- 401 / 403 / 404: raised at once with a message a person can act on.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx2
from huggingface_hub import HfApi, hf_hub_url
from huggingface_hub.errors import HfHubHTTPError

STAGING_DIR = ".staging"
IR_MARKER = "openvino_model.xml"
SKIPPED_FILES = frozenset({".gitattributes"})
CHUNK_BYTES = 1024 * 1024
# Keep this much free after the download: a full disk breaks SQLite and settings writes too.
DISK_RESERVE_BYTES = 64 * 1024**2
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
PROGRESS_INTERVAL_S = 0.1


class DownloadError(Exception):
    """Any download failure; the message is meant for the user."""


class AuthRequiredError(DownloadError):
    pass


class NotFoundError(DownloadError):
    pass


class HashMismatchError(DownloadError):
    pass


class DiskFullError(DownloadError):
    pass


class DownloadCancelled(DownloadError):
    """Stopped on request. `kept_partial` tells whether a later run can resume."""

    def __init__(self, message: str, kept_partial: bool) -> None:
        super().__init__(message)
        self.kept_partial = kept_partial


class _Retryable(Exception):
    """A transient failure: try again from what the `.part` holds."""


@dataclass(frozen=True)
class RemoteFile:
    path: str  # relative to the repo root
    size: int
    sha256: str | None  # LFS files
    git_sha1: str | None  # small files kept in git: the blob id is a SHA-1 of the content
    url: str


@dataclass(frozen=True)
class Progress:
    file: str
    done_bytes: int  # across all files of the job, including bytes from earlier runs
    total_bytes: int
    speed_bps: float  # this session's recent rate
    eta_s: float | None


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


def repo_folder(models_dir: Path, repo_id: str) -> Path:
    owner, name = _split_repo(repo_id)
    return models_dir / owner / name


def part_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.part")


class Downloader:
    """Downloads one file or one IR repository into the models folder. One job at a time."""

    def __init__(
        self,
        models_dir: Path,
        *,
        endpoint: str | None = None,
        token: str | None = None,
        revision: str = "main",
        stall_timeout_s: float = 30.0,
        max_retries: int = 5,
        backoff_s: float = 1.0,
    ) -> None:
        self.models_dir = models_dir
        self.endpoint = endpoint.rstrip("/") if endpoint else None
        self.token = token
        self.revision = revision
        self.stall_timeout_s = stall_timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s

    # -- metadata ---------------------------------------------------------------------------

    def list_files(self, repo_id: str) -> list[RemoteFile]:
        """Every file of the repo with its size and checksum (one API call)."""
        _split_repo(repo_id)
        # token=False: never fall back to a token huggingface_hub finds on disk or in env.
        api = HfApi(endpoint=self.endpoint, token=self.token or False)
        try:
            info = api.model_info(repo_id, revision=self.revision, files_metadata=True)
        except HfHubHTTPError as exc:
            raise self._http_error(exc.response.status_code, repo_id, None, exc) from exc
        except httpx2.TransportError as exc:
            raise DownloadError(f"Cannot reach {self._host()}: {exc}") from exc
        return [self._remote(repo_id, s) for s in info.siblings or [] if s.rfilename]

    def _remote(self, repo_id: str, sibling: Any) -> RemoteFile:
        _check_relative(sibling.rfilename)
        lfs = sibling.lfs
        url = hf_hub_url(repo_id, sibling.rfilename, revision=self.revision, endpoint=self.endpoint)
        return RemoteFile(
            path=sibling.rfilename,
            size=int(lfs.size if lfs else sibling.size or 0),
            sha256=lfs.sha256 if lfs else None,
            git_sha1=None if lfs else sibling.blob_id,
            url=url,
        )

    # -- public entry points ----------------------------------------------------------------

    def download_file(
        self,
        repo_id: str,
        filename: str,
        *,
        on_progress: ProgressCallback | None = None,
        control: DownloadControl | None = None,
    ) -> Path:
        """One file into `owner/name/<filename>`; returns its path once verified and renamed."""
        remote = self._one(repo_id, filename)
        target = repo_folder(self.models_dir, repo_id) / remote.path
        if target.is_file() and target.stat().st_size == remote.size:
            return target  # already installed; nothing to do
        job = _Job([remote], [target], on_progress, control or DownloadControl())
        self._check_disk(job)
        self._fetch_verified(remote, target, job, on_cancel=[part_path(target)])
        return target

    def download_repo(
        self,
        repo_id: str,
        *,
        on_progress: ProgressCallback | None = None,
        control: DownloadControl | None = None,
    ) -> Path:
        """A whole repo (an OpenVINO IR folder) as one unit; registered only when all verify."""
        remotes = [r for r in self.list_files(repo_id) if r.path not in SKIPPED_FILES]
        if not remotes:
            raise NotFoundError(f"The repository {repo_id} has no files.")
        final = repo_folder(self.models_dir, repo_id)
        if final.exists():
            return final
        staging = self.models_dir / STAGING_DIR / repo_id.replace("/", "--")
        targets = [staging / r.path for r in remotes]
        job = _Job(remotes, targets, on_progress, control or DownloadControl())
        self._check_disk(job)
        for remote, target in zip(remotes, targets, strict=True):
            if target.is_file():
                continue  # verified in an earlier run (only verified files lose `.part`)
            self._fetch_verified(remote, target, job, on_cancel=[staging])
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, final)
        _fsync_dir(final.parent)
        return final

    def _one(self, repo_id: str, filename: str) -> RemoteFile:
        for remote in self.list_files(repo_id):
            if remote.path == filename:
                return remote
        raise NotFoundError(f"The repository {repo_id} has no file named {filename}.")

    # -- one file -----------------------------------------------------------------------------

    def _fetch_verified(
        self, remote: RemoteFile, target: Path, job: _Job, on_cancel: list[Path]
    ) -> None:
        part = part_path(target)
        part.parent.mkdir(parents=True, exist_ok=True)
        job.current = remote.path
        try:
            self._fetch(remote, part, job)
        except DownloadCancelled:
            if not job.control.paused:
                for path in on_cancel:
                    _remove(path)
            raise
        _verify(remote, part)
        _commit(part, target)

    def _fetch(self, remote: RemoteFile, part: Path, job: _Job) -> None:
        """Bring `part` to the full size, resuming and retrying transient failures."""
        failures = 0
        while True:
            have = _size(part)
            if have > remote.size:
                part.unlink()  # longer than the file: not ours; start over
                have = 0
            if have == remote.size:
                return
            job.check()
            before = have
            try:
                self._transfer(remote, part, have, job)
            except _Retryable as exc:
                failures = 0 if _size(part) > before else failures + 1
                if failures > self.max_retries:
                    raise DownloadError(
                        f"Downloading {remote.path} failed {failures} times in a row ({exc}). "
                        "The partial file is kept: run the download again to resume."
                    ) from exc
                job.control.sleep(self.backoff_s * 2 ** max(failures - 1, 0))

    def _transfer(self, remote: RemoteFile, part: Path, have: int, job: _Job) -> None:
        headers = self._headers()
        if have:
            headers["Range"] = f"bytes={have}-"
        # The read timeout is the stall detector: no byte for that long ends this attempt.
        timeout = httpx2.Timeout(self.stall_timeout_s, connect=min(self.stall_timeout_s, 15.0))
        try:
            with (
                httpx2.Client(timeout=timeout, follow_redirects=True) as client,
                client.stream("GET", remote.url, headers=headers) as response,
            ):
                if response.status_code == 416:
                    return  # nothing left to send: the hash check decides
                self._check_status(response.status_code, remote)
                if have and response.status_code == 200:
                    job.rewind(have)  # the server ignored Range: rewrite from the start
                    have = 0
                with open(part, "ab" if have else "wb") as fh:
                    # No chunk size: pieces arrive as the network delivers them, so pause and
                    # cancel act within one read even on a slow line.
                    self._stream(response.iter_bytes(), fh, job)
        except httpx2.TimeoutException as exc:
            raise _Retryable(f"no data for {self.stall_timeout_s:g} s") from exc
        except httpx2.TransportError as exc:
            raise _Retryable(f"connection lost: {exc}") from exc

    def _stream(self, chunks: Iterable[bytes], fh: IO[bytes], job: _Job) -> None:
        for chunk in chunks:
            job.check()
            _write_chunk(fh, chunk)
            job.advance(len(chunk))

    # -- HTTP helpers -------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Accept-Encoding": "identity", "User-Agent": "minicpm-chat"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _check_status(self, status: int, remote: RemoteFile) -> None:
        if status in (200, 206):
            return
        if status in RETRYABLE_STATUS:
            raise _Retryable(f"HTTP {status}")
        raise self._http_error(status, None, remote.path, None)

    def _http_error(
        self, status: int, repo_id: str | None, path: str | None, exc: Exception | None
    ) -> DownloadError:
        what = f"{path}" if path else f"the repository {repo_id}"
        if status == 401 and not self.token:
            return AuthRequiredError(
                f"{what} needs a Hugging Face token (the repository is private or gated, "
                "or does not exist). Add a token in Settings and try again."
            )
        if status in (401, 403):
            return AuthRequiredError(
                f"Access to {what} was refused with this token. Check the token, and accept "
                "the model's license on its Hub page if it is gated."
            )
        if status == 404:
            return NotFoundError(f"Not found on {self._host()}: {what}. Check the name.")
        return DownloadError(f"{self._host()} answered HTTP {status} for {what}: {exc or ''}")

    def _host(self) -> str:
        return self.endpoint or "the Hugging Face Hub"

    def _check_disk(self, job: _Job) -> None:
        """Refuses before any byte is written when the rest of the job cannot fit."""
        self.models_dir.mkdir(parents=True, exist_ok=True)
        needed = job.total - job.done
        free = shutil.disk_usage(self.models_dir).free
        if needed + DISK_RESERVE_BYTES > free:
            raise DiskFullError(
                f"Not enough disk space in {self.models_dir}: the download needs "
                f"{needed / 1e9:.2f} GB more and {free / 1e9:.2f} GB is free."
            )


class _Job:
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
        self.total = sum(r.size for r in remotes)
        self.done = sum(_already(r, t) for r, t in zip(remotes, targets, strict=True))
        self.current = remotes[0].path
        self._started = time.monotonic()
        self._session_bytes = 0
        self._last_report = 0.0

    def check(self) -> None:
        if self.control.cancelled:
            raise DownloadCancelled("Download cancelled.", kept_partial=False)
        if self.control.paused:
            raise DownloadCancelled("Download paused; run it again to resume.", kept_partial=True)

    def rewind(self, n: int) -> None:
        self.done = max(self.done - n, 0)

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
        return Progress(self.current, self.done, self.total, speed, eta)


def _already(remote: RemoteFile, target: Path) -> int:
    if target.is_file():
        return remote.size
    return min(_size(part_path(target)), remote.size)


def _write_chunk(fh: IO[bytes], chunk: bytes) -> None:
    try:
        fh.write(chunk)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(
                "The disk filled up during the download. The partial file is kept: free "
                "some space and run the download again to resume."
            ) from exc
        raise


def _verify(remote: RemoteFile, part: Path) -> None:
    if remote.sha256:
        digest = hashlib.sha256()
        expected = remote.sha256.lower()
    elif remote.git_sha1:
        digest = hashlib.sha1(b"blob %d\0" % remote.size)
        expected = remote.git_sha1.lower()
    else:
        return  # the Hub gave no checksum: size was the only check
    with open(part, "rb") as fh:
        while block := fh.read(CHUNK_BYTES):
            digest.update(block)
    if digest.hexdigest() != expected:
        part.unlink()
        raise HashMismatchError(
            f"{remote.path} is corrupt: its checksum does not match the Hub's "
            f"({digest.hexdigest()[:12]}… instead of {expected[:12]}…). "
            "The partial file was deleted; download it again."
        )


def _commit(part: Path, target: Path) -> None:
    """fsync, then an atomic rename: the final name only ever holds a complete, checked file."""
    with open(part, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(part, target)
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory for fsync; NTFS journals the rename
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _check_relative(path: str) -> None:
    # A file list comes from a server (maybe a mirror): never let it write outside the folder.
    parts = path.replace("\\", "/").split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise DownloadError(f"The repository lists an unsafe file name: {path!r}.")


def _split_repo(repo_id: str) -> tuple[str, str]:
    owner, sep, name = repo_id.partition("/")
    bad = {"", ".", ".."}
    if not sep or owner in bad or name in bad or "/" in name or owner.startswith("."):
        raise DownloadError(f"'{repo_id}' is not a repository id (owner/name).")
    return owner, name
