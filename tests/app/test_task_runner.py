"""The Qt task runner: outcomes and progress arrive on the GUI thread, once per task."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from app.core.tasks import TaskOutcome, TaskProgress, TaskState
from app.tasks import TaskRunner


def test_a_task_runs_off_the_gui_thread_and_reports_on_it(qtbot: QtBot) -> None:
    runner = TaskRunner("test")
    gui_thread = QThread.currentThread()
    where: list[str] = []
    progress: list[TaskProgress] = []
    threads_seen: list[bool] = []

    def task(state: TaskState) -> str:
        where.append(threading.current_thread().name)
        state.report("half", 0.5)
        return "done"

    def on_progress(_task_id: int, item: TaskProgress) -> None:
        progress.append(item)
        threads_seen.append(QThread.currentThread() is gui_thread)

    runner.task_progressed.connect(on_progress)
    with qtbot.waitSignal(runner.task_finished, timeout=5000) as finished:
        task_id = runner.start(task)
    got_id, outcome = finished.args
    assert got_id == task_id
    assert outcome.ok and outcome.result == "done"
    assert where == ["test-1"]
    qtbot.waitUntil(lambda: progress == [TaskProgress("half", 0.5)])
    assert threads_seen == [True]


def test_tasks_run_in_order_one_at_a_time(qtbot: QtBot) -> None:
    runner = TaskRunner("serial", max_threads=1)
    order: list[int] = []
    outcomes: list[TaskOutcome[Any]] = []
    runner.task_finished.connect(lambda _i, outcome: outcomes.append(outcome))

    def appending(n: int) -> Any:
        return lambda _state: order.append(n)

    for n in range(3):
        runner.start(appending(n))
    qtbot.waitUntil(lambda: len(outcomes) == 3, timeout=5000)
    assert order == [0, 1, 2]
    assert not runner.busy


def test_cancel_and_errors_finish_once(qtbot: QtBot) -> None:
    runner = TaskRunner("cancel", max_threads=2)
    release = threading.Event()
    outcomes: dict[int, TaskOutcome[Any]] = {}
    runner.task_finished.connect(lambda i, outcome: outcomes.__setitem__(i, outcome))

    def waiting(state: TaskState) -> None:
        while not release.wait(0.01):
            state.check()

    def failing(_state: TaskState) -> None:
        raise RuntimeError("broken")

    slow = runner.start(waiting)
    bad = runner.start(failing)
    runner.cancel(slow)
    qtbot.waitUntil(lambda: len(outcomes) == 2, timeout=5000)
    assert outcomes[slow].cancelled
    assert isinstance(outcomes[bad].error, RuntimeError)
    release.set()
    assert runner.shutdown(5)


def test_shutdown_stops_a_running_task(qtbot: QtBot) -> None:
    runner = TaskRunner("stop")
    started = threading.Event()

    def forever(state: TaskState) -> None:
        started.set()
        while True:
            state.check()

    runner.start(forever)
    assert started.wait(5)
    assert runner.shutdown(5)
    assert not runner.busy


def test_busy_is_false_when_the_outcome_arrives(qtbot: QtBot) -> None:
    runner = TaskRunner("busy")
    busy_then: list[bool] = []
    runner.task_finished.connect(lambda _i, _outcome: busy_then.append(runner.busy))
    for _ in range(20):  # the worker posts the outcome and counts down under one lock
        with qtbot.waitSignal(runner.task_finished, timeout=5000):
            runner.start(lambda _state: None)
    assert busy_then == [False] * 20


def test_a_runner_shut_down_still_runs_tasks_started_later(qtbot: QtBot) -> None:
    runner = TaskRunner("again", max_threads=2)
    with qtbot.waitSignal(runner.task_finished, timeout=5000):
        runner.start(lambda _state: 1)
    assert runner.shutdown(5)
    with qtbot.waitSignal(runner.task_finished, timeout=5000) as finished:
        runner.start(lambda _state: 2)
    assert finished.args[1].result == 2


# Background work goes through app/tasks.py. The exceptions: the engine worker owns the model
# on its own QThread (conventions 3), the download worker is a long-lived QThread worker with
# pause and resume, and the CLI benchmark presses "stop" from a second thread on purpose, to
# measure how fast a generation stops. The local API serves with uvicorn on its own thread (an
# asyncio loop for as long as the API is on), and `main.py serve` has no GUI thread: its engine
# runs on a thread of its own.
THREADING_ALLOWED = (
    "app/tasks.py",
    "app/engine_bridge/",
    "app/core/api/runner.py",
    "app/core/api/engine_service.py",
    "app/models/download_worker.py",
    "app/models/manager.py",
    "app/cli/bench.py",
)
THREADING = re.compile(
    r"\bQThreadPool\b|\bQRunnable\b|\bQThread\b|threading\.Thread\b"
    r"|from threading import[^\n]*\bThread\b|\bThreadPoolExecutor\b"
)


def test_only_the_task_runner_starts_background_threads() -> None:
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in sorted((root / "app").rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name.startswith(THREADING_ALLOWED):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if THREADING.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == [], "run background work as a task (app/tasks.py):\n" + "\n".join(offenders)
