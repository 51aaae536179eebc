"""ModelScope as a source, failover between sources, and the offline switch.

Every server is a local fake on 127.0.0.1 (tests/fakehub.py); nothing reaches a real site.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

import main
from app.core import paths
from app.core.models.downloads import Downloader
from app.core.models.errors import (
    DownloadCode,
    DownloadError,
    HashMismatchError,
    NotFoundError,
    OfflineError,
)
from app.core.models.layout import meta_path
from app.core.models.progress import Progress
from app.core.models.sources import HuggingFaceSource, ModelScopeSource, RemoteFile, Source
from app.core.models.store import part_path
from tests import fakehub
from tests.fakehub import FakeHub, FakeModelScope

# The fake servers, used by name.
fake_hub = fakehub.fake_hub
mirror_hub = fakehub.mirror_hub
fake_modelscope = fakehub.fake_modelscope

HF_REPO = "openbmb/Tiny-GGUF"
MS_REPO = "OpenBMB/Tiny-GGUF"  # ModelScope spells the owner differently
REPO_IDS = {"modelscope": MS_REPO}
NAME = "tiny.gguf"
DATA = random.Random(0).randbytes(400_000)
OTHER = random.Random(1).randbytes(400_000)  # same size, different bytes


@pytest.fixture
def models(tmp_path: Path) -> Path:
    return tmp_path / "models"


def target(models: Path) -> Path:
    return models / "openbmb" / "Tiny-GGUF" / NAME


def hf(hub: FakeHub) -> HuggingFaceSource:
    return HuggingFaceSource(hub.url, name="hf")


def ms(server: FakeModelScope) -> ModelScopeSource:
    return ModelScopeSource(server.url)


def downloader(models: Path, *sources: Source, **options: object) -> Downloader:
    settings: dict[str, object] = {"backoff_s": 0.01, "stall_timeout_s": 2.0, **options}
    return Downloader(models, sources=list(sources), **settings)  # type: ignore[arg-type]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def range_start(header: str | None) -> int:
    assert header and header.startswith("bytes=")
    return int(header.removeprefix("bytes=").split("-")[0])


def test_modelscope_lists_and_downloads_with_hash_check(
    fake_modelscope: FakeModelScope, models: Path
) -> None:
    repo = fake_modelscope.add_repo(MS_REPO, {NAME: DATA, "sub/config.json": b"{}"})
    source = ms(fake_modelscope)
    files = {r.path: r for r in source.list_files(MS_REPO)}
    assert set(files) == {NAME, "sub/config.json"}  # the "tree" entry for sub/ is not a file
    assert files[NAME] == RemoteFile(
        NAME, len(DATA), sha(DATA), None, source.url_for(MS_REPO, NAME)[0], "modelscope"
    )
    listing = fake_modelscope.log[0]
    assert listing.path == f"/api/v1/models/{MS_REPO}/repo/files"

    seen: list[Progress] = []
    path = downloader(models, source).download_file(
        HF_REPO, NAME, repo_ids=REPO_IDS, on_progress=seen.append
    )
    assert path == target(models) and path.read_bytes() == DATA
    assert {p.source for p in seen} == {"modelscope"}
    assert not part_path(path).exists() and not meta_path(part_path(path)).exists()

    path.unlink()
    repo.fake_sha256[NAME] = "0" * 64
    with pytest.raises(HashMismatchError, match="checksum"):
        downloader(models, source).download_file(HF_REPO, NAME, repo_ids=REPO_IDS)
    assert not target(models).exists() and not part_path(target(models)).exists()


def test_killed_hub_fails_over_to_modelscope_and_reuses_the_part(
    fake_hub: FakeHub, fake_modelscope: FakeModelScope, models: Path
) -> None:
    fake_hub.add_repo(HF_REPO, {NAME: DATA})
    fake_modelscope.add_repo(MS_REPO, {NAME: DATA})
    fake_hub.kill_after, fake_hub.kill_times = 150_000, 1  # dies, then refuses connections
    seen: list[Progress] = []
    path = downloader(models, hf(fake_hub), ms(fake_modelscope)).download_file(
        HF_REPO, NAME, repo_ids=REPO_IDS, on_progress=seen.append
    )
    assert path.read_bytes() == DATA and sha(path.read_bytes()) == sha(DATA)
    assert len(fake_hub.file_gets(NAME)) == 1  # later tries were refused, never logged
    gets = fake_modelscope.file_gets(NAME)
    assert len(gets) == 1 and 0 < range_start(gets[0].range) <= 150_000
    assert any("switching to modelscope" in str(p.note).lower() for p in seen)
    (switched,) = [p.note for p in seen if p.note]
    assert (switched.code, switched.params) == (
        DownloadCode.SWITCHED_SOURCE,
        {"source": "hf", "next": "modelscope"},
    )
    assert switched.causes[0][0] == "hf"  # why it switched, as a code too
    sources = [p.source for p in seen if p.note is None]
    assert sources[0] == "hf" and sources[-1] == "modelscope"


def test_killed_process_resumes_on_another_source(
    fake_hub: FakeHub, fake_modelscope: FakeModelScope, models: Path
) -> None:
    fake_hub.add_repo(HF_REPO, {NAME: DATA})
    fake_modelscope.add_repo(MS_REPO, {NAME: DATA})
    fake_hub.throttle_bps = 1_000_000

    class Killed(BaseException):
        pass

    def die(p: Progress) -> None:
        if p.done_bytes >= 100_000:
            raise Killed

    with pytest.raises(Killed):
        downloader(models, hf(fake_hub)).download_file(HF_REPO, NAME, on_progress=die)
    kept = part_path(target(models)).stat().st_size
    # A later run where only ModelScope answers: same size and SHA-256, so the bytes are reused.
    path = downloader(models, ms(fake_modelscope)).download_file(HF_REPO, NAME, repo_ids=REPO_IDS)
    assert fake_modelscope.file_gets(NAME)[0].range == f"bytes={kept}-"
    assert path.read_bytes() == DATA


def test_a_500ing_source_fails_over(
    mirror_hub: FakeHub, fake_modelscope: FakeModelScope, models: Path
) -> None:
    mirror_hub.add_repo(HF_REPO, {NAME: DATA})
    mirror_hub.error_status = 500  # its listing fails
    fake_modelscope.add_repo(MS_REPO, {NAME: DATA})
    mirror = HuggingFaceSource(mirror_hub.url)
    path = downloader(models, mirror, ms(fake_modelscope)).download_file(
        HF_REPO, NAME, repo_ids=REPO_IDS
    )
    assert path.read_bytes() == DATA
    assert mirror_hub.log and fake_modelscope.file_gets(NAME)


def test_file_requests_answering_500_fail_over_after_a_retry(
    fake_hub: FakeHub, fake_modelscope: FakeModelScope, models: Path
) -> None:
    fake_hub.add_repo(HF_REPO, {NAME: DATA})
    fake_modelscope.add_repo(MS_REPO, {NAME: DATA})

    class ListsThenBreaks(HuggingFaceSource):
        def list_files(self, repo_id: str) -> list[RemoteFile]:
            files = super().list_files(repo_id)
            fake_hub.error_status = 503  # from now on every file request fails
            return files

    first = ListsThenBreaks(fake_hub.url, name="hf")
    path = downloader(models, first, ms(fake_modelscope), failover_retries=1).download_file(
        HF_REPO, NAME, repo_ids=REPO_IDS
    )
    assert path.read_bytes() == DATA
    assert len(fake_hub.file_gets(NAME)) == 2  # one try and one retry, then the next source
    assert fake_modelscope.file_gets(NAME)[0].range is None


def test_404_on_one_source_moves_to_the_next(
    fake_hub: FakeHub, fake_modelscope: FakeModelScope, models: Path
) -> None:
    fake_hub.add_repo(HF_REPO, {"other.gguf": DATA})  # the repo, but not the file
    fake_modelscope.add_repo(MS_REPO, {NAME: DATA})
    path = downloader(models, hf(fake_hub), ms(fake_modelscope)).download_file(
        HF_REPO, NAME, repo_ids=REPO_IDS
    )
    assert path.read_bytes() == DATA and fake_hub.file_gets(NAME) == []


def test_hash_disagreement_restarts_the_file_cleanly(
    fake_hub: FakeHub, fake_modelscope: FakeModelScope, models: Path
) -> None:
    fake_hub.add_repo(HF_REPO, {NAME: DATA})
    fake_modelscope.add_repo(MS_REPO, {NAME: OTHER})  # same name and size, other content
    fake_hub.kill_after, fake_hub.kill_times = 150_000, 1
    seen: list[Progress] = []
    path = downloader(models, hf(fake_hub), ms(fake_modelscope)).download_file(
        HF_REPO, NAME, repo_ids=REPO_IDS, on_progress=seen.append
    )
    assert path.read_bytes() == OTHER  # never a mix of the two
    assert fake_modelscope.file_gets(NAME)[0].range is None  # from byte 0
    assert any("starting this file over" in str(p.note) for p in seen)
    notes = [p.note for p in seen if p.note and p.note.code == DownloadCode.STARTED_OVER]
    assert notes and notes[0].params["file"] == NAME
    assert seen[-1].done_bytes == seen[-1].total_bytes == len(OTHER)


def test_every_source_failing_names_each(
    fake_hub: FakeHub, fake_modelscope: FakeModelScope, models: Path
) -> None:
    with pytest.raises(
        NotFoundError, match=r"Every download source failed.*\[hf\].*\[modelscope\]"
    ) as failed:
        downloader(models, hf(fake_hub), ms(fake_modelscope)).download_file(
            HF_REPO, NAME, repo_ids=REPO_IDS
        )
    assert failed.value.code == DownloadCode.ALL_FAILED
    causes = dict(failed.value.causes)
    assert causes["hf"].code == DownloadCode.REPO_NOT_FOUND
    assert causes["hf"].params["repo"] == HF_REPO
    assert causes["modelscope"].params["repo"] == MS_REPO


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_offline_makes_no_connection(
    fake_hub: FakeHub,
    fake_modelscope: FakeModelScope,
    models: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    fake_hub.add_repo(HF_REPO, {NAME: DATA})
    fake_modelscope.add_repo(MS_REPO, {NAME: DATA})
    if how == "environment":
        monkeypatch.setenv("MINICPM_CHAT_OFFLINE", "1")
        loader = downloader(models, hf(fake_hub), ms(fake_modelscope))
    else:
        loader = downloader(models, hf(fake_hub), ms(fake_modelscope), offline=True)
    with pytest.raises(OfflineError, match="Offline mode is on"):
        loader.list_files(HF_REPO)
    with pytest.raises(OfflineError):
        loader.download_file(HF_REPO, NAME, repo_ids=REPO_IDS)
    with pytest.raises(OfflineError):
        loader.download_repo(HF_REPO, repo_ids=REPO_IDS)
    assert fake_hub.log == [] and fake_modelscope.log == []
    assert not models.exists()


def test_cli_pulls_a_catalog_model_from_modelscope_when_the_mirror_lacks_it(
    fake_hub: FakeHub,
    fake_modelscope: FakeModelScope,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The catalog lists MiniCPM5-1B as OpenBMB/MiniCPM5-1B-GGUF on ModelScope.
    fake_modelscope.add_repo("OpenBMB/MiniCPM5-1B-GGUF", {"MiniCPM5-1B-Q4_K_M.gguf": DATA})
    argv = ["models", "pull", "minicpm5-1b", "--endpoint", fake_hub.url]
    argv += ["--source", "mirror,modelscope", "--modelscope-endpoint", fake_modelscope.url]
    assert main.main(argv) == 1  # random bytes are no model, but the download itself worked
    err = capsys.readouterr().err
    assert "Switching to modelscope" in err and "not a usable model, so it was deleted" in err
    assert fake_modelscope.file_gets("MiniCPM5-1B-Q4_K_M.gguf")  # fetched from ModelScope
    assert not (paths.models_dir() / "openbmb").exists()  # checked like an import, removed

    monkeypatch.setenv("MINICPM_CHAT_OFFLINE", "1")
    fake_modelscope.log.clear()
    assert main.main([*argv, "--file", "MiniCPM5-1B-Q8_0.gguf"]) == 1
    assert "Offline mode is on" in capsys.readouterr().err
    assert fake_modelscope.log == []


def test_cli_rejects_unknown_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["models", "pull", "minicpm5-1b", "--source", "ftp"]) == 1
    assert "Unknown source 'ftp'" in capsys.readouterr().err
    assert main.main(["models", "pull", "minicpm5-1b", "--source", "mirror"]) == 1
    assert "--endpoint" in capsys.readouterr().err


def test_sources_need_distinct_names(models: Path) -> None:
    with pytest.raises(ValueError, match="distinct"):
        Downloader(models, sources=[HuggingFaceSource(), HuggingFaceSource()])
    with pytest.raises(DownloadError, match="not a repository id"):
        Downloader(models, offline=False).list_files("no-slash")


IR_FILES = {
    "openvino_model.xml": b"<?xml version='1.0'?><net name='tiny' version='11'></net>",
    "openvino_model.bin": random.Random(2).randbytes(120_000),
    "config.json": b'{"model_type": "llama"}',
}


def test_repeated_stalls_fail_over_for_a_whole_ir_folder(
    fake_hub: FakeHub, fake_modelscope: FakeModelScope, models: Path
) -> None:
    fake_hub.add_repo("OpenVINO/tiny-ov", IR_FILES)
    fake_modelscope.add_repo("OpenVINO/tiny-ov", IR_FILES)
    fake_hub.stall_after, fake_hub.stall_times = 0, 100  # connects, then never sends a byte
    loader = downloader(models, hf(fake_hub), ms(fake_modelscope), stall_timeout_s=0.3)
    final = loader.download_repo("OpenVINO/tiny-ov")
    assert sorted(p.name for p in final.iterdir()) == sorted(IR_FILES)
    assert (final / "openvino_model.bin").read_bytes() == IR_FILES["openvino_model.bin"]
    assert len([e for e in fake_hub.log if e.file]) == 2  # one stall, one retry, then moved on
    assert len([e for e in fake_modelscope.log if e.file]) == len(IR_FILES)
