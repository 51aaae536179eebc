"""Where downloads live on disk, and which names may be written there.

For repo `owner/name` (the first, "primary" repo id; other sources may spell it differently,
e.g. `OpenBMB/...` on ModelScope) under the models folder:
- one file:  `owner/name/<file>`, written as `owner/name/.<file>.part` until verified, with a
  `.<file>.part.meta` beside it naming the size and hash the partial bytes belong to;
- an OpenVINO IR repo (several files, one model): staged in `.staging/owner--name/` and renamed
  to `owner/name/` only when every file is verified.
Names starting with "." are never listed as models, so a partial download is never offered.
"""

from __future__ import annotations

import re
from pathlib import Path, PureWindowsPath

from app.core.models.errors import DownloadCode, DownloadError
from app.core.models.store import STAGING_DIR

_SURROGATE = re.compile("[\ud800-\udfff]")


def repo_folder(models_dir: Path, repo_id: str) -> Path:
    owner, name = split_repo(repo_id)
    return models_dir / owner / name


def staging_folder(models_dir: Path, repo_id: str) -> Path:
    """Where a repository's files gather until all of them are verified."""
    return models_dir / STAGING_DIR / repo_id.replace("/", "--")


def meta_path(part: Path) -> Path:
    """Beside a `.part`: which file (size, hash, source) its bytes belong to."""
    return part.with_name(part.name + ".meta")


def split_repo(repo_id: str) -> tuple[str, str]:
    """`owner/name` as its two parts; `DownloadError` for anything else (it names folders)."""
    owner, sep, name = repo_id.partition("/")
    bad = {"", ".", ".."}
    if not sep or owner in bad or name in bad or "/" in name or owner.startswith("."):
        raise DownloadError(
            f"'{repo_id}' is not a repository id (owner/name).",
            DownloadCode.NOT_A_REPO_ID,
            {"repo": repo_id},
        )
    return owner, name


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
        raise DownloadError(
            f"The repository lists an unsafe file name: {path!r}.",
            DownloadCode.UNSAFE_FILE_NAME,
            {"file": repr(path)},
        )


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
