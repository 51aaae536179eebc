"""What can go wrong with a download, and what a download has to tell, as codes with parameters.

Every `DownloadError` keeps its English `str()` (the CLI prints it) and carries a `code` and its
`params` (host, file, status, sizes ...), so the GUI can say the same thing in the person's
language (`app/words/downloads.py`). Progress notes (a failover, a file started over) travel the
same way, as a `Sentence`. Params hold only names, numbers and technical details (a host, an
HTTP status, an OS reason), never English words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

ParamValue = str | int
Params = Mapping[str, ParamValue]


class DownloadCode(StrEnum):
    """One value per sentence; the words module has one translation per value."""

    # Sentences with no code of their own (e.g. the CLI's own checks): the English is all.
    OTHER = "other"
    # The repository and its listing.
    INVALID_REPO_ID = "invalid_repo_id"  # repo
    NOT_A_REPO_ID = "not_a_repo_id"  # repo
    UNREACHABLE = "unreachable"  # host ("" = the Hugging Face Hub), reason
    TOKEN_NEEDED = "token_needed"  # site ("hf" / "modelscope"), repo
    TOKEN_REFUSED = "token_refused"  # site, repo
    REPO_NOT_FOUND = "repo_not_found"  # host, repo
    REPO_HTTP_STATUS = "repo_http_status"  # host, status, repo
    UNEXPECTED_LISTING = "unexpected_listing"  # host, repo
    UNSAFE_FILE_NAME = "unsafe_file_name"  # file (as repr)
    EMPTY_REPO = "empty_repo"  # repo
    NO_SUCH_FILE = "no_such_file"  # repo, file
    SOURCE_LACKS_FILE = "source_lacks_file"  # source, file, repo
    # One file's transfer.
    FILE_REFUSED = "file_refused"  # source ("" = the server), file, status
    FILE_NOT_FOUND = "file_not_found"  # source, file
    FILE_HTTP_STATUS = "file_http_status"  # source, status, file
    TRANSFER_FAILED = "transfer_failed"  # source, file, reason
    RETRIES_EXHAUSTED = "retries_exhausted"  # source, file, failures; cause: the last failure
    STALLED = "stalled"  # seconds (a retried failure)
    CONNECTION_LOST = "connection_lost"  # reason (a retried failure)
    RETRYABLE_STATUS = "retryable_status"  # status (a retried failure)
    HASH_MISMATCH = "hash_mismatch"  # file, got, expected (12 hex digits each)
    NOT_ENOUGH_SPACE = "not_enough_space"  # folder, needed, free, reserve, short (bytes)
    DISK_FULL = "disk_full"
    OFFLINE = "offline"  # variable ("" when the settings alone decide)
    CANCELLED = "cancelled"
    PAUSED = "paused"
    ALL_FAILED = "all_failed"  # causes: each source's failure
    # The settings' list of sources.
    UNKNOWN_SOURCE = "unknown_source"  # name, known
    MIRROR_NEEDS_ENDPOINT = "mirror_needs_endpoint"
    ONLY_MODELSCOPE = "only_modelscope"  # the model is not there, and nothing else is allowed
    # Notes during a download.
    SWITCHED_SOURCE = "switched_source"  # source, next; cause: why the source failed
    STARTED_OVER = "started_over"  # source, file, before ("" = before), sha256, held_sha256
    # A failure that is no download error (the worker's last resort).
    UNEXPECTED = "unexpected"  # error


@dataclass(frozen=True)
class Sentence:
    """One thing to tell the person: a code, its parameters and its English wording.

    `causes` are labelled sentences it stands on (each source's failure, by source name).
    """

    code: DownloadCode
    params: Params = field(default_factory=dict)
    english: str = ""
    causes: tuple[tuple[str, Sentence], ...] = ()

    def __str__(self) -> str:
        return self.english

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code.value,
            "params": dict(self.params),
            "english": self.english,
            "causes": [[label, cause.to_json()] for label, cause in self.causes],
        }


def sentence_from_json(raw: object, depth: int = 0) -> Sentence | None:
    """A sentence `to_json` wrote, or None for anything else (a hand-edited or damaged file)."""
    if not isinstance(raw, dict) or depth > 8:
        return None
    code, params, english = raw.get("code"), raw.get("params"), raw.get("english")
    causes = raw.get("causes", [])
    if code not in {c.value for c in DownloadCode} or not isinstance(english, str):
        return None
    if not isinstance(params, dict) or not all(_is_param(k, v) for k, v in params.items()):
        return None
    if not isinstance(causes, list):
        return None
    parsed: list[tuple[str, Sentence]] = []
    for pair in causes:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            return None
        cause = sentence_from_json(pair[1], depth + 1)
        if cause is None:
            return None
        parsed.append((pair[0], cause))
    return Sentence(DownloadCode(code), dict(params), english, tuple(parsed))


def _is_param(key: object, value: object) -> bool:
    kinds_ok = isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    return isinstance(key, str) and kinds_ok


class DownloadError(Exception):
    """Any download failure. `str()` is the English message (the CLI's); `code` and `params`
    say the same for the GUI's words; `causes` are the failures it sums up."""

    def __init__(
        self,
        message: str,
        code: DownloadCode = DownloadCode.OTHER,
        params: Params | None = None,
        causes: tuple[tuple[str, Sentence], ...] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.params: Params = dict(params or {})
        self.causes = causes

    @property
    def sentence(self) -> Sentence:
        return Sentence(self.code, self.params, str(self), self.causes)


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
        code = DownloadCode.PAUSED if kept_partial else DownloadCode.CANCELLED
        super().__init__(message, code)
        self.kept_partial = kept_partial
