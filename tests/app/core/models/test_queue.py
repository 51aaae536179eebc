"""The download queue: its Qt list model, the manager's worker thread and its file on disk,
against the local fake Hub (127.0.0.1 only)."""

from __future__ import annotations

import gc
import json
import random
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core import paths
from app.core.models.catalog import Variant, load_catalog
from app.core.models.errors import DownloadCode, Sentence
from app.core.models.queue import (
    DONE,
    DOWNLOADING,
    FAILED,
    PAUSED,
    QueuedDownload,
    load_queue,
    save_queue,
)
from app.core.models.store import part_path
from app.core.settings import Settings
from app.models.manager import DownloadManager
from app.models.queue_model import DETAIL_ROLE, ID_ROLE, STATE_ROLE, DownloadQueueListModel
from engine.machine import Hardware
from tests import fakehub
from tests.engine.gguf_factory import write_llama_gguf
from tests.fakehub import FakeHub

fake_hub = fakehub.fake_hub

REPO = "openbmb/MiniCPM5-1B-GGUF"
NAME = "MiniCPM5-1B-Q4_K_M.gguf"


def model_bytes(size: int, seed: int) -> bytes:
    """A usable GGUF of exactly `size` bytes (random bytes after its tensors): the manager
    checks a finished download as an import is checked, and deletes one that is no model."""
    with tempfile.TemporaryDirectory() as folder:
        data = write_llama_gguf(Path(folder) / "m.gguf", seed=seed).read_bytes()
    assert len(data) <= size
    return data + random.Random(seed).randbytes(size - len(data))


DATA = model_bytes(600_000, 1)
HARDWARE = Hardware(16 * 10**9, 8 * 10**9, "Test CPU", frozenset({"avx2"}), 8)

MakeManager = Callable[..., DownloadManager]


def variant(file: str = NAME) -> Variant:
    picked = load_catalog().pick("minicpm5-1b", file)
    assert picked is not None
    return picked


@pytest.fixture
def make_manager(fake_hub: FakeHub) -> Iterator[MakeManager]:
    made: list[DownloadManager] = []

    def make(**changes: object) -> DownloadManager:
        settings = Settings(hub_endpoint=fake_hub.url, download_sources="mirror")
        for key, value in changes.items():
            settings = settings.__class__(**{**settings.__dict__, key: value})
        manager = DownloadManager(settings, load_catalog(), HARDWARE, token_provider=lambda: None)
        made.append(manager)
        return manager

    yield make
    for manager in made:
        manager.shutdown()
    made.clear()
    gc.collect()  # free them (and their workers) now, not in the middle of a later test


def target() -> Path:
    return paths.models_dir() / "openbmb" / "MiniCPM5-1B-GGUF" / NAME


def item(manager: DownloadManager, item_id: str) -> QueuedDownload:
    found = manager.item(item_id)
    assert found is not None
    return found


