"""`ModelConverter`, the service the Models window's Prepare button uses: progress, the
outcome, cancel, a failed verification and a full disk, with nothing registered when it fails
(engine.convert underneath, on a `TaskRunner`)."""

from __future__ import annotations

import errno
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.models import converting
from app.core.tasks import TaskState
from app.models.converter import ModelConverter
from app.tasks import TaskRunner
from engine.convert import gguf_to_openvino, job
from engine.convert.gguf_to_openvino import ConversionCancelled
from tests.engine.convert.convert_models import scramble_embeddings, write_tied_minicpm

SOURCE = "MiniCPM4.1-tiny-tied-F16"


@pytest.fixture(scope="module")
def tied_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tied_minicpm(tmp_path_factory.mktemp("source"))


@pytest.fixture
def converter(tmp_path: Path) -> Iterator[ModelConverter]:
    converter = ModelConverter(tmp_path / "models")
    yield converter
    assert converter.shutdown(30000)


def converted_root(converter: ModelConverter) -> Path:
    return converter._root


def test_a_conversion_reports_rising_progress_and_its_target(
    qtbot: QtBot, converter: ModelConverter, tied_source: Path
) -> None:
    started: list[str] = []
    fractions: list[float] = []
    converter.conversion_started.connect(started.append)
    converter.conversion_progressed.connect(lambda _stage, fraction: fractions.append(fraction))
    with qtbot.waitSignal(converter.model_converted, timeout=120000) as done:
        assert converter.convert(tied_source, "keep")
        assert converter.busy and converter.running == tied_source
        assert not converter.convert(tied_source, "keep")  # one at a time
    assert started == [str(tied_source)]
    target = Path(done.args[1])
    assert done.args[0] == str(tied_source)
    assert target == converted_root(converter) / f"{SOURCE}-ov"
    assert fractions and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert not converter.busy and converter.running is None
    verification = converting.read_verification(target)
    assert verification is not None and verification["passed"] is True


def test_cancel_leaves_nothing_registered(
    qtbot: QtBot, converter: ModelConverter, tied_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = gguf_to_openvino.matrix_from_gguf

    def cancel_while_building(*args: object, **kwargs: object) -> object:
        converter.cancel()  # thread-safe, here from the task's own thread
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gguf_to_openvino, "matrix_from_gguf", cancel_while_building)
    with qtbot.waitSignal(converter.conversion_failed, timeout=60000) as failed:
        assert converter.convert(tied_source, "keep")
    assert failed.args == [str(tied_source), "cancelled", ""]
    assert list(converted_root(converter).iterdir()) == []
    assert not converter.busy


def test_cancel_from_the_gui_thread_stops_a_running_task(
    qtbot: QtBot, converter: ModelConverter, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = threading.Event()

    def waiting(source: Path, root: Path, name: str, weights: str, state: TaskState) -> Path:
        started.set()
        while not state.cancelled:  # as convert_gguf checks between stages and layers
            time.sleep(0.01)
        raise ConversionCancelled("Conversion cancelled.")

    monkeypatch.setattr(converting, "run", waiting)
    with qtbot.waitSignal(converter.conversion_failed, timeout=10000) as failed:
        assert converter.convert(Path("x.gguf"), "keep")
        assert started.wait(5)
        converter.cancel()  # as the Cancel button does
    assert failed.args == ["x.gguf", "cancelled", ""]
    assert not converter.busy


def test_a_failed_verification_is_rejected_and_not_registered(
    qtbot: QtBot, converter: ModelConverter, tied_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scramble_embeddings(monkeypatch)
    with qtbot.waitSignal(converter.conversion_failed, timeout=120000) as failed:
        converter.convert(tied_source, "keep")
    assert failed.args[1] == "rejected"
    assert re.search(r"agrees with llama.cpp on 1?\d% of tokens", failed.args[2])
    assert list(converted_root(converter).iterdir()) == []


def test_out_of_disk_is_reported_and_not_registered(
    qtbot: QtBot, converter: ModelConverter, tied_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(job, "build_openvino_model", full)
    with qtbot.waitSignal(converter.conversion_failed, timeout=60000) as failed:
        converter.convert(tied_source, "keep")
    assert failed.args[1] == "disk" and "No space left" in failed.args[2]
    assert list(converted_root(converter).iterdir()) == []


def test_the_estimate_comes_from_the_header(converter: ModelConverter, tied_source: Path) -> None:
    cost = converter.estimate(tied_source, "keep")
    assert cost.parameters > 0 and cost.seconds > 0 and cost.free_disk_bytes > 0
    assert not converted_root(converter).exists()  # nothing is created before agreeing


def test_a_shared_runner_carries_only_its_own_outcomes(qtbot: QtBot, tmp_path: Path) -> None:
    runner = TaskRunner("shared")
    converter = ModelConverter(tmp_path, runner=runner)
    failed: list[object] = []
    converter.conversion_failed.connect(lambda *args: failed.append(args))
    with qtbot.waitSignal(runner.task_finished, timeout=5000):
        runner.start(lambda _state: "someone else's")
    assert failed == [] and not converter.busy


def test_an_unexpected_error_is_a_failure_with_its_message(
    qtbot: QtBot, converter: ModelConverter, monkeypatch: pytest.MonkeyPatch
) -> None:
    def buggy(*_args: object) -> Path:
        raise KeyError("bug")

    monkeypatch.setattr(converting, "run", buggy)
    with qtbot.waitSignal(converter.conversion_failed, timeout=5000) as failed:
        assert converter.convert(Path("m.gguf"), "keep")
    assert failed.args[:2] == ["m.gguf", "failed"]
    assert "Unexpected error" in failed.args[2] and "bug" in failed.args[2]
