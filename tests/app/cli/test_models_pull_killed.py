"""`models pull` killed with SIGKILL mid-download (issue 15): no Ctrl+C handler runs, no
buffer is flushed, nothing is cleaned up. The next pull resumes with an HTTP Range request from
the size the `.part` has on disk and installs a byte-identical file; bytes of that `.part`
damaged meanwhile are refused by the SHA-256 check, never installed.

(tests/app/cli/test_models_cli.py's Ctrl+C test interrupts in-process; this kills the process.)
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.models.layout import meta_path
from app.core.models.store import part_path
from tests import fakehub
from tests.engine.gguf_factory import write_llama_gguf
from tests.fakehub import FakeHub

fake_hub = fakehub.fake_hub

REPO_ROOT = Path(__file__).resolve().parents[3]
REPO = "test-org/Killed-GGUF"
NAME = "killed.gguf"
SIZE = 3_000_000
# Slow enough that the pull is surely killed mid-file, fast enough to keep the test short.
THROTTLE_BPS = 1_000_000
KILL_AFTER_BYTES = 400_000


@pytest.fixture(scope="module")
def model_data(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A usable GGUF padded with random bytes (allowed after its tensors) to SIZE."""
    data = write_llama_gguf(tmp_path_factory.mktemp("gguf") / "m.gguf").read_bytes()
    return data + random.Random(5).randbytes(SIZE - len(data))


def _pull(hub: FakeHub) -> list[str]:
    command = [sys.executable, "main.py", "models", "pull", REPO, "--file", NAME]
    return command + ["--source", "mirror", "--endpoint", hub.url]  # the fake Hub only


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "MINICPM_CHAT_HOME": str(home)}


def _target(home: Path) -> Path:
    return home / "models" / "test-org" / "Killed-GGUF" / NAME


def pull_and_kill(hub: FakeHub, home: Path) -> int:
    """Starts a throttled pull, SIGKILLs it once the `.part` holds some bytes; its size then."""
    hub.throttle_bps = THROTTLE_BPS
    part = part_path(_target(home))
    child = subprocess.Popen(
        _pull(hub),
        cwd=REPO_ROOT,
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not (part.exists() and part.stat().st_size >= KILL_AFTER_BYTES):
            assert child.poll() is None, "the pull ended before it could be killed"
            assert time.monotonic() < deadline, "the pull never started writing"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    hub.throttle_bps = None
    kept = part.stat().st_size
    assert KILL_AFTER_BYTES <= kept < SIZE  # killed mid-file, the partial bytes kept
    assert not _target(home).exists()
    return kept


def pull(hub: FakeHub, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _pull(hub),
        cwd=REPO_ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_a_killed_pull_resumes_with_range_and_installs_the_same_bytes(
    fake_hub: FakeHub, model_data: bytes, tmp_path: Path
) -> None:
    fake_hub.add_repo(REPO, {NAME: model_data})
    home = tmp_path / "home"
    kept = pull_and_kill(fake_hub, home)

    done = pull(fake_hub, home)
    assert done.returncode == 0, done.stderr
    gets = fake_hub.file_gets(NAME)
    assert [g.range for g in gets] == [None, f"bytes={kept}-"]  # resumed, not started over
    installed = _target(home).read_bytes()
    assert hashlib.sha256(installed).digest() == hashlib.sha256(model_data).digest()
    assert installed == model_data
    assert not part_path(_target(home)).exists()
    assert not meta_path(part_path(_target(home))).exists()


@pytest.mark.slow
def test_a_damaged_part_left_by_a_killed_pull_is_refused_by_its_checksum(
    fake_hub: FakeHub, model_data: bytes, tmp_path: Path
) -> None:
    """The resume trusts the `.part`'s bytes (it asks only for the rest); a byte that changed on
    disk after the kill must still keep the file from being installed."""
    fake_hub.add_repo(REPO, {NAME: model_data})
    home = tmp_path / "home"
    part = part_path(_target(home))
    kept = pull_and_kill(fake_hub, home)
    damaged = bytearray(part.read_bytes())
    damaged[kept // 2] ^= 0xFF
    part.write_bytes(bytes(damaged))

    refused = pull(fake_hub, home)
    assert refused.returncode == 1
    assert f"error: {NAME} is corrupt: its checksum does not match" in refused.stderr
    assert fake_hub.file_gets(NAME)[-1].range == f"bytes={kept}-"  # it did resume
    assert not _target(home).exists()  # nothing installed
    assert not part.exists() and not meta_path(part).exists()  # the bad bytes are gone

    again = pull(fake_hub, home)  # so the next pull starts clean and succeeds
    assert again.returncode == 0, again.stderr
    assert fake_hub.file_gets(NAME)[-1].range is None
    assert _target(home).read_bytes() == model_data
