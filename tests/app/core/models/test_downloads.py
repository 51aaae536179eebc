"""The resumable downloader against a local fake Hub (127.0.0.1 only, never the real Hub)."""

from __future__ import annotations

import errno
import hashlib
import io
import random
import shutil
from collections import namedtuple
from pathlib import Path
from typing import IO

import pytest

from app.core.models import part_record, transfer
from app.core.models.downloads import Downloader
from app.core.models.errors import (
    AuthRequiredError,
    DiskFullError,
    DownloadCancelled,
    DownloadError,
    HashMismatchError,
    NotFoundError,
)
from app.core.models.progress import DownloadControl, Progress
from app.core.models.store import ModelStore, part_path
from tests import fakehub
from tests.engine.gguf_factory import write_llama_gguf
from tests.fakehub import TOKEN, FakeHub

# The fake Hub fixtures, used by name.
fake_hub = fakehub.fake_hub
mirror_hub = fakehub.mirror_hub

REPO = "test-org/Tiny-GGUF"
NAME = "tiny.gguf"
DATA = random.Random(0).randbytes(400_000)


class Killed(BaseException):
    """Stands in for the process dying mid-transfer (nothing after it runs)."""


def downloader(models: Path, hub: FakeHub, **options: object) -> Downloader:
    settings: dict[str, object] = {"backoff_s": 0.01, **options}
    return Downloader(models, endpoint=hub.url, **settings)  # type: ignore[arg-type]


@pytest.fixture
def models(tmp_path: Path) -> Path:
    return tmp_path / "models"


def target(models: Path) -> Path:
    return models / "test-org" / "Tiny-GGUF" / NAME


def listed(models: Path, tmp_path: Path) -> list[str]:
    return [m.name for m in ModelStore(models, tmp_path / "no-bundled").list()]


def test_download_registers_a_real_model(fake_hub: FakeHub, models: Path, tmp_path: Path) -> None:
    gguf = write_llama_gguf(tmp_path / "src.gguf") or tmp_path / "src.gguf"
    fake_hub.add_repo(REPO, {NAME: Path(gguf).read_bytes(), "README.md": b"# tiny\n"})
    seen: list[Progress] = []
    path = downloader(models, fake_hub).download_file(REPO, NAME, on_progress=seen.append)
    assert path == target(models)
    assert path.read_bytes() == Path(gguf).read_bytes()
    assert not part_path(path).exists()
    assert seen and seen[-1].done_bytes == seen[-1].total_bytes == path.stat().st_size
    store = ModelStore(models, tmp_path / "no-bundled").list()
    assert [(m.name, m.error) for m in store] == [("tiny", None)]


def test_pause_keeps_the_part_and_resume_uses_range(
    fake_hub: FakeHub, models: Path, tmp_path: Path
) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.throttle_bps = 1_000_000  # progress is reported every 0.1 s: give it time
    control = DownloadControl()

    def pause_early(p: Progress) -> None:
        if p.done_bytes >= 50_000:
            control.pause()

    with pytest.raises(DownloadCancelled) as paused:
        downloader(models, fake_hub).download_file(
            REPO, NAME, on_progress=pause_early, control=control
        )
    assert paused.value.kept_partial
    part = part_path(target(models))
    kept = part.stat().st_size
    assert 0 < kept < len(DATA)
    assert not target(models).exists() and listed(models, tmp_path) == []

    fake_hub.throttle_bps = None
    path = downloader(models, fake_hub).download_file(REPO, NAME)
    assert fake_hub.file_gets(NAME)[-1].range == f"bytes={kept}-"
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(DATA).digest()
    assert not part.exists()


def test_cancel_deletes_the_part(fake_hub: FakeHub, models: Path) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA})
    control = DownloadControl()
    with pytest.raises(DownloadCancelled) as cancelled:
        downloader(models, fake_hub).download_file(
            REPO, NAME, on_progress=lambda p: control.cancel(), control=control
        )
    assert not cancelled.value.kept_partial
    assert not part_path(target(models)).exists() and not target(models).exists()


def test_killed_process_resumes_in_a_new_downloader(fake_hub: FakeHub, models: Path) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.throttle_bps = 1_000_000

    def die(p: Progress) -> None:
        if p.done_bytes >= 100_000:
            raise Killed

    with pytest.raises(Killed):
        downloader(models, fake_hub).download_file(REPO, NAME, on_progress=die)
    kept = part_path(target(models)).stat().st_size
    assert kept >= 100_000

    fake_hub.throttle_bps = None
    seen: list[Progress] = []
    path = downloader(models, fake_hub).download_file(REPO, NAME, on_progress=seen.append)
    assert fake_hub.file_gets(NAME)[-1].range == f"bytes={kept}-"
    assert path.read_bytes() == DATA
    assert seen[0].done_bytes > kept  # progress counts the bytes from the first run


