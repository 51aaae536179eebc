"""The `.part.meta` record beside a `.part`: which file (size, hashes, source) its bytes
belong to, so a resume on another source never mixes bytes of two different files.

A record that cannot be read is ignored (the size check and the hash check still guard the
bytes); a new source resumes the `.part` only when it describes the same file (size and hash);
if the hashes disagree the file starts over from byte 0 and a progress note says so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from app.core.models.errors import DownloadCode, Sentence
from app.core.models.layout import file_size, meta_path
from app.core.models.progress import Job
from app.core.models.sources import SHA1_HEX, SHA256_HEX, RemoteFile


def adopt(remote: RemoteFile, part: Path, job: Job) -> None:
    """Keeps the `.part` only if it holds bytes of this very file; records what it holds."""
    job.resize(remote)
    have = file_size(part)
    held = read_meta(part)
    if have and held is not None and not _same_file(held, remote):
        job.say(_started_over(remote, held))
        part.unlink()
        job.rewind(have)
    _write_meta(part, remote)


def _started_over(remote: RemoteFile, held: Held) -> Sentence:
    english = (
        f"{remote.source} has a different {remote.path} than {held.source or 'before'} "
        f"(SHA-256 {_short(remote.sha256)} vs {_short(held.sha256)}): starting this file "
        "over rather than mixing bytes of two files."
    )
    params: dict[str, str | int] = {
        "source": remote.source,
        "file": remote.path,
        "before": held.source,
        "sha256": (remote.sha256 or "")[:12],
        "held_sha256": (held.sha256 or "")[:12],
    }
    return Sentence(DownloadCode.STARTED_OVER, params, english)


@dataclass(frozen=True)
class Held:
    """What a `.part` holds, from its `.meta` file."""

    size: int
    sha256: str | None
    git_sha1: str | None
    source: str


def read_meta(part: Path) -> Held | None:
    """What the `.meta` beside `part` records, or None when there is no record or it is not
    one this app wrote (damaged, edited, truncated by a crash): then the size check and the
    hash check decide, as for a `.part` from before records existed."""
    try:
        raw = json.loads(meta_path(part).read_bytes())
    except (OSError, ValueError, RecursionError):  # unreadable, not UTF-8 or not JSON
        return None
    return _parse_meta(raw)


def _parse_meta(raw: object) -> Held | None:
    """A `.meta` record's JSON value; None unless every field has the type `_write_meta` gives
    it (a size that is a non-negative integer, hex digests or null, a source name)."""
    if not isinstance(raw, dict):
        return None
    size, sha256, git_sha1 = raw.get("size"), raw.get("sha256"), raw.get("git_sha1")
    source = raw.get("source", "")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    if not (_digest_or_none(sha256, SHA256_HEX) and _digest_or_none(git_sha1, SHA1_HEX)):
        return None
    if not isinstance(source, str):
        return None
    return Held(size, sha256, git_sha1, source)


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


def _same_file(held: Held, remote: RemoteFile) -> bool:
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
