"""One file's transfer: resume a `.part` with HTTP Range, verify its hash, fsync and rename.

Every transfer resumes with `Range: bytes=N-` from whatever the `.part` holds, so a pause, a
dropped connection, Ctrl+C or a killed process all continue where they stopped, on the same or
on another source. A file is checked against the source's SHA-256 (LFS) or git blob id (small
files), fsynced, then renamed, so the final name only ever holds a complete, checked file.
The `.meta` record is in `part_record.py`; pause and cancel reach here through the job
(`progress.py`).

- dropped / stalled connection, HTTP 5xx or 429: retried with backoff, keeping the `.part`.
- disk full while writing, closing, fsyncing or recording (every ENOSPC / EDQUOT of a transfer):
  `DiskFullError`, the `.part` is kept so it resumes once space is freed.
- hash mismatch: the `.part` and its `.meta` are deleted (its bytes are wrong).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx2

from app.core.models.errors import (
    AuthRequiredError,
    DiskFullError,
    DownloadCode,
    DownloadError,
    HashMismatchError,
    NotFoundError,
    Sentence,
)
from app.core.models.layout import file_size, meta_path
from app.core.models.progress import Job
from app.core.models.sources import RemoteFile
from engine.sizes import format_size

CHUNK_BYTES = 1024 * 1024
# Keep this much free after the download: a full disk breaks SQLite and settings writes too.
DISK_RESERVE_BYTES = 64 * 1024**2
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
DISK_FULL_MESSAGE = (
    "The disk filled up during the download. The partial file is kept: free some space and run "
    "the download again to resume."
)


@dataclass(frozen=True)
class Retries:
    """How hard one source is tried: attempts without progress, backoff, stall detection."""

    allowed: int
    backoff_s: float
    stall_timeout_s: float


class _Retryable(Exception):
    """A transient failure: try again from what the `.part` holds."""

    def __init__(self, message: str, code: DownloadCode, params: dict[str, str | int]) -> None:
        super().__init__(message)
        self.sentence = Sentence(code, params, message)


def fetch(
    remote: RemoteFile,
    url: str,
    headers: dict[str, str],
    part: Path,
    job: Job,
    retries: Retries,
) -> None:
    """Bring `part` to the full size, resuming and retrying transient failures."""
    failures = 0
    while True:
        have = file_size(part)
        if have > remote.size:
            part.unlink()  # longer than the file: not ours; start over
            job.rewind(have)
            have = 0
        if have == remote.size:
            return
        job.check()
        before = have
        try:
            _transfer(remote, url, headers, part, have, job, retries.stall_timeout_s)
        except _Retryable as exc:
            failures = 0 if file_size(part) > before else failures + 1
            if failures > retries.allowed:
                raise _gave_up(remote, failures, exc) from exc
            job.control.sleep(retries.backoff_s * 2 ** max(failures - 1, 0))


def _gave_up(remote: RemoteFile, failures: int, exc: _Retryable) -> DownloadError:
    return DownloadError(
        f"Downloading {remote.path} from {remote.source or 'the source'} failed "
        f"{failures} times in a row ({exc}). The partial file is kept: run the "
        "download again to resume.",
        DownloadCode.RETRIES_EXHAUSTED,
        {"file": remote.path, "source": remote.source, "failures": failures},
        (("", exc.sentence),),
    )


def _transfer(
    remote: RemoteFile,
    url: str,
    source_headers: dict[str, str],
    part: Path,
    have: int,
    job: Job,
    stall_timeout_s: float,
) -> None:
    headers = {"Accept-Encoding": "identity", "User-Agent": "minicpm-chat", **source_headers}
    if have:
        headers["Range"] = f"bytes={have}-"
    # The read timeout is the stall detector: no byte for that long ends this attempt.
    timeout = httpx2.Timeout(stall_timeout_s, connect=min(stall_timeout_s, 15.0))
    try:
        with (
            httpx2.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 416:
                return  # nothing left to send: the hash check decides
            _check_status(response.status_code, remote)
            if have and response.status_code == 200:
                job.rewind(have)  # the server ignored Range: rewrite from the start
                have = 0
            with open(part, "ab" if have else "wb") as fh:
                # No chunk size: pieces arrive as the network delivers them, so pause and
                # cancel act within one read even on a slow line.
                _stream(response.iter_bytes(), fh, job)
    except httpx2.TimeoutException as exc:
        raise _Retryable(
            f"no data for {stall_timeout_s:g} s",
            DownloadCode.STALLED,
            {"seconds": round(stall_timeout_s)},
        ) from exc
    except httpx2.TransportError as exc:
        raise _Retryable(
            f"connection lost: {exc}", DownloadCode.CONNECTION_LOST, {"reason": str(exc)}
        ) from exc
    except (httpx2.InvalidURL, httpx2.DecodingError) as exc:  # an address or a body no retry mends
        where = remote.source or "the server"
        raise DownloadError(
            f"Cannot download {remote.path} from {where}: {exc}",
            DownloadCode.TRANSFER_FAILED,
            {"file": remote.path, "source": remote.source, "reason": str(exc)},
        ) from exc


def _stream(chunks: Iterable[bytes], fh: IO[bytes], job: Job) -> None:
    for chunk in chunks:
        job.check()
        _write_chunk(fh, chunk)
        job.advance(len(chunk))


def _check_status(status: int, remote: RemoteFile) -> None:
    if status in (200, 206):
        return
    if status in RETRYABLE_STATUS:
        raise _Retryable(f"HTTP {status}", DownloadCode.RETRYABLE_STATUS, {"status": status})
    where = remote.source or "the server"
    params: dict[str, str | int] = {"source": remote.source, "file": remote.path, "status": status}
    if status in (401, 403):
        raise AuthRequiredError(
            f"{where} refused {remote.path} (HTTP {status}).", DownloadCode.FILE_REFUSED, params
        )
    if status == 404:
        raise NotFoundError(
            f"Not found on {where}: {remote.path}. Check the name.",
            DownloadCode.FILE_NOT_FOUND,
            params,
        )
    raise DownloadError(
        f"{where} answered HTTP {status} for {remote.path}.", DownloadCode.FILE_HTTP_STATUS, params
    )


def check_disk(models_dir: Path, job: Job) -> None:
    """Refuses before any byte is written when the rest of the job cannot fit."""
    models_dir.mkdir(parents=True, exist_ok=True)
    needed = job.total - job.done
    free = shutil.disk_usage(models_dir).free
    if needed + DISK_RESERVE_BYTES > free:
        short = needed + DISK_RESERVE_BYTES - free
        raise DiskFullError(
            f"Not enough disk space in {models_dir}: the download needs "
            f"{format_size(needed)} more and {format_size(free)} is free, and the app keeps "
            f"{format_size(DISK_RESERVE_BYTES)} free for your chats and settings. Free at "
            f"least {format_size(short)} and try again.",
            DownloadCode.NOT_ENOUGH_SPACE,
            {
                "folder": str(models_dir),
                "needed": needed,
                "free": free,
                "reserve": DISK_RESERVE_BYTES,
                "short": short,
            },
        )


@contextlib.contextmanager
def disk_full_as_error() -> Iterator[None]:
    """ENOSPC / EDQUOT from anything inside become `DiskFullError`. Not only the write: closing
    the file flushes its buffer and fails the same way (that second OSError used to replace the
    first one's message), and so can fsync and the `.meta` write."""
    try:
        yield
    except DiskFullError:
        raise
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(DISK_FULL_MESSAGE, DownloadCode.DISK_FULL) from exc
        raise


def _write_chunk(fh: IO[bytes], chunk: bytes) -> None:
    with disk_full_as_error():
        fh.write(chunk)


def verify(remote: RemoteFile, part: Path) -> None:
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
        meta_path(part).unlink(missing_ok=True)  # it describes bytes that are gone
        raise HashMismatchError(
            f"{remote.path} is corrupt: its checksum does not match the Hub's "
            f"({digest.hexdigest()[:12]}… instead of {expected[:12]}…). "
            "The partial file was deleted; download it again.",
            DownloadCode.HASH_MISMATCH,
            {"file": remote.path, "got": digest.hexdigest()[:12], "expected": expected[:12]},
        )


def commit(part: Path, target: Path) -> None:
    """fsync, then an atomic rename: the final name only ever holds a complete, checked file."""
    with open(part, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(part, target)
    fsync_dir(target.parent)


def fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory for fsync; NTFS journals the rename
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