def test_dropped_connection_is_retried_from_the_part(fake_hub: FakeHub, models: Path) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.die_after, fake_hub.die_times = 150_000, 2
    path = downloader(models, fake_hub).download_file(REPO, NAME)
    ranges = [g.range for g in fake_hub.file_gets(NAME)]
    assert ranges[0] is None and all(r and r.startswith("bytes=") for r in ranges[1:])
    assert len(ranges) == 3
    assert path.read_bytes() == DATA


def test_stall_is_detected_and_retried(fake_hub: FakeHub, models: Path) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.stall_after, fake_hub.stall_times = 100_000, 1
    path = downloader(models, fake_hub, stall_timeout_s=0.3).download_file(REPO, NAME)
    gets = fake_hub.file_gets(NAME)
    assert len(gets) == 2 and gets[1].range is not None
    assert path.read_bytes() == DATA


def test_gives_up_after_retries_but_keeps_the_part(fake_hub: FakeHub, models: Path) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.die_after, fake_hub.die_times = 0, 100
    with pytest.raises(DownloadError, match="run the download again to resume"):
        downloader(models, fake_hub, max_retries=2).download_file(REPO, NAME)
    assert len(fake_hub.file_gets(NAME)) == 3
    assert not target(models).exists()


def test_hash_mismatch_is_rejected_and_nothing_registered(
    fake_hub: FakeHub, models: Path, tmp_path: Path
) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA}, fake_sha256={NAME: "0" * 64})
    with pytest.raises(HashMismatchError, match="checksum"):
        downloader(models, fake_hub).download_file(REPO, NAME)
    assert not target(models).exists() and not part_path(target(models)).exists()
    assert listed(models, tmp_path) == []


def test_no_space_is_refused_before_any_transfer(
    fake_hub: FakeHub, models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA})
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(DiskFullError, match="Not enough disk space"):
        downloader(models, fake_hub).download_file(REPO, NAME)
    assert fake_hub.file_gets(NAME) == []
    assert not part_path(target(models)).exists()


def test_disk_full_while_writing_keeps_the_part_for_later(
    fake_hub: FakeHub, models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA})
    real_write = transfer._write_chunk
    writes = 0

    class FullDisk:
        def write(self, _: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    def filling(fh: IO[bytes], chunk: bytes) -> None:
        nonlocal writes
        writes += 1
        real_write(fh if writes <= 3 else FullDisk(), chunk)  # type: ignore[arg-type]

    monkeypatch.setattr(transfer, "_write_chunk", filling)
    with pytest.raises(DiskFullError, match="filled up"):
        downloader(models, fake_hub).download_file(REPO, NAME)
    part = part_path(target(models))
    assert 0 < part.stat().st_size < len(DATA) and not target(models).exists()

    monkeypatch.setattr(transfer, "_write_chunk", real_write)
    assert downloader(models, fake_hub).download_file(REPO, NAME).read_bytes() == DATA


class _FillsUp(io.FileIO):
    """A file on a disk with `room` bytes left: writes past it fail with ENOSPC, as the OS
    does (one short write, then the error)."""

    room = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]
        left = _FillsUp.room - self.tell()
        if left <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(memoryview(data)[:left])


def test_disk_full_with_bytes_still_buffered_gives_the_clear_message(
    fake_hub: FakeHub, models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: the write's DiskFullError was replaced by a second OSError when the `with`
    block closed the file (its buffer flush hit the full disk too): "[Errno 28] No space"."""
    fake_hub.add_repo(REPO, {NAME: DATA})
    _FillsUp.room = 150_000

    def buffered_open(file: Path, mode: str = "r", *args: object, **kwargs: object) -> IO[bytes]:
        if mode in ("wb", "ab"):  # the `.part`, opened by the transfer
            return io.BufferedWriter(_FillsUp(file, mode), buffer_size=64 * 1024)  # type: ignore[return-value]
        return open(file, mode, *args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(transfer, "open", buffered_open, raising=False)
    with pytest.raises(DiskFullError) as full:
        downloader(models, fake_hub).download_file(REPO, NAME)
    assert str(full.value) == transfer.DISK_FULL_MESSAGE
    part = part_path(target(models))
    assert part.read_bytes() == DATA[:150_000]  # what fitted is kept, and it is right

    monkeypatch.undo()
    assert downloader(models, fake_hub).download_file(REPO, NAME).read_bytes() == DATA
    assert fake_hub.file_gets(NAME)[-1].range == "bytes=150000-"


def test_disk_full_when_recording_the_part_is_the_same_clear_error(
    fake_hub: FakeHub, models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA})

    def no_room(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(part_record, "_write_meta", no_room)
    with pytest.raises(DiskFullError, match="The disk filled up"):
        downloader(models, fake_hub).download_file(REPO, NAME)


def test_hash_mismatch_removes_the_part_record_too(fake_hub: FakeHub, models: Path) -> None:
    """Issue 15: the `.part.meta` stayed behind after the `.part` was deleted."""
    fake_hub.add_repo(REPO, {NAME: DATA}, fake_sha256={NAME: "0" * 64})
    with pytest.raises(HashMismatchError):
        downloader(models, fake_hub).download_file(REPO, NAME)
    folder = target(models).parent
    assert sorted(p.name for p in folder.iterdir()) == []


def test_no_space_message_names_the_reserve(
    fake_hub: FakeHub, models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: "needs 0.10 GB more and 0.12 GB is free" read as if it fitted."""
    fake_hub.add_repo(REPO, {NAME: DATA})
    usage = namedtuple("usage", "total used free")
    free = len(DATA) + transfer.DISK_RESERVE_BYTES - 5_000_000
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage(10**9, 10**9 - free, free))
    with pytest.raises(DiskFullError) as full:
        downloader(models, fake_hub).download_file(REPO, NAME)
    assert str(full.value).endswith(
        "the download needs 400 KB more and 62.5 MB is free, and the app keeps 67.1 MB free for "
        "your chats and settings. Free at least 5.00 MB and try again."
    )


