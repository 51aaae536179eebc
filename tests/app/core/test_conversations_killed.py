"""The app killed with SIGKILL while an answer streams (issue 15): the real chat pipeline
(app.application.build_services, the ChatController, the engine worker thread) runs in a child
on a slow scripted backend against a fresh MINICPM_CHAT_HOME and is killed once part of the
answer is on disk.

Afterwards the SQLite file passes `PRAGMA integrity_check`, every finished message is there,
and the partial answer is kept, marked incomplete; the next start shows it as interrupted (the
transcript offers Regenerate for it). tests/app/core/test_conversations.py's crash test only
leaves a store unclosed in-process; this one kills the process mid-write.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from app.core import paths
from app.core.conversations import ConversationStore
from tests.engine.gguf_factory import write_llama_gguf

REPO_ROOT = Path(__file__).resolve().parents[3]
QUESTION_1 = "What is the capital of France?"
ANSWER_1 = "Paris is the capital of France."
QUESTION_2 = "Tell me a long story."
# 3,000 numbered words at 10 ms each: half a minute, so it is surely killed mid-answer.
LONG_ANSWER = " ".join(f"word{i:04d}" for i in range(3000))

CHILD = """
import json, sys
from PySide6.QtWidgets import QApplication
from app.application import build_services
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.model_inspection import inspect_model
from engine.session import Engine

mode, model, question_1, answer_1, question_2, long_answer = sys.argv[1:7]
app = QApplication([])
backend = ScriptedBackend([answer_1, long_answer], delay_s=0.01)
services = build_services(Engine(backend_factory=scripted_factory(backend)))
controller = services.controller
finished = []


def on_loaded(_request_id, _loaded):
    if mode == "chat":
        controller.send(question_1)
        return
    # The next start: open the chat as the conversation list would, and say what it shows.
    (chat,) = services.store.list_conversations()
    controller.open_conversation(chat.id)
    shown = [
        {"role": v.message.role, "content": v.message.content, "interrupted": v.interrupted}
        for v in controller.transcript()
    ]
    print(json.dumps(shown), flush=True)
    app.quit()


def on_finished(_message_id, _stats):
    finished.append(_message_id)
    if len(finished) == 1:
        controller.send(question_2)  # the answer the test kills the app in
    else:
        print("the long answer finished before the kill", file=sys.stderr, flush=True)


services.client.model_loaded.connect(on_loaded)
controller.answer_finished.connect(on_finished)
services.client.load(inspect_model(model).path)
app.exec()
services.shutdown()
"""


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Any valid GGUF: the scripted backend only needs the header to 'load' it."""
    return write_llama_gguf(tmp_path_factory.mktemp("gguf") / "tiny.gguf")


def _run_child(mode: str, model: Path) -> list[str]:
    args = [mode, str(model), QUESTION_1, ANSWER_1, QUESTION_2, LONG_ANSWER]
    return [sys.executable, "-c", CHILD, *args]


def _env() -> dict[str, str]:
    # MINICPM_CHAT_HOME is this test's own, set by tests/conftest.py.
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def _partial_answer(db: Path) -> str | None:
    """The streaming answer's saved text, read as another process would, if saved yet."""
    if not db.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as conn:
            rows = conn.execute(
                "SELECT content FROM messages WHERE role = 'assistant' AND complete = 0"
            ).fetchall()
    except sqlite3.OperationalError:  # created but not migrated yet
        return None
    return rows[0][0] if rows and rows[0][0] else None


def integrity(db: Path) -> str:
    with closing(sqlite3.connect(db)) as conn:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))


def kill_mid_answer(model: Path) -> str:
    """Runs the chat and SIGKILLs it once part of the second answer is saved; that part."""
    db = paths.database_path()
    child = subprocess.Popen(
        _run_child("chat", model),
        cwd=REPO_ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while _partial_answer(db) is None:
            assert child.poll() is None, child.communicate()[1]
            assert time.monotonic() < deadline, "no partial answer was saved in 30 s"
            time.sleep(0.05)
        time.sleep(0.3)  # kill it mid-stream, not right after a save
        child.send_signal(signal.SIGKILL)
        _, stderr = child.communicate(timeout=10)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL, stderr
    assert "finished before the kill" not in stderr
    partial = _partial_answer(db)
    assert partial is not None
    return partial


@pytest.mark.slow
def test_a_killed_app_keeps_every_finished_message_and_the_partial_answer(
    model_file: Path,
) -> None:
    partial = kill_mid_answer(model_file)
    db = paths.database_path()
    assert integrity(db) == "ok"

    with ConversationStore(db) as store:
        (chat,) = store.list_conversations()
        messages = store.active_path(chat.id)
        assert [(m.role, m.content, m.complete) for m in messages[:3]] == [
            ("user", QUESTION_1, True),
            ("assistant", ANSWER_1, True),
            ("user", QUESTION_2, True),
        ]
        assert messages[1].stats is not None  # the finished answer kept its stats too
        answer = messages[3]
        assert (answer.role, answer.complete) == ("assistant", False)
        assert answer.content == partial and LONG_ANSWER.startswith(partial)
        assert len(partial) < len(LONG_ANSWER)  # cut off, not finished
        assert store.incomplete_messages() == [answer]

    # The next start: the partial answer is shown as interrupted, with its text.
    reopened = subprocess.run(
        _run_child("reopen", model_file),
        cwd=REPO_ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert reopened.returncode == 0, reopened.stderr
    shown = json.loads(reopened.stdout.strip().splitlines()[-1])
    assert shown == [
        {"role": "user", "content": QUESTION_1, "interrupted": False},
        {"role": "assistant", "content": ANSWER_1, "interrupted": False},
        {"role": "user", "content": QUESTION_2, "interrupted": False},
        {"role": "assistant", "content": partial, "interrupted": True},
    ]
    assert integrity(db) == "ok"
