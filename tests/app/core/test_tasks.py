"""The task rules without Qt: results, errors, cancelling, progress."""

from __future__ import annotations

import threading

import pytest

from app.core.tasks import TaskCancelled, TaskProgress, TaskState, run_task


def test_a_result_comes_back() -> None:
    outcome = run_task(lambda state: 42, TaskState())
    assert outcome.ok and outcome.result == 42 and not outcome.cancelled


def test_an_error_comes_back_instead_of_raising() -> None:
    def broken(state: TaskState) -> None:
        raise ValueError("bad input")

    outcome = run_task(broken, TaskState())
    assert not outcome.ok
    assert isinstance(outcome.error, ValueError)


def test_a_task_that_checks_stops_when_cancelled() -> None:
    state = TaskState()
    steps: list[int] = []

    def counting(state: TaskState) -> int:
        for i in range(10):
            state.check()
            steps.append(i)
            if i == 2:
                state.cancel()  # as another thread would
        return len(steps)

    outcome = run_task(counting, state)
    assert outcome.cancelled and outcome.result is None
    assert steps == [0, 1, 2]


def test_an_error_after_cancel_counts_as_cancelled() -> None:
    state = TaskState()
    state.cancel()

    def failing_when_stopped(state: TaskState) -> None:
        raise OSError("the work folder was removed")

    assert run_task(failing_when_stopped, state).cancelled


def test_a_result_returned_after_cancel_is_kept_for_the_caller() -> None:
    state = TaskState()
    state.cancel()
    outcome = run_task(lambda s: "done anyway", state)
    assert outcome.cancelled and outcome.result == "done anyway"


def test_progress_is_reported_and_clamped() -> None:
    seen: list[TaskProgress] = []
    state = TaskState(seen.append)
    state.report("copying", 0.5)
    state.report("copying", 1.7)
    state.report("verifying")
    assert seen == [
        TaskProgress("copying", 0.5),
        TaskProgress("copying", 1.0),
        TaskProgress("verifying", None),
    ]


def test_cancel_reaches_a_task_on_another_thread() -> None:
    state = TaskState()
    started = threading.Event()
    result: list[object] = []

    def waiting(state: TaskState) -> None:
        started.set()
        while True:
            state.check()

    thread = threading.Thread(target=lambda: result.append(run_task(waiting, state)))
    thread.start()
    assert started.wait(5)
    state.cancel()
    thread.join(5)
    assert not thread.is_alive()
    assert result[0].cancelled  # type: ignore[attr-defined]


def test_check_raises_task_cancelled() -> None:
    state = TaskState()
    state.cancel()
    with pytest.raises(TaskCancelled):
        state.check()
