"""Resumable, verified model downloads from Hugging Face, a Hub mirror or ModelScope.

A `Source` knows one site's API: how to list a repo's files (sizes and SHA-256) and the URL of
one file. Hugging Face and its mirrors go through huggingface_hub for the metadata; ModelScope
through its `/api/v1/models/...` HTTP API. The transfer is ours for every source because
`hf_hub_download` (2.4) writes each attempt to a fresh, process-unique `.incomplete` file and so
cannot resume after the app was killed.

On disk, for repo `owner/name` (the first, "primary" repo id; other sources may spell it
differently, e.g. `OpenBMB/...` on ModelScope) under the models folder:
- one file:  `owner/name/<file>`, written as `owner/name/.<file>.part` until verified, with a
  `.<file>.part.meta` beside it naming the size and hash the partial bytes belong to;
- an OpenVINO IR repo (several files, one model): staged in `.staging/owner--name/` and renamed
  to `owner/name/` only when every file is verified.
Names starting with "." are never listed as models, so a partial download is never offered.

Every transfer resumes with `Range: bytes=N-` from whatever the `.part` holds, so a pause, a
dropped connection, Ctrl+C or a killed process all continue where they stopped, on the same or
on another source. A file is checked against the source's SHA-256 (LFS) or git blob id (small
files), fsynced, then renamed.

Failure policy, per case:
- cancel: the `.part` (or staging folder) is deleted; pause: it is kept.
- dropped / stalled connection, HTTP 5xx or 429: retried with backoff, keeping the `.part`; after
  `failover_retries` such failures in a row the next source takes over (the last source gets
  `max_retries`).
- 401 / 403 / 404, or a failed listing: the next source at once; raised when none is left.
- a new source resumes the `.part` only when it describes the same file (size and hash); if the
  hashes disagree the file starts over from byte 0 and a progress note says so.
- disk full while writing, closing, fsyncing or recording (every ENOSPC / EDQUOT of a transfer):
  `DiskFullError`, the `.part` is kept so it resumes once space is freed.
- hash mismatch: the `.part` and its `.meta` are deleted (its bytes are wrong); the next source,
  else `HashMismatchError`.
- a listing that is not what the site's API promises (wrong types, negative sizes, a checksum
  that is not hex, an unsafe file name): `DownloadError`, the next source; a `.meta` that cannot
  be read is ignored (the hash check still guards the bytes).
- offline (`offline=True` or `MINICPM_CHAT_OFFLINE=1`): `OfflineError` before any connection.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PureWindowsPath
from typing import IO, Any, Protocol
from urllib.parse import quote

import httpx2
from huggingface_hub import HfApi, hf_hub_url
from huggingface_hub.errors import HfHubHTTPError, HFValidationError

from app.core.models.store import STAGING_DIR, part_path
from engine.sizes import format_size

SKIPPED_FILES = frozenset({".gitattributes", ".gitignore"})
CHUNK_BYTES = 1024 * 1024
# Keep this much free after the download: a full disk breaks SQLite and settings writes too.
DISK_RESERVE_BYTES = 64 * 1024**2
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
PROGRESS_INTERVAL_S = 0.1
OFFLINE_ENV = "MINICPM_CHAT_OFFLINE"
MODELSCOPE_ENDPOINT = "https://www.modelscope.cn"
API_TIMEOUT_S = 30.0
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}")
_SURROGATE = re.compile("[\ud800-\udfff]")
DISK_FULL_MESSAGE = (
    "The disk filled up during the download. The partial file is kept: free some space and run "
    "the download again to resume."
)


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


class OfflineError(DownloadError):
    """Offline mode is on: nothing may connect."""


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
    sha256: str | None  # LFS files (every file on ModelScope)
    git_sha1: str | None  # small files kept in git: the blob id is a SHA-1 of the content
    url: str
    source: str = ""  # the name of the source that listed it


@dataclass(frozen=True)
class Progress:
    file: str
    done_bytes: int  # across all files of the job, including bytes from earlier runs
    total_bytes: int
    speed_bps: float  # this session's recent rate
    eta_s: float | None
    source: str = ""  # the name of the source in use, e.g. "hf", "mirror", "modelscope"
    note: str = ""  # a one-off event worth telling the user: a failover, a file started over


ProgressCallback = Callable[[Progress], None]


class Source(Protocol):
    """One place to download from. `name` keys the per-source repo ids and shows in progress."""

    @property
    def name(self) -> str: ...

    @property
    def endpoint(self) -> str: ...

    def list_files(self, repo_id: str) -> list[RemoteFile]:
        """Every file of the repo with size and checksum; raises `DownloadError`."""
        ...

    def url_for(self, repo_id: str, path: str) -> tuple[str, dict[str, str]]:
        """The URL of one file and the headers (auth) to send with it."""
        ...


class HuggingFaceSource:
    """The Hugging Face Hub, or a mirror of it when `endpoint` is given (same protocol)."""

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        token: str | None = None,
        revision: str = "main",
        name: str | None = None,
    ) -> None:
        self._endpoint = endpoint.rstrip("/") if endpoint else None
        self.token = token
        self.revision = revision
        self._name = name or ("mirror" if endpoint else "hf")

    @property
    def name(self) -> str:
        return self._name

    @property
    def endpoint(self) -> str:
        return self._endpoint or "https://huggingface.co"

    def list_files(self, repo_id: str) -> list[RemoteFile]:
        # token=False: never fall back to a token huggingface_hub finds on disk or in env.
        api = HfApi(endpoint=self._endpoint, token=self.token or False)
        what = f"the repository {repo_id}"
        try:
            info = api.model_info(repo_id, revision=self.revision, files_metadata=True)
        except HFValidationError as exc:  # before any connection: the id has a bad character
            raise DownloadError(f"'{repo_id}' is not a valid Hugging Face repository id.") from exc
        except HfHubHTTPError as exc:
            status = exc.response.status_code
            raise _http_error(status, what, self._host(), self._auth(status)) from exc
        except (httpx2.TransportError, httpx2.InvalidURL) as exc:
            raise DownloadError(f"Cannot reach {self._host()}: {exc}") from exc
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            # huggingface_hub builds its ModelInfo from whatever JSON came back.
            raise _unexpected_listing(self._host(), what) from exc
        try:
            return [self._remote(repo_id, s) for s in info.siblings or [] if s.rfilename]
        except (ValueError, TypeError, AttributeError) as exc:
            raise _unexpected_listing(self._host(), what) from exc

    def url_for(self, repo_id: str, path: str) -> tuple[str, dict[str, str]]:
        url = hf_hub_url(repo_id, path, revision=self.revision, endpoint=self._endpoint)
        return url, _bearer(self.token)

    def _remote(self, repo_id: str, sibling: Any) -> RemoteFile:
        """One listed file; ValueError / TypeError when the listing says something impossible."""
        path = _listed_path(sibling.rfilename)
        lfs = sibling.lfs
        return RemoteFile(
            path=path,
            size=_listed_size(lfs.size if lfs else sibling.size or 0),
            sha256=_listed_digest(lfs.sha256, _SHA256) if lfs else None,
            git_sha1=None if lfs else _listed_digest(sibling.blob_id, _SHA1),
            url=self.url_for(repo_id, path)[0],
            source=self.name,
        )

    def _auth(self, status: int) -> str:
        if status == 401 and not self.token:
            return (
                "needs a Hugging Face token (the repository is private or gated, or does not "
                "exist). Add a token in Settings and try again."
            )
        return (
            "was refused with this token. Check the token, and accept the model's license on "
            "its Hub page if it is gated."
        )

    def _host(self) -> str:
        return self._endpoint or "the Hugging Face Hub"


class ModelScopeSource:
    """ModelScope (modelscope.cn), through the HTTP API its own SDK uses.

    Listing: `GET /api/v1/models/{id}/repo/files?Revision=master&Recursive=true`, answering
    `{"Code": 200, "Data": {"Files": [{"Path", "Name", "Size", "Sha256", "Type"}...]}}` where
    `Type` is "blob" for a file and "tree" for a folder. One file:
    `GET /api/v1/models/{id}/repo?Revision=master&FilePath={path}` (Range is honoured).
    """

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        token: str | None = None,
        revision: str = "master",
        name: str = "modelscope",
    ) -> None:
        self._endpoint = (endpoint or MODELSCOPE_ENDPOINT).rstrip("/")
        self.token = token
        self.revision = revision
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def list_files(self, repo_id: str) -> list[RemoteFile]:
        url = f"{self._endpoint}/api/v1/models/{quote(repo_id)}/repo/files"
        params = {"Revision": self.revision, "Recursive": "true"}
        timeout = httpx2.Timeout(API_TIMEOUT_S, connect=15.0)
        try:
            with httpx2.Client(timeout=timeout, follow_redirects=True) as client:
                response = client.get(url, params=params, headers=self._headers())
        except (httpx2.TransportError, httpx2.InvalidURL) as exc:
            raise DownloadError(f"Cannot reach {self._endpoint}: {exc}") from exc
        what = f"the repository {repo_id}"
        if response.status_code != 200:
            raise _http_error(response.status_code, what, self._endpoint, self._auth())
        try:
            body = response.json()
        # Not JSON, absurdly nested JSON, or a body compressed in a way that cannot be undone.
        except (ValueError, RecursionError, httpx2.DecodingError) as exc:
            raise _unexpected_listing(self._endpoint, what) from exc
        return self.parse_listing(repo_id, body)

    def parse_listing(self, repo_id: str, body: object) -> list[RemoteFile]:
        """The files of a listing's JSON body; `DownloadError` for anything but the documented
        shape (any other value, of any type, is refused rather than guessed at)."""
        what = f"the repository {repo_id}"
        try:
            code = body.get("Code", 200) if isinstance(body, dict) else None
            files = body["Data"]["Files"] if code == 200 else None  # type: ignore[index]
        except (KeyError, TypeError):
            files = None
        if not isinstance(files, list):
            raise _unexpected_listing(self._endpoint, what)
        try:
            return [self._remote(repo_id, f) for f in files if f.get("Type", "blob") == "blob"]
        except (ValueError, TypeError, AttributeError) as exc:
            raise _unexpected_listing(self._endpoint, what) from exc

    def url_for(self, repo_id: str, path: str) -> tuple[str, dict[str, str]]:
        query = f"Revision={quote(self.revision, safe='')}&FilePath={quote(path, safe='')}"
        return f"{self._endpoint}/api/v1/models/{quote(repo_id)}/repo?{query}", self._headers()

    def _remote(self, repo_id: str, entry: dict[str, Any]) -> RemoteFile:
        """One listed file; ValueError / TypeError when the listing says something impossible."""
        path = _listed_path(entry.get("Path") or entry.get("Name") or "")
        sha256 = _listed_digest(entry.get("Sha256") or None, _SHA256)
        return RemoteFile(
            path=path,
            size=_listed_size(entry.get("Size") or 0),
            sha256=sha256.lower() if sha256 else None,
            git_sha1=None,
            url=self.url_for(repo_id, path)[0],
            source=self.name,
        )

    def _headers(self) -> dict[str, str]:
        return _bearer(self.token)

    def _auth(self) -> str:
        if not self.token:
            return "needs a ModelScope token (the repository is private or does not exist)."
        return "was refused with this ModelScope token. Check the token."


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


def staging_folder(models_dir: Path, repo_id: str) -> Path:
    """Where a repository's files gather until all of them are verified."""
    return models_dir / STAGING_DIR / repo_id.replace("/", "--")


