"""The conversion job without Qt: progress as a fraction of the whole run, the cancel flag
reaching the engine, and how each failure is classified."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from app.core.models import converting
from app.core.models.store import InstalledModel
from app.core.tasks import TaskProgress, TaskState, run_task
from engine.convert import gguf_to_openvino
from engine.convert.gguf_to_openvino import ConversionCancelled
from engine.convert.job import VerificationFailedError
from engine.errors import EngineError
from tests.engine.convert.convert_models import write_tied_minicpm


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tied_minicpm(tmp_path_factory.mktemp("source"))


def test_stage_fractions_become_fractions_of_the_whole_run() -> None:
    assert converting.overall_fraction("requantize", 0.0) == 0.0
    assert converting.overall_fraction("build", 0.5) == pytest.approx(0.375)
    assert converting.overall_fraction("verify", 1.0) == pytest.approx(0.95)
    assert converting.overall_fraction("register", 1.0) == 1.0
    assert converting.overall_fraction("build", 7.0) == pytest.approx(0.5)  # clamped


def test_a_run_converts_registers_and_reports_rising_progress(source: Path, tmp_path: Path) -> None:
    seen: list[TaskProgress] = []
    outcome = run_task(
        lambda state: converting.run(source, tmp_path, "tied-ov", "keep", state),
        TaskState(seen.append),
    )
    assert outcome.ok and outcome.result == tmp_path / "tied-ov"
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0  # type: ignore[type-var]
    assert {p.stage for p in seen} >= {"build", "verify", "register"}
    verification = converting.read_verification(tmp_path / "tied-ov")
    assert verification is not None and verification["passed"] is True


def test_cancelling_stops_the_engine_and_leaves_nothing(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = TaskState()
    real = gguf_to_openvino.matrix_from_gguf

    def cancel_while_building(*args: object, **kwargs: object) -> object:
        state.cancel()  # as the Cancel button would, from the GUI thread
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gguf_to_openvino, "matrix_from_gguf", cancel_while_building)
    outcome = run_task(
        lambda state: converting.run(source, tmp_path, "tied-ov", "keep", state), state
    )
    assert outcome.cancelled and outcome.result is None
    assert list(tmp_path.iterdir()) == []  # the work folder is gone, nothing registered


def test_a_cancelled_task_does_not_start(source: Path, tmp_path: Path) -> None:
    state = TaskState()
    state.cancel()
    outcome = run_task(lambda s: converting.run(source, tmp_path / "out", "x", "keep", s), state)
    assert outcome.cancelled and not (tmp_path / "out").exists()


def test_failures_are_classified() -> None:
    rejected = VerificationFailedError.__new__(VerificationFailedError)
    assert converting.failure_outcome(ConversionCancelled("stop")) == converting.CANCELLED
    assert converting.failure_outcome(rejected) == converting.REJECTED
    assert converting.failure_outcome(OSError(errno.ENOSPC, "full")) == converting.DISK_FULL
    assert converting.failure_outcome(OSError(errno.EACCES, "denied")) == converting.FAILED
    assert converting.failure_outcome(EngineError("unreadable")) == converting.FAILED
    assert converting.failure_outcome(KeyError("bug")) == converting.FAILED
    assert converting.is_expected(EngineError("x")) and converting.is_expected(OSError())
    assert not converting.is_expected(KeyError("bug"))


def test_only_a_readable_verification_file_counts(tmp_path: Path) -> None:
    assert converting.read_verification(tmp_path) is None
    (tmp_path / converting.VERIFICATION_FILE).write_text("[1, 2]", encoding="utf-8")
    assert converting.read_verification(tmp_path) is None
    (tmp_path / converting.VERIFICATION_FILE).write_text('{"passed": true}', encoding="utf-8")
    assert converting.read_verification(tmp_path) == {"passed": True}


def test_the_estimate_measures_free_space_where_the_folder_will_be(
    source: Path, tmp_path: Path
) -> None:
    cost = converting.estimate_cost(source, "keep", tmp_path / "not" / "yet")
    assert cost.parameters > 0 and cost.free_disk_bytes > 0
    assert not (tmp_path / "not").exists()  # nothing is created before the person agrees


def _installed(path: Path) -> InstalledModel:
    from engine.model_inspection import inspect_model

    return InstalledModel(path.stem, path, bundled=False, info=inspect_model(path))


def test_minicpm_and_llama_ggufs_openvino_runs_can_be_converted(
    source: Path, starter_path: Path, tmp_path: Path
) -> None:
    """The starter (llama, BPE vocabulary) too: its int4 conversion is the faster layout."""
    assert converting.can_convert(_installed(source))
    assert converting.can_convert(_installed(starter_path))
    assert not converting.can_convert(None)
    broken = InstalledModel("broken", tmp_path / "broken.gguf", bundled=False, error="bad")
    assert not converting.can_convert(broken)


def test_a_llama_gguf_openvino_cannot_run_is_not_offered(tmp_path: Path) -> None:
    from tests.engine.gguf_factory import write_llama_gguf

    f32 = write_llama_gguf(tmp_path / "tiny-f32.gguf", weight_type="F32")  # OpenVINO: no F32
    assert not converting.can_convert(_installed(f32))
    assert converting.can_convert(_installed(write_llama_gguf(tmp_path / "tiny-f16.gguf")))