def test_queue_list_model_passes_the_model_tester(qtmodeltester, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    items = [
        QueuedDownload("a", "MiniCPM5 1B · Q4_K_M", REPO, NAME, 657_000_000, state=PAUSED),
        QueuedDownload("b", "MiniCPM5 1B · INT4", "OpenVINO/x-ov", None, 800, state="failed"),
        QueuedDownload("c", "Done one", "o/r", "r.gguf", 10, state=DONE, path="/x/r.gguf"),
    ]
    save_queue(paths.data_dir(), items)
    manager = DownloadManager(Settings(offline=True), load_catalog(), HARDWARE)
    try:
        model = DownloadQueueListModel(manager)
        qtmodeltester.check(model)
        assert model.rowCount() == 3
        assert [model.index(r, 0).data(ID_ROLE) for r in range(3)] == ["a", "b", "c"]
        assert model.index(1, 0).data(STATE_ROLE) == FAILED
        manager.cancel("b")
        manager.clear_finished()
        assert model.rowCount() == 1
        qtmodeltester.check(model)
    finally:
        manager.shutdown()


def test_download_finishes_and_announces_the_model(
    qtbot, fake_hub: FakeHub, make_manager: MakeManager
) -> None:  # type: ignore[no-untyped-def]
    fake_hub.add_repo(REPO, {NAME: DATA})
    manager = make_manager()
    model = DownloadQueueListModel(manager)
    with qtbot.waitSignal(manager.model_installed, timeout=10_000) as installed:
        item_id = manager.enqueue(variant())
    assert installed.args == [str(target())]
    assert target().read_bytes() == DATA
    done = item(manager, item_id)
    assert (done.state, done.path, done.done_bytes) == (DONE, str(target()), len(DATA))
    assert "Done" in model.index(0, 0).data(DETAIL_ROLE)
    assert [g.range for g in fake_hub.file_gets(NAME)] == [None]


def test_progress_repaints_are_coalesced(
    qtbot, fake_hub: FakeHub, make_manager: MakeManager
) -> None:  # type: ignore[no-untyped-def]
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.throttle_bps = 1_000_000
    manager = make_manager()
    changes: list[str] = []
    manager.item_changed.connect(changes.append)
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        manager.enqueue(variant())
    # ~0.6 s of transfer: at most ~10 repaints a second plus the state changes.
    assert 2 <= len(changes) <= 12


def test_pause_then_resume_continues_with_range(
    qtbot, fake_hub: FakeHub, make_manager: MakeManager
) -> None:  # type: ignore[no-untyped-def]
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.throttle_bps = 300_000
    manager = make_manager()
    item_id = manager.enqueue(variant())
    qtbot.waitUntil(lambda: item(manager, item_id).done_bytes > 0, timeout=10_000)
    manager.pause(item_id)
    qtbot.waitUntil(lambda: manager.active_id is None, timeout=10_000)
    paused = item(manager, item_id)
    kept = part_path(target()).stat().st_size
    assert paused.state == PAUSED
    assert 0 < kept < len(DATA)
    assert paused.done_bytes == kept
    assert not target().exists()
    fake_hub.throttle_bps = None
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        manager.resume(item_id)
    assert fake_hub.file_gets(NAME)[-1].range == f"bytes={kept}-"
    assert target().read_bytes() == DATA


def test_cancel_deletes_the_part_and_the_item(
    qtbot, fake_hub: FakeHub, make_manager: MakeManager
) -> None:  # type: ignore[no-untyped-def]
    fake_hub.add_repo(REPO, {NAME: DATA})
    fake_hub.throttle_bps = 300_000
    manager = make_manager()
    item_id = manager.enqueue(variant())
    qtbot.waitUntil(lambda: item(manager, item_id).done_bytes > 0, timeout=10_000)
    with qtbot.waitSignal(manager.item_removed, timeout=10_000):
        manager.cancel(item_id)
    assert manager.items() == []
    assert not part_path(target()).exists()
    assert load_queue(paths.data_dir(), paths.models_dir()) == []


def test_failure_shows_the_reason_and_retry_succeeds(
    qtbot, fake_hub: FakeHub, make_manager: MakeManager
) -> None:  # type: ignore[no-untyped-def]
    manager = make_manager()
    with qtbot.waitSignal(
        manager.item_changed,
        timeout=10_000,
        check_params_cb=lambda i: item(manager, i).state == FAILED,
    ):
        item_id = manager.enqueue(variant())
    assert "Not found" in item(manager, item_id).error
    fake_hub.add_repo(REPO, {NAME: DATA})
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        manager.retry(item_id)
    assert item(manager, item_id).state == DONE


def test_one_download_at_a_time_in_queue_order(
    qtbot, fake_hub: FakeHub, make_manager: MakeManager
) -> None:  # type: ignore[no-untyped-def]
    q8 = "MiniCPM5-1B-Q8_0.gguf"
    fake_hub.add_repo(REPO, {NAME: DATA, q8: model_bytes(300_000, 2)})
    fake_hub.throttle_bps = 2_000_000
    manager = make_manager()
    installed: list[str] = []
    manager.model_installed.connect(installed.append)
    first = manager.enqueue(variant())
    second = manager.enqueue(variant(q8))
    assert item(manager, second).state == "queued"
    assert manager.active_id == first
    qtbot.waitUntil(lambda: len(installed) == 2, timeout=10_000)
    assert [Path(p).name for p in installed] == [NAME, q8]


def test_a_killed_app_comes_back_paused(tmp_path: Path) -> None:
    models = paths.models_dir()
    queued = QueuedDownload("k", "MiniCPM5 1B · Q4_K_M", REPO, NAME, len(DATA), state=DOWNLOADING)
    save_queue(paths.data_dir(), [queued])
    part = part_path(target())
    part.parent.mkdir(parents=True)
    part.write_bytes(DATA[:1234])
    (restored,) = load_queue(paths.data_dir(), models)
    assert (restored.state, restored.done_bytes) == (PAUSED, 1234)


def test_a_download_that_is_no_model_fails_and_is_deleted(
    qtbot, fake_hub: FakeHub, make_manager: MakeManager
) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: a download whose checksum matched but which is no model was installed and
    listed as unusable; now it is checked like an import, deleted, and the item says why."""
    fake_hub.add_repo(REPO, {NAME: random.Random(3).randbytes(50_000)})
    manager = make_manager()
    installed: list[str] = []
    manager.model_installed.connect(installed.append)
    with qtbot.waitSignal(
        manager.item_changed,
        timeout=10_000,
        check_params_cb=lambda i: item(manager, i).state == FAILED,
    ):
        item_id = manager.enqueue(variant())
    error = item(manager, item_id).error
    assert error.startswith(f"{NAME} was downloaded and matches the source's checksum")
    assert "not a usable model, so it was deleted" in error
    assert installed == []
    assert not (paths.models_dir() / "openbmb").exists()


def test_why_an_item_failed_is_saved_as_a_code() -> None:
    """A restarted app words a failed item in the person's language, not the saved English."""
    why = Sentence(DownloadCode.EMPTY_REPO, {"repo": REPO}, f"The repository {REPO} has no files.")
    failed = QueuedDownload("f", "T", REPO, NAME, 10, state=FAILED, error=why.english)
    save_queue(paths.data_dir(), [replace(failed, error_sentence=why)])
    (restored,) = load_queue(paths.data_dir(), paths.models_dir())
    assert restored.error_sentence == why and restored.error == why.english


def test_a_damaged_saved_code_leaves_the_english() -> None:
    row = {**_saved_row(state=FAILED, error="Broke."), "error_sentence": {"code": "nonsense"}}
    body = {"version": 1, "items": [row]}
    paths.data_dir().mkdir(parents=True, exist_ok=True)
    (paths.data_dir() / "downloads.json").write_text(json.dumps(body), encoding="utf-8")
    (restored,) = load_queue(paths.data_dir(), paths.models_dir())
    assert (restored.error, restored.error_sentence) == ("Broke.", None)


def _saved_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": "k", "title": "MiniCPM5 1B", "repo": REPO, "file": NAME, "size_bytes": 10,
        "repo_ids": {}, "state": PAUSED, "error": "", "path": "",
    }  # fmt: skip
    return {**row, **changes}


