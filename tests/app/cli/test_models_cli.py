"""`python main.py models search | pull | rm | import` against a local fake Hub."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail

import main
from app.cli import models as models_cli
from app.core import paths
from app.core.models.store import part_path
from app.core.secrets import save_token
from engine.machine import CudaGpu, Hardware, OpenVinoDevice
from tests import fakehub
from tests.app.cli.test_chat_cli import run_main
from tests.app.core.test_secrets import MemoryKeyring
from tests.engine.gguf_factory import write_llama_gguf
from tests.fakehub import FakeHub

# The fake Hub fixtures, used by name.
fake_hub = fakehub.fake_hub

REPO = "test-org/Tiny-GGUF"


@pytest.fixture(autouse=True)
def _no_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No HF_TOKEN and no keyring unless a test sets one: pulls never reach the real keyring."""
    monkeypatch.delenv("HF_TOKEN", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("gguf") / "tiny.gguf"
    write_llama_gguf(path)
    return path.read_bytes()


def listed_names(capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert main.main(["models", "list", "--json"]) == 0
    return [row["name"] for row in json.loads(capsys.readouterr().out)]


@pytest.mark.slow
def test_pull_then_list_then_chat(
    fake_hub: FakeHub, tiny_gguf: bytes, capsys: pytest.CaptureFixture[str], _private_home: Path
) -> None:
    fake_hub.add_repo(REPO, {"tiny-chat.gguf": tiny_gguf, "README.md": b"hi"})
    assert main.main(["models", "pull", REPO, "--endpoint", fake_hub.url]) == 0
    out = capsys.readouterr().out
    assert "Installed tiny-chat" in out
    assert "tiny-chat" in listed_names(capsys)
    done = run_main("chat", "-m", "tiny-chat", "--max-tokens", "2", "hello", home=_private_home)
    assert done.returncode == 0, done.stderr


def test_pull_a_catalog_name_from_a_mirror(
    fake_hub: FakeHub, tiny_gguf: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fake serves our tiny model under the catalog's repo and file names.
    fake_hub.add_repo("openbmb/MiniCPM5-1B-GGUF", {"MiniCPM5-1B-Q4_K_M.gguf": tiny_gguf})
    assert main.main(["models", "pull", "minicpm5-1b", "--endpoint", fake_hub.url]) == 0
    target = paths.models_dir() / "openbmb" / "MiniCPM5-1B-GGUF" / "MiniCPM5-1B-Q4_K_M.gguf"
    assert target.read_bytes() == tiny_gguf
    assert "MiniCPM5-1B-Q4_K_M" in listed_names(capsys)


def test_ctrl_c_then_rerun_resumes(
    fake_hub: FakeHub,
    tiny_gguf: bytes,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tiny_gguf + bytes(250_000)  # a usable model (bytes after its tensors are allowed)
    fake_hub.add_repo(REPO, {"big.gguf": data})
    fake_hub.throttle_bps = 2_000_000
    calls = 0
    real_call = models_cli._ProgressLine.__call__

    def interrupt_second_report(self: models_cli._ProgressLine, p: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        real_call(self, p)  # type: ignore[arg-type]

    monkeypatch.setattr(models_cli._ProgressLine, "__call__", interrupt_second_report)
    assert main.main(["models", "pull", REPO, "--endpoint", fake_hub.url]) == 130
    assert "Run the same command again to resume" in capsys.readouterr().err
    part = part_path(paths.models_dir() / "test-org" / "Tiny-GGUF" / "big.gguf")
    kept = part.stat().st_size
    assert 0 < kept < len(data)

    monkeypatch.setattr(models_cli._ProgressLine, "__call__", real_call)
    fake_hub.throttle_bps = None
    assert main.main(["models", "pull", REPO, "--endpoint", fake_hub.url]) == 0
    assert fake_hub.file_gets("big.gguf")[-1].range == f"bytes={kept}-"
    assert (part.parent / "big.gguf").read_bytes() == data


def test_a_download_that_is_no_model_is_refused_and_deleted(
    fake_hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 15: the checksum matched, so the file stayed and `models list` showed it as
    unusable, while `models import` refused the very same file."""
    fake_hub.add_repo(REPO, {"junk.gguf": b"GGUF" + bytes(range(256)) * 40})
    assert main.main(["models", "pull", REPO, "--endpoint", fake_hub.url]) == 1
    last = capsys.readouterr().err.splitlines()[-1]  # after the progress line
    assert last.startswith("error: junk.gguf was downloaded and matches the source's checksum")
    assert "not a usable model, so it was deleted: " in last
    assert "junk" not in listed_names(capsys)
    assert not (paths.models_dir() / "test-org").exists()  # nor its empty folders


def test_pull_a_private_repo_with_the_token_only_in_the_keyring(
    fake_hub: FakeHub, tiny_gguf: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 16: the CLI read only HF_TOKEN, so the token saved in Settings -> Downloads (the
    keyring) did not reach `models pull`."""
    fake_hub.add_repo(REPO, {"tiny-chat.gguf": tiny_gguf}, private=True)
    # Only the fake Hub (`--source mirror`): a failing pull would go on to huggingface.co.
    local = ["--endpoint", fake_hub.url, "--source", "mirror"]
    assert main.main(["models", "pull", REPO, *local]) == 1
    assert "needs a Hugging Face token" in capsys.readouterr().err
    keyring.set_keyring(MemoryKeyring())
    save_token(fakehub.TOKEN)
    assert main.main(["models", "pull", REPO, "--endpoint", fake_hub.url]) == 0
    assert "Installed tiny-chat" in capsys.readouterr().out
    gets = fake_hub.file_gets("tiny-chat.gguf")
    assert gets and gets[-1].authorization == f"Bearer {fakehub.TOKEN}"


def test_hf_token_wins_over_the_keyring(
    fake_hub: FakeHub,
    tiny_gguf: bytes,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_hub.add_repo(REPO, {"tiny-chat.gguf": tiny_gguf}, private=True)
    keyring.set_keyring(MemoryKeyring())
    save_token("hf_a_stale_saved_token")
    monkeypatch.setenv("HF_TOKEN", fakehub.TOKEN)
    assert main.main(["models", "pull", REPO, "--endpoint", fake_hub.url]) == 0
    assert fake_hub.file_gets("tiny-chat.gguf")[-1].authorization == f"Bearer {fakehub.TOKEN}"
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main.main(["models", "pull", "--help"])
    assert "HF_TOKEN if set (it wins), else" in " ".join(capsys.readouterr().out.split())


class _LockedKeyring(MemoryKeyring):
    """A keyring that is there but cannot be read (a locked or absent collection)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")


@pytest.mark.parametrize(
    "backend", [fail.Keyring(), _LockedKeyring()], ids=["no-keyring", "locked-keyring"]
)
def test_pull_without_a_usable_keyring_goes_on_without_a_token(
    backend: keyring.backend.KeyringBackend,
    fake_hub: FakeHub,
    tiny_gguf: bytes,
    capsys: pytest.CaptureFixture[str],
) -> None:
    keyring.set_keyring(backend)
    fake_hub.add_repo(REPO, {"tiny-chat.gguf": tiny_gguf})
    fake_hub.add_repo("test-org/Private", {"private.gguf": tiny_gguf}, private=True)
    assert main.main(["models", "pull", REPO, "--endpoint", fake_hub.url]) == 0
    assert fake_hub.file_gets("tiny-chat.gguf")[-1].authorization is None
    local = ["--endpoint", fake_hub.url, "--source", "mirror"]  # never huggingface.co
    assert main.main(["models", "pull", "test-org/Private", *local]) == 1
    assert "error: " in capsys.readouterr().err  # a message, not a traceback


def test_truncated_gguf_message_shows_a_difference(
    tiny_gguf: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 15: "ends at 264 KB but its tensors need 264 KB": rounding hid the lost byte."""
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_gguf[:-1])
    assert main.main(["models", "import", str(cut)]) == 1
    err = capsys.readouterr().err
    assert f"it ends at {len(tiny_gguf) - 1:,} bytes but its tensors need " in err
    assert f"need {len(tiny_gguf):,} bytes" in err


GB = 10**9
CPU_ONLY = Hardware(16 * GB, 8 * GB, "Test CPU", frozenset({"avx2"}), 8, (), False, ())


def fake_probe(monkeypatch: pytest.MonkeyPatch, hardware: Hardware = CPU_ONLY) -> list[bool]:
    """Replaces the (slow, machine-dependent) probe; returns its `accelerators` arguments."""
    calls: list[bool] = []

    def probe(*, accelerators: bool = False) -> Hardware:
        calls.append(accelerators)
        return hardware

    monkeypatch.setattr(models_cli, "probe_hardware", probe)
    return calls


def test_search_shows_fit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_probe(monkeypatch)
    assert main.main(["models", "search", "minicpm5-1b", "--ram-gb", "16", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    default = [r for r in rows if r["file"] == "MiniCPM5-1B-Q4_K_M.gguf"]
    assert default and default[0]["fit"] == "fits" and default[0]["recommended"]
    # 7 GB: too little even with the q8_0 cache "auto" counts where f16 does not fit.
    assert main.main(["models", "search", "4.1-8b", "--ram-gb", "7", "--ctx", "65536"]) == 0
    text = capsys.readouterr().out
    assert "MiniCPM4.1-8B-Q4_K_M.gguf" in text and "too large" in text
    assert "RUNS BEST ON" in text and "llama · CPU" in text
    assert calls == [True, True]


def test_search_recommends_the_gpu_the_probe_found(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    gpus = (CudaGpu("Test RTX", 24 * GB, 20 * GB),)
    cuda = Hardware(16 * GB, 8 * GB, "Test CPU", frozenset({"avx2"}), 8, (), True, gpus)
    fake_probe(monkeypatch, cuda)
    assert main.main(["models", "search", "4.1-8b", "--ram-gb", "8", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    gguf = next(r for r in rows if r["file"] == "MiniCPM4.1-8B-Q4_K_M.gguf")
    assert (gguf["backend"], gguf["device"], gguf["fit"]) == ("llama", "CUDA", "fits")
    assert "Test RTX" in gguf["fit_detail"]
    assert main.main(["models", "search", "4.1-8b"]) == 0
    text = capsys.readouterr().out
    assert "CUDA: Test RTX" in text and "llama · CUDA" in text


def test_search_names_openvino_devices(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    devices = (OpenVinoDevice("CPU", "Test CPU"), OpenVinoDevice("GPU", "Test Arc", 16 * GB))
    fake_probe(monkeypatch, Hardware(16 * GB, 8 * GB, "Test CPU", frozenset(), 8, devices))
    assert main.main(["models", "search", "4.1-8b"]) == 0
    assert "OpenVINO: CPU, GPU (Test Arc, 16.0 GB)" in capsys.readouterr().out


def test_rm_asks_unless_yes(
    fake_hub: FakeHub, tiny_gguf: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_hub.add_repo(REPO, {"tiny-chat.gguf": tiny_gguf})
    assert main.main(["models", "pull", REPO, "--endpoint", fake_hub.url]) == 0
    assert main.main(["models", "rm", "tiny-chat"]) == 1  # stdin is not a terminal here
    assert "tiny-chat" in listed_names(capsys)
    assert main.main(["models", "rm", "tiny-chat", "--yes"]) == 0
    assert "tiny-chat" not in listed_names(capsys)
    assert not (paths.models_dir() / "test-org").exists()  # empty repo folders pruned
    assert main.main(["models", "rm", "tiny-chat", "--yes"]) == 1


def test_import_validates_then_copies(
    tiny_gguf: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "my-model.gguf"
    good.write_bytes(tiny_gguf)
    assert main.main(["models", "import", str(good)]) == 0
    assert (paths.models_dir() / "imported" / "my-model.gguf").read_bytes() == tiny_gguf
    assert "my-model" in listed_names(capsys)
    assert main.main(["models", "import", str(good)]) == 1  # already there

    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 40)
    assert main.main(["models", "import", str(broken)]) == 1
    assert "error:" in capsys.readouterr().err
    assert not (paths.models_dir() / "imported" / "broken.gguf").exists()


def test_unknown_name_and_several_ggufs_are_clear(
    fake_hub: FakeHub, tiny_gguf: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["models", "pull", "no-such-model"]) == 1
    assert "not in the catalog" in capsys.readouterr().err
    fake_hub.add_repo(REPO, {"a-Q8_0.gguf": tiny_gguf, "a-F16.gguf": tiny_gguf})
    assert main.main(["models", "pull", REPO, "--endpoint", fake_hub.url]) == 1
    assert "pick one with --file" in capsys.readouterr().err
    assert (
        main.main(["models", "pull", REPO, "--endpoint", fake_hub.url, "--file", "a-F16.gguf"]) == 0
    )
