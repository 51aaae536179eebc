"""The download queue on disk, and the first-run prompt's "Not now", in the data dir.

Both live in their own JSON files, written atomically (temp file, fsync, rename), so a killed
app leaves either the old or the new queue, never half of one. Bytes already downloaded are
not stored here: the `.part` files are the truth, read again when the queue is loaded.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from app.core.files import write_text_atomically
from app.core.models.errors import DownloadError, Sentence, sentence_from_json
from app.core.models.layout import check_relative, meta_path, repo_folder, staging_folder
from app.core.models.store import part_path

QUEUE_FILE = "downloads.json"
FIRST_RUN_FILE = "first_run.json"
QUEUE_VERSION = 1

QUEUED = "queued"
DOWNLOADING = "downloading"
PAUSED = "paused"
FAILED = "failed"
VERIFYING = "verifying"
DONE = "done"
STATES = (QUEUED, DOWNLOADING, PAUSED, FAILED, VERIFYING, DONE)
# What was in flight when the app closed (or died) comes back paused: nothing connects on
# start-up without the person asking.
_RESTORED_AS = {DOWNLOADING: PAUSED, VERIFYING: PAUSED, QUEUED: PAUSED}


@dataclass(frozen=True)
class QueuedDownload:
    """One queue item: a GGUF file (`file`) or a whole IR repository (`file` None)."""

    id: str
    title: str
    repo: str
    file: str | None
    size_bytes: int
    repo_ids: dict[str, str] = field(default_factory=dict)
    state: str = QUEUED
    error: str = ""  # English (the CLI's words); the GUI words `error_sentence`
    path: str = ""  # the installed model, once done
    error_sentence: Sentence | None = None  # why it failed, as a code with params
    # Live figures, never saved.
    done_bytes: int = 0
    speed_bps: float = 0.0
    eta_s: float | None = None
    source: str = ""
    note: Sentence | None = None  # the latest thing worth telling: a failover, a restart


_SAVED = ("id", "title", "repo", "file", "size_bytes", "repo_ids", "state", "error", "path")
# Saved beside `_SAVED` as JSON of its own (`Sentence.to_json`); a damaged one is dropped, and
# the English `error` is shown instead.
_SAVED_SENTENCE = "error_sentence"


def target_path(models_dir: Path, item: QueuedDownload) -> Path:
    folder = repo_folder(models_dir, item.repo)
    return folder / item.file if item.file else folder


def staging_path(models_dir: Path, item: QueuedDownload) -> Path:
    return staging_folder(models_dir, item.repo)


def bytes_on_disk(models_dir: Path, item: QueuedDownload) -> int:
    """How much of the item is already downloaded (partial or complete)."""
    target = target_path(models_dir, item)
    if item.file:
        for path in (target, part_path(target)):
            if path.is_file():
                return min(path.stat().st_size, item.size_bytes)
        return 0
    if target.is_dir():
        return item.size_bytes
    staging = staging_path(models_dir, item)
    if not staging.is_dir():
        return 0
    return sum(p.stat().st_size for p in staging.rglob("*") if p.is_file())


def partial_files(models_dir: Path, item: QueuedDownload) -> list[Path]:
    """What cancelling deletes: the `.part` and its record, or the IR staging folder."""
    if item.file:
        part = part_path(target_path(models_dir, item))
        return [part, meta_path(part)]
    return [staging_path(models_dir, item)]


def load_queue(data_dir: Path, models_dir: Path) -> list[QueuedDownload]:
    """The saved queue, with in-flight items paused; a missing or broken file is empty, and a
    row that is not one `save_queue` could have written is left out."""
    try:
        raw = json.loads((data_dir / QUEUE_FILE).read_text(encoding="utf-8"))
        rows = raw["items"] if isinstance(raw, dict) else []
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return []
    names = {f.name for f in fields(QueuedDownload)}
    items = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        try:
            item = QueuedDownload(**{k: v for k, v in row.items() if k in names and k in _SAVED})
        except TypeError:
            continue  # a hand-edited row without its required fields
        if not _is_valid(item):
            continue
        item = replace(item, error_sentence=sentence_from_json(row.get(_SAVED_SENTENCE)))
        item = replace(item, state=_RESTORED_AS.get(item.state, item.state))
        items.append(replace(item, done_bytes=bytes_on_disk(models_dir, item)))
    return items


def _is_valid(item: QueuedDownload) -> bool:
    """Each saved field has the type `save_queue` writes, and the names stay inside the models
    folder: cancelling an item deletes files under them."""
    texts = (item.id, item.title, item.repo, item.state, item.error, item.path)
    if not all(isinstance(t, str) for t in texts) or not item.id or item.state not in STATES:
        return False
    size = item.size_bytes
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return False
    if not isinstance(item.repo_ids, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in item.repo_ids.items()
    ):
        return False
    if item.file is not None and not isinstance(item.file, str):
        return False
    try:
        for repo in (item.repo, *item.repo_ids.values()):
            repo_folder(Path(), repo)  # refuses anything but owner/name
        if item.file is not None:
            check_relative(item.file)
        for text in (*texts, *item.repo_ids, *item.repo_ids.values(), item.file or ""):
            text.encode("utf-8")  # a lone surrogate could be neither shown nor saved again
    except (DownloadError, UnicodeEncodeError):
        return False
    return True


def save_queue(data_dir: Path, items: list[QueuedDownload]) -> None:
    rows = [_row(item) for item in items]
    _write_json(data_dir / QUEUE_FILE, {"version": QUEUE_VERSION, "items": rows})


def _row(item: QueuedDownload) -> dict[str, Any]:
    row = {k: v for k, v in asdict(item).items() if k in _SAVED}
    if item.error_sentence is not None:
        row[_SAVED_SENTENCE] = item.error_sentence.to_json()
    return row


def first_run_dismissed(data_dir: Path) -> bool:
    try:
        raw = json.loads((data_dir / FIRST_RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(raw, dict) and bool(raw.get("dismissed"))


def dismiss_first_run(data_dir: Path) -> None:
    _write_json(data_dir / FIRST_RUN_FILE, {"dismissed": True})


def _write_json(path: Path, body: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(body, indent=2))