@pytest.mark.parametrize(
    "changes",
    [
        {"repo": 5},
        {"repo": "no-slash"},
        {"repo": "../x"},
        {"file": ["x"]},
        {"file": "../../outside.gguf"},
        {"file": "C:evil.gguf"},
        {"file": ""},
        {"size_bytes": "10"},
        {"size_bytes": -1},
        {"size_bytes": True},
        {"repo_ids": {"modelscope": 3}},
        {"repo_ids": {"modelscope": "../.."}},
        {"repo_ids": []},
        {"title": None},
        {"title": "\ud800"},
        {"state": ["paused"]},
        {"id": 7},
    ],
    ids=str,
)
def test_a_hand_edited_queue_row_is_left_out(changes: dict[str, object]) -> None:
    """The queue file is resume metadata read at start-up: before, a row of the wrong types
    raised AttributeError / TypeError / DownloadError there, and a file name with '..' would
    have been deleted outside the models folder on cancel."""
    good = _saved_row(id="good")
    _write_queue({"version": 1, "items": [_saved_row(**changes), good]})
    assert [i.id for i in load_queue(paths.data_dir(), paths.models_dir())] == ["good"]


def _write_queue(body: object) -> None:
    paths.data_dir().mkdir(parents=True, exist_ok=True)
    (paths.data_dir() / "downloads.json").write_text(json.dumps(body), encoding="utf-8")


_TEXT = st.text(st.characters(exclude_categories=()))  # lone surrogates too
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)
_FIELDS = ("id", "title", "repo", "file", "size_bytes", "repo_ids", "state", "error", "path")


@given(
    rows=st.lists(
        st.fixed_dictionaries({}, optional={k: _JSON | st.just(_saved_row()[k]) for k in _FIELDS}),
        max_size=4,
    )
)
def test_any_queue_file_loads_without_an_exception(rows: list[dict[str, object]]) -> None:
    """Fuzz: whatever the rows hold, load_queue returns the valid ones (possibly none)."""
    _write_queue({"version": 1, "items": rows})
    for loaded in load_queue(paths.data_dir(), paths.models_dir()):
        assert isinstance(loaded.id, str) and isinstance(loaded.size_bytes, int)
        save_queue(paths.data_dir(), [loaded])  # and what loaded can be saved again


@given(raw=st.binary(max_size=300) | st.just(b"[" * 100_000))
def test_any_queue_file_bytes_load_without_an_exception(raw: bytes) -> None:
    paths.data_dir().mkdir(parents=True, exist_ok=True)
    (paths.data_dir() / "downloads.json").write_bytes(raw)
    assert isinstance(load_queue(paths.data_dir(), paths.models_dir()), list)
