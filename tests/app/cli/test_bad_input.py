"""Bytes that are not UTF-8 on the command line end in words, never a traceback (issue 15).

Python hands such bytes to the program as lone surrogates (PEP 383); `main.py` replaces them
with U+FFFD once, for every command, and keeps paths as given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import main
from app.cli import chat as chat_cli
from app.core import paths
from app.core.conversations import ConversationStore
from engine.types import GenerationResult, GenerationStats, Message
from tests.conftest import REPO

BAD = b"bad \xff\xfe end"
# What Python makes of BAD on a POSIX command line (and what os.fsdecode gives in a test).
BAD_TEXT = os.fsdecode(BAD)


def run_bytes(*args: str | bytes, home: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    """main.py run with raw bytes in argv, as a shell passes $'\\xff'."""
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=REPO,
        capture_output=True,
        env={**os.environ, "MINICPM_CHAT_HOME": str(home), **env},
        timeout=300,
    )


class _RecordingEngine:
    """Stands in for engine.session.Engine: records the messages, answers nothing."""

    seen: list[Message] = []

    def load(self, *_args: object) -> object:
        return type("Loaded", (), {"warnings": (), "precision": "f32"})()

    def generate(self, messages: list[Message], *_args: object) -> object:
        _RecordingEngine.seen = list(messages)
        return GenerationResult(text="", reasoning="", stats=GenerationStats("fake", "CPU"))

    def unload(self) -> None:
        pass

    def stop(self) -> None:
        pass


def test_chat_prompt_reaches_the_engine_as_valid_text(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], starter_path: Path
) -> None:
    """Before: the lone surrogates went to the tokenizer (UnicodeEncodeError on llama.cpp,
    TypeError on OpenVINO)."""
    monkeypatch.setattr(chat_cli, "Engine", _RecordingEngine)
    system = os.fsdecode(b"sys \xc3")  # a cut-off two-byte character
    assert main.main(["chat", "--json", "--system", system, BAD_TEXT]) == 0
    contents = [m.content for m in _RecordingEngine.seen]
    assert contents == ["sys \ufffd", "bad \ufffd\ufffd end"]
    for text in contents:
        text.encode("utf-8")  # what both tokenizers do first


def test_every_command_gets_valid_text(home_with_a_chat: Path) -> None:
    """`history list --search` goes to SQLite, which raised UnicodeEncodeError before."""
    done = run_bytes("history", "list", "--search", b"\xff", home=home_with_a_chat)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr
    assert done.stdout == b"No saved chats.\n"


def test_a_path_that_is_not_utf8_is_still_found(home_with_a_chat: Path, tmp_path: Path) -> None:
    """Paths are not rewritten: a file whose name is not UTF-8 is exported to and read back."""
    target = os.fsencode(tmp_path) + b"/chats-\xff.json"
    done = run_bytes("history", "export", "-o", target, home=home_with_a_chat)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert os.path.isfile(target)
    other_home = tmp_path / "other-home"
    done = run_bytes("history", "import", target, home=other_home)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert done.stdout == b"Imported 1 chat.\n"


def test_a_model_file_name_that_is_not_utf8_is_listed(tmp_path: Path, starter_path: Path) -> None:
    """stdout in a strict UTF-8 locale raised UnicodeEncodeError on such a name mid-table."""
    home = tmp_path / "home"
    models = os.fsencode(home / "models")
    os.makedirs(models)
    shutil.copyfile(starter_path, models + b"/odd-\xff.gguf")
    done = run_bytes("models", "list", home=home, PYTHONIOENCODING="utf-8:strict")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr
    assert b"odd-\\udcff" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # httpx's InvalidURL and huggingface_hub's HFValidationError were tracebacks.
        (["--source", "mirror", "--endpoint", "http://[::1"], "Cannot reach http://[::1: Invalid"),
        (
            ["--source", "modelscope", "--modelscope-endpoint", "http://[::1"],
            "Cannot reach http://[::1: Invalid",
        ),
        (["--source", "mirror", "--endpoint", "http://\udcff.example"], "Cannot reach http://"),
    ],
    ids=["mirror", "modelscope", "not-utf8"],
)
def test_a_malformed_address_is_refused_in_words(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["models", "pull", "test-org/x", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_a_repository_id_the_hub_refuses_is_an_error_in_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["models", "pull", "a b/c", "--source", "mirror", "--endpoint", "http://127.0.0.1:9"]
    assert main.main(argv) == 1  # refused before any connection
    assert capsys.readouterr().err == (
        "error: 'a b/c' is not a valid Hugging Face repository id.\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["llama", "openvino"])
def test_chat_with_invalid_utf8_answers_on_both_backends(
    backend: str, _private_home: Path, starter_path: Path
) -> None:
    """The measured defect itself, on the real starter model."""
    done = run_bytes(
        "chat", "--backend", backend, "--max-tokens", "2", "--temperature", "0", BAD,
        home=_private_home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr


@pytest.fixture
def home_with_a_chat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv(paths.HOME_ENV, str(home))
    with ConversationStore(paths.database_path()) as store:
        chat = store.create_conversation("Trip")
        store.add_message(chat.id, "user", "hello")
    return home