def meta_path(part: Path) -> Path:
    """Beside a `.part`: which file (size, hash, source) its bytes belong to."""
    return part.with_name(part.name + ".meta")


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
        _split_repo(repo_id)
        return self._listing(_Failover(self.sources, repo_id, repo_ids, None))

    def _listing(self, failover: _Failover) -> list[RemoteFile]:
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
        failover = _Failover(self.sources, repo_id, repo_ids, on_progress)
        remote = self._one(failover, filename)
        target = final / remote.path
        if target.is_file() and target.stat().st_size == remote.size:
            return target  # already installed; nothing to do
        job = _Job([remote], [target], on_progress, control or DownloadControl())
        failover.on_note = job.say
        self._check_disk(job)
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
        failover = _Failover(self.sources, repo_id, repo_ids, on_progress)
        remotes = [r for r in self._listing(failover) if r.path not in SKIPPED_FILES]
        if not remotes:
            raise NotFoundError(f"The repository {repo_id} has no files.")
        staging = staging_folder(self.models_dir, repo_id)
        targets = [staging / r.path for r in remotes]
        job = _Job(remotes, targets, on_progress, control or DownloadControl())
        failover.on_note = job.say
        self._check_disk(job)
        for remote, target in zip(remotes, targets, strict=True):
            if target.is_file():
                continue  # verified in an earlier run (only verified files lose `.part`)
            self._fetch_verified(remote, target, job, failover, on_cancel=[staging])
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, final)
        _fsync_dir(final.parent)
        return final

    def _one(self, failover: _Failover, filename: str) -> RemoteFile:
        while True:
            remotes = self._listing(failover)
            for remote in remotes:
                if remote.path == filename:
                    return remote
            source = failover.current()
            repo = failover.repo_for(source)
            failover.failed(
                source, NotFoundError(f"The repository {repo} has no file named {filename}.")
            )

    def _check_online(self) -> None:
        if self.offline:
            raise OfflineError(
                "Offline mode is on, so nothing is downloaded. Turn it off in Settings "
                f"(or unset {OFFLINE_ENV}) to download models."
            )

    # -- one file, with failover ----------------------------------------------------------------

    def _fetch_verified(
        self,
        first: RemoteFile,
        target: Path,
        job: _Job,
        failover: _Failover,
        on_cancel: list[Path],
    ) -> None:
        with _disk_full_as_error():
            self._fetch_verified_once(first, target, job, failover, on_cancel)

    def _fetch_verified_once(
        self,
        first: RemoteFile,
        target: Path,
        job: _Job,
        failover: _Failover,
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
                    raise NotFoundError(f"{source.name} has no file {first.path} in {repo}.")
                self._adopt(remote, part, job)
                job.source = source.name
                url, headers = source.url_for(failover.repo_for(source), remote.path)
                self._fetch(remote, url, headers, part, job, last=failover.is_last)
                _verify(remote, part)
            except DownloadCancelled:
                if not job.control.paused:
                    for path in on_cancel:
                        _remove(path)
                raise
            except (OfflineError, DiskFullError):
                raise
            except DownloadError as exc:
                failover.failed(source, exc)
                continue
            _commit(part, target)
            meta_path(part).unlink(missing_ok=True)
            return

    def _adopt(self, remote: RemoteFile, part: Path, job: _Job) -> None:
        """Keeps the `.part` only if it holds bytes of this very file; records what it holds."""
        job.resize(remote)
        have = _size(part)
        held = _read_meta(part)
        if have and held is not None and not _same_file(held, remote):
            job.say(
                f"{remote.source} has a different {remote.path} than {held.source or 'before'} "
                f"(SHA-256 {_short(remote.sha256)} vs {_short(held.sha256)}): starting this file "
                "over rather than mixing bytes of two files."
            )
            part.unlink()
            job.rewind(have)
        _write_meta(part, remote)

    def _fetch(
        self,
        remote: RemoteFile,
        url: str,
        headers: dict[str, str],
        part: Path,
        job: _Job,
        last: bool,
    ) -> None:
        """Bring `part` to the full size, resuming and retrying transient failures."""
        allowed = self.max_retries if last else min(self.failover_retries, self.max_retries)
        failures = 0
        while True:
            have = _size(part)
            if have > remote.size:
                part.unlink()  # longer than the file: not ours; start over
                job.rewind(have)
                have = 0
            if have == remote.size:
                return
            job.check()
            before = have
            try:
                self._transfer(remote, url, headers, part, have, job)
            except _Retryable as exc:
                failures = 0 if _size(part) > before else failures + 1
                if failures > allowed:
                    raise DownloadError(
                        f"Downloading {remote.path} from {remote.source or 'the source'} failed "
                        f"{failures} times in a row ({exc}). The partial file is kept: run the "
                        "download again to resume."
                    ) from exc
                job.control.sleep(self.backoff_s * 2 ** max(failures - 1, 0))

    def _transfer(
        self,
        remote: RemoteFile,
        url: str,
        source_headers: dict[str, str],
        part: Path,
        have: int,
        job: _Job,
    ) -> None:
        headers = {"Accept-Encoding": "identity", "User-Agent": "minicpm-chat", **source_headers}
        if have:
            headers["Range"] = f"bytes={have}-"
        # The read timeout is the stall detector: no byte for that long ends this attempt.
        timeout = httpx2.Timeout(self.stall_timeout_s, connect=min(self.stall_timeout_s, 15.0))
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
                    self._stream(response.iter_bytes(), fh, job)
        except httpx2.TimeoutException as exc:
            raise _Retryable(f"no data for {self.stall_timeout_s:g} s") from exc
        except httpx2.TransportError as exc:
            raise _Retryable(f"connection lost: {exc}") from exc
        except (
            httpx2.InvalidURL,
            httpx2.DecodingError,
        ) as exc:  # an address or a body no retry mends
            where = remote.source or "the server"
            raise DownloadError(f"Cannot download {remote.path} from {where}: {exc}") from exc

    def _stream(self, chunks: Iterable[bytes], fh: IO[bytes], job: _Job) -> None:
        for chunk in chunks:
            job.check()
            _write_chunk(fh, chunk)
            job.advance(len(chunk))

    def _check_disk(self, job: _Job) -> None:
        """Refuses before any byte is written when the rest of the job cannot fit."""
        self.models_dir.mkdir(parents=True, exist_ok=True)
        needed = job.total - job.done
        free = shutil.disk_usage(self.models_dir).free
        if needed + DISK_RESERVE_BYTES > free:
            short = needed + DISK_RESERVE_BYTES - free
            raise DiskFullError(
                f"Not enough disk space in {self.models_dir}: the download needs "
                f"{format_size(needed)} more and {format_size(free)} is free, and the app keeps "
                f"{format_size(DISK_RESERVE_BYTES)} free for your chats and settings. Free at "
                f"least {format_size(short)} and try again."
            )


class _Failover:
    """The ordered sources of one job: which one is in use, their listings, their failures.

    Moving on is sticky for the rest of the job: a source that failed once is not asked again.
    """

    def __init__(
        self,
        sources: Sequence[Source],
        repo_id: str,
        repo_ids: Mapping[str, str] | None,
        on_progress: ProgressCallback | None,
    ) -> None:
        _split_repo(repo_id)
        self.sources = list(sources)
        self.repo_id = repo_id
        self.repo_ids = dict(repo_ids or {})
        for repo in self.repo_ids.values():
            _split_repo(repo)
        # Where failover notes go; the job takes over once it exists (it knows the byte counts).
        self.on_note: Callable[[str], None] = lambda note: _note_only(on_progress, note)
        self.index = 0
        self.errors: list[tuple[str, DownloadError]] = []
        self._listings: dict[str, dict[str, RemoteFile]] = {}

    @property
    def is_last(self) -> bool:
        return self.index >= len(self.sources) - 1

    def repo_for(self, source: Source) -> str:
        return self.repo_ids.get(source.name, self.repo_id)

    def current(self) -> Source:
        if self.index < len(self.sources):
            return self.sources[self.index]
        raise _all_failed(self.errors)

    def listing(self, source: Source) -> dict[str, RemoteFile]:
        if source.name not in self._listings:
            remotes = source.list_files(self.repo_for(source))
            self._listings[source.name] = {r.path: replace(r, source=source.name) for r in remotes}
        return self._listings[source.name]

    def failed(self, source: Source, error: DownloadError) -> None:
        self.errors.append((source.name, error))
        self.index += 1
        if self.index < len(self.sources):
            following = self.sources[self.index].name
            self.on_note(f"{source.name} failed ({error}) Switching to {following}.")


def _note_only(on_progress: ProgressCallback | None, note: str) -> None:
    if on_progress:
        on_progress(Progress("", 0, 0, 0.0, None, note=note))


def _all_failed(errors: list[tuple[str, DownloadError]]) -> DownloadError:
    if len(errors) == 1:
        return errors[0][1]  # one source: its own error, unchanged
    kinds = {type(e) for _, e in errors}
    kind = kinds.pop() if len(kinds) == 1 else DownloadError
    details = " ".join(f"[{name}] {e}" for name, e in errors)
    return kind(f"Every download source failed. {details}")


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

    def say(self, note: str) -> None:
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


@dataclass(frozen=True)
class _Held:
    """What a `.part` holds, from its `.meta` file."""

    size: int
    sha256: str | None
    git_sha1: str | None
    source: str


def _read_meta(part: Path) -> _Held | None:
    """What the `.meta` beside `part` records, or None when there is no record or it is not
    one this app wrote (damaged, edited, truncated by a crash): then the size check and the
    hash check decide, as for a `.part` from before records existed."""
    try:
        raw = json.loads(meta_path(part).read_bytes())
    except (OSError, ValueError, RecursionError):  # unreadable, not UTF-8 or not JSON
        return None
    return _parse_meta(raw)


def _parse_meta(raw: object) -> _Held | None:
    """A `.meta` record's JSON value; None unless every field has the type `_write_meta` gives
    it (a size that is a non-negative integer, hex digests or null, a source name)."""
    if not isinstance(raw, dict):
        return None
    size, sha256, git_sha1 = raw.get("size"), raw.get("sha256"), raw.get("git_sha1")
    source = raw.get("source", "")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    if not (_digest_or_none(sha256, _SHA256) and _digest_or_none(git_sha1, _SHA1)):
        return None
    if not isinstance(source, str):
        return None
    return _Held(size, sha256, git_sha1, source)


def _digest_or_none(value: object, pattern: re.Pattern[str]) -> bool:
    return value is None or (isinstance(value, str) and pattern.fullmatch(value) is not None)


def _write_meta(part: Path, remote: RemoteFile) -> None:
    record = {
        "size": remote.size,
        "sha256": remote.sha256,
        "git_sha1": remote.git_sha1,
        "source": remote.source,
    }
    meta_path(part).write_text(json.dumps(record), encoding="utf-8")


def _same_file(held: _Held, remote: RemoteFile) -> bool:
    """Same size and a hash both sides know that agrees; anything less counts as different."""
    if held.size != remote.size:
        return False
    if held.sha256 and remote.sha256:
        return held.sha256.lower() == remote.sha256.lower()
    if held.git_sha1 and remote.git_sha1:
        return held.git_sha1.lower() == remote.git_sha1.lower()
    return False


def _short(digest: str | None) -> str:
    return f"{digest[:12]}…" if digest else "unknown"


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _check_status(status: int, remote: RemoteFile) -> None:
    if status in (200, 206):
        return
    if status in RETRYABLE_STATUS:
        raise _Retryable(f"HTTP {status}")
    where = remote.source or "the server"
    if status in (401, 403):
        raise AuthRequiredError(f"{where} refused {remote.path} (HTTP {status}).")
    raise _http_error(status, remote.path, where, "")


def _http_error(status: int, what: str, host: str, auth: str) -> DownloadError:
    if status in (401, 403):
        return AuthRequiredError(f"{what} {auth}")
    if status == 404:
        return NotFoundError(f"Not found on {host}: {what}. Check the name.")
    return DownloadError(f"{host} answered HTTP {status} for {what}.")


def _already(remote: RemoteFile, target: Path) -> int:
    if target.is_file():
        return remote.size
    return min(_size(part_path(target)), remote.size)


def _write_chunk(fh: IO[bytes], chunk: bytes) -> None:
    with _disk_full_as_error():
        fh.write(chunk)


@contextlib.contextmanager
def _disk_full_as_error() -> Iterator[None]:
    """ENOSPC / EDQUOT from anything inside become `DiskFullError`. Not only the write: closing
    the file flushes its buffer and fails the same way (that second OSError used to replace the
    first one's message), and so can fsync and the `.meta` write."""
    try:
        yield
    except DiskFullError:
        raise
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(DISK_FULL_MESSAGE) from exc
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
        meta_path(part).unlink(missing_ok=True)  # it describes bytes that are gone
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


def check_relative(path: str) -> None:
    """`DownloadError` unless `path` names a file inside the folder it is joined to.

    A file list comes from a server (maybe a mirror), a queue file from disk: never let either
    write outside the folder, nor name a file no file system can hold (a NUL, a lone surrogate).
    """
    parts = path.replace("\\", "/").split("/")
    unsafe = (
        path.startswith("/")
        or any(p in ("", ".", "..") for p in parts)
        or bool(PureWindowsPath(path).drive)  # "C:x" would leave the folder on Windows
        or "\0" in path
        or _SURROGATE.search(path) is not None
    )
    if unsafe:
        raise DownloadError(f"The repository lists an unsafe file name: {path!r}.")


def _listed_path(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"a file name must be text, not {type(value).__name__}")
    check_relative(value)
    return value


def _listed_size(value: object) -> int:
    # An integer, a float that is one (1e3) or a string of digits; never a bool or NaN.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)  # ValueError past 4300 digits
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"a size must be a number, not {type(value).__name__}")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"a size must be a whole number of bytes, not {value!r}")
    size = int(value)
    if size < 0:
        raise ValueError(f"a size cannot be negative ({size})")
    return size


def _listed_digest(value: object, pattern: re.Pattern[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{value!r} is not a checksum")
    return value


def _unexpected_listing(host: str, what: str) -> DownloadError:
    return DownloadError(f"{host} sent an unexpected file list for {what}.")


def _split_repo(repo_id: str) -> tuple[str, str]:
    owner, sep, name = repo_id.partition("/")
    bad = {"", ".", ".."}
    if not sep or owner in bad or name in bad or "/" in name or owner.startswith("."):
        raise DownloadError(f"'{repo_id}' is not a repository id (owner/name).")
    return owner, name