IR_FILES = {
    "openvino_model.xml": b"<?xml version='1.0'?><net name='tiny' version='11'></net>",
    "openvino_model.bin": random.Random(1).randbytes(120_000),
    "openvino_tokenizer.xml": b"<?xml version='1.0'?><net name='tok' version='11'></net>",
    "openvino_tokenizer.bin": random.Random(2).randbytes(20_000),
    "config.json": b'{"model_type": "llama"}',
    ".gitattributes": b"*.bin filter=lfs\n",
}


def test_ir_folder_is_registered_only_when_every_file_verifies(
    fake_hub: FakeHub, models: Path, tmp_path: Path
) -> None:
    repo = fake_hub.add_repo(
        "OpenVINO/tiny-ov", IR_FILES, fake_sha256={"openvino_model.bin": "f" * 64}
    )
    with pytest.raises(HashMismatchError):
        downloader(models, fake_hub).download_repo("OpenVINO/tiny-ov")
    final = models / "OpenVINO" / "tiny-ov"
    assert not final.exists() and listed(models, tmp_path) == []

    repo.fake_sha256.clear()
    path = downloader(models, fake_hub).download_repo("OpenVINO/tiny-ov")
    assert path == final
    assert sorted(p.name for p in final.iterdir()) == sorted(set(IR_FILES) - {".gitattributes"})
    assert (final / "openvino_model.bin").read_bytes() == IR_FILES["openvino_model.bin"]
    assert not any((models / ".staging").iterdir())
    assert listed(models, tmp_path) == ["tiny-ov"]


def test_cancelled_ir_download_leaves_nothing(fake_hub: FakeHub, models: Path) -> None:
    fake_hub.add_repo("OpenVINO/tiny-ov", IR_FILES)
    control = DownloadControl()
    with pytest.raises(DownloadCancelled):
        downloader(models, fake_hub).download_repo(
            "OpenVINO/tiny-ov", on_progress=lambda p: control.cancel(), control=control
        )
    assert not (models / "OpenVINO").exists()
    assert not any((models / ".staging").iterdir())


def test_private_repo_needs_the_token(fake_hub: FakeHub, models: Path) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA}, private=True)
    with pytest.raises(AuthRequiredError, match="needs a Hugging Face token"):
        downloader(models, fake_hub).download_file(REPO, NAME)
    with pytest.raises(AuthRequiredError, match="refused with this token"):
        downloader(models, fake_hub, token="hf_wrong").download_file(REPO, NAME)
    path = downloader(models, fake_hub, token=TOKEN).download_file(REPO, NAME)
    assert path.read_bytes() == DATA
    assert fake_hub.file_gets(NAME)[-1].authorization == f"Bearer {TOKEN}"


def test_missing_repo_and_file_are_clear(fake_hub: FakeHub, models: Path) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA})
    with pytest.raises(NotFoundError, match="no-such/repo"):
        downloader(models, fake_hub).download_file("no-such/repo", NAME)
    with pytest.raises(NotFoundError, match="no file named other.gguf"):
        downloader(models, fake_hub).download_file(REPO, "other.gguf")
    with pytest.raises(DownloadError, match="not a repository id"):
        downloader(models, fake_hub).download_file("../etc", NAME)


def test_mirror_endpoint_is_honoured(fake_hub: FakeHub, mirror_hub: FakeHub, models: Path) -> None:
    mirror_hub.add_repo(REPO, {NAME: DATA})
    path = downloader(models, mirror_hub).download_file(REPO, NAME)
    assert path.read_bytes() == DATA
    assert fake_hub.log == [] and mirror_hub.file_gets(NAME)


def test_an_installed_file_is_not_downloaded_again(fake_hub: FakeHub, models: Path) -> None:
    fake_hub.add_repo(REPO, {NAME: DATA})
    downloader(models, fake_hub).download_file(REPO, NAME)
    downloader(models, fake_hub).download_file(REPO, NAME)
    assert len(fake_hub.file_gets(NAME)) == 1
