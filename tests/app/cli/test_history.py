"""`python main.py history list|export|import`, called through main.main() as a person would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from app.core import paths
from app.core.conversations import ConversationStore


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv(paths.HOME_ENV, str(folder))
    return folder


@pytest.fixture
def saved(home: Path) -> list[int]:
    """Two chats: one with a reasoning answer and a second branch, one pinned."""
    with ConversationStore(paths.database_path()) as store:
        trip = store.create_conversation("Trip")
        question = store.add_message(trip.id, "user", "我想去北京旅游")
        store.add_message(trip.id, "assistant", "另一个回答", parent_id=question.id)
        store.add_message(trip.id, "assistant", "好主意", parent_id=question.id, reasoning="想想")
        pinned = store.create_conversation("Pinned")
        store.add_message(pinned.id, "user", "hello")
        store.set_pinned(pinned.id, True)
        return [trip.id, pinned.id]


def test_list_text(saved: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["history", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "MESSAGES", "UPDATED", "TITLE"]
    assert "Pinned  [pinned]" in lines[1]
    assert lines[2].split()[:2] == [str(saved[0]), "2"] and lines[2].endswith("Trip")


def test_list_json_and_search(saved: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["history", "list", "--json", "--search", "北京"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["id"], row["title"], row["messages"], row["pinned"]) == (saved[0], "Trip", 2, False)


def test_list_empty(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["history", "list"]) == 0
    assert capsys.readouterr().out == "No saved chats.\n"


def test_export_import_round_trip(
    saved: list[int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "chats.json"
    assert main.main(["history", "export", "-o", str(target)]) == 0
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert [c["title"] for c in exported["conversations"]] == ["Pinned", "Trip"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []

    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "elsewhere"))
    assert main.main(["history", "import", str(target)]) == 0
    assert capsys.readouterr().out == "Imported 2 chats.\n"
    assert main.main(["history", "export"]) == 0
    again = json.loads(capsys.readouterr().out)
    trip = again["conversations"][1]
    assert [m["content"] for m in trip["messages"]] == ["我想去北京旅游", "另一个回答", "好主意"]
    assert trip["messages"][2]["reasoning"] == "想想"


def test_export_markdown_of_one_chat(saved: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["history", "export", "--format", "markdown", "--id", str(saved[0])]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Trip") and "好主意" in out and "另一个回答" not in out
    assert "想想" not in out and "Pinned" not in out
    assert main.main(["history", "export", "--format", "markdown", "--reasoning"]) == 0
    assert "> 想想" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        ("{not json", "is not valid JSON"),
        ('{"format": "other"}', "not a MiniCPM Chat history export"),
    ],
)
def test_import_errors_are_one_line(
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    message: str,
) -> None:
    source = tmp_path / "in.json"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    assert main.main(["history", "import", str(source)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_export_unknown_id(saved: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["history", "export", "--id", "999"]) == 1
    assert capsys.readouterr().err == "error: no conversation 999\n"


def _count_chats() -> int:
    with ConversationStore(paths.database_path()) as store:
        return len(store.list_conversations())


def _export(*messages: dict[str, object], title: str = "Imported") -> dict[str, object]:
    return {
        "format": "minicpm-chat-history",
        "version": 1,
        "conversations": [
            {"title": "Fine", "messages": [{"id": 1, "role": "user", "content": "ok"}]},
            {"title": title, "messages": list(messages)},
        ],
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # Issue 15: RecursionError before.
        ("[" * 200_000 + "]" * 200_000, "more than 64 levels deep"),
        ('{"format": "minicpm-chat-history", "x": ' + "[" * 65 + "]" * 65 + "}", "64 levels"),
        # Issue 15: UnicodeEncodeError from SQLite before, after nothing was written.
        (
            json.dumps(_export({"id": 1, "role": "user", "content": "x\ud800"})),
            "conversation 2, message 1: 'content' is not valid Unicode",
        ),
        (json.dumps(_export(title="\udcff")), "conversation 2: 'title' is not valid Unicode"),
        (
            json.dumps(_export({"id": 1, "role": "user", "content": "x", "stats": {"\ud800": 1}})),
            "'stats' is not valid Unicode",
        ),
        # OverflowError before: an integer too large for a float.
        (
            json.dumps(_export({"id": 1, "role": "user", "content": "x", "created_at": 10**400})),
            "'created_at' must be a number",
        ),
        # ValueError (not a JSONDecodeError) before: Python refuses ints over 4300 digits.
        ('{"format": "minicpm-chat-history", "version": 1' + "0" * 5000 + "}", "not valid JSON"),
    ],
    ids=["deep", "65-levels", "surrogate", "surrogate-title", "surrogate-stats", "huge", "digits"],
)
def test_import_refuses_bad_input_in_words_and_imports_nothing(
    saved: list[int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
) -> None:
    source = tmp_path / "in.json"
    source.write_text(content, encoding="utf-8")
    assert main.main(["history", "import", str(source)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert _count_chats() == len(saved)  # the valid first chat was not imported either


def test_import_accepts_a_byte_order_mark(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.json"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps(_export()).encode())
    assert main.main(["history", "import", str(source)]) == 0
    assert capsys.readouterr().out == "Imported 2 chats.\n"


def test_import_of_bytes_that_are_not_utf8_is_refused(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.json"
    source.write_bytes(json.dumps(_export()).encode()[:40] + b"\xff\xfe" + b"}")
    assert main.main(["history", "import", str(source)]) == 1
    assert "is not a UTF-8 text file" in capsys.readouterr().err
    assert _count_chats() == 0
