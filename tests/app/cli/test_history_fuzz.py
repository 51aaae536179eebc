"""Fuzz `history import` (issue 15): whatever the file holds, the chats are imported whole or
refused in one line of words; never a traceback, never part of a file.

Inputs are near-valid exports (so that many of them import) with any JSON value in any field,
lone surrogates, huge numbers, deep nesting, cut-off and spliced bytes, and plain random bytes.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

import main
from app.core import paths
from app.core.conversations import ConversationStore
from app.core.exporting import FORMAT, HistoryFormatError, parse_history

TEXT = st.text(st.characters(exclude_categories=()), max_size=12)  # lone surrogates too
SCALAR = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**320)
    | st.floats()
    | TEXT
)
ANY_JSON = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)


def field(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid value, one time in twenty anything at all."""
    return st.integers(0, 19).flatmap(lambda n: ANY_JSON if n == 0 else valid)


MESSAGE = st.fixed_dictionaries(
    {
        "role": field(st.sampled_from(["system", "user", "assistant"])),
        "content": field(TEXT),
    },
    optional={
        "reasoning": field(TEXT),
        "created_at": field(st.floats(0, 2e9)),
        "complete": field(st.booleans()),
        "stats": field(st.none() | st.dictionaries(TEXT, ANY_JSON, max_size=3)),
        "model": field(st.none() | TEXT),
        "thinking_s": field(st.none() | st.floats(0, 100)),
        "active": field(st.booleans()),
    },
)


@st.composite
def message_tree(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Messages with ids 1..n whose parents come from the others (a tree, mostly)."""
    messages = draw(st.lists(MESSAGE, max_size=4))
    for n, message in enumerate(messages, start=1):
        message["id"] = draw(field(st.just(n)))
        parent = st.none() | st.sampled_from(range(1, n)) if n > 1 else st.none()
        message["parent_id"] = draw(field(parent))
    return messages


CONVERSATION = st.fixed_dictionaries(
    {"title": field(TEXT), "messages": field(message_tree())},
    optional={
        "pinned": field(st.booleans()),
        "created_at": field(st.floats(0, 2e9)),
        "updated_at": field(st.floats(0, 2e9)),
        "system_prompt": field(TEXT),
        "thinking": field(st.none() | st.booleans()),
        "model": field(st.none() | TEXT),
    },
)
EXPORT = st.fixed_dictionaries(
    {
        "format": field(st.just(FORMAT)),
        "version": field(st.sampled_from([0, 1, 1, 1, 2])),
        "conversations": field(st.lists(CONVERSATION, max_size=3)),
    }
)


JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


@st.composite
def export_bytes(draw: st.DrawFn) -> bytes:
    value = draw(st.one_of(EXPORT, EXPORT, EXPORT, ANY_JSON))
    # ensure_ascii=False writes a lone surrogate as itself: not UTF-8 at all ("surrogatepass").
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    edit = draw(st.sampled_from(["keep", "keep", "keep", "cut", "splice", "nest", "surrogate"]))
    strings = list(JSON_STRING.finditer(text))
    if edit == "surrogate" and strings:  # a broken \uXXXX escape at the start of one string
        at = draw(st.sampled_from(strings)).start() + 1
        text = text[:at] + draw(st.sampled_from(["\\ud800", "\\udcff"])) + text[at:]
    data = text.encode("utf-8", "surrogatepass")
    if edit == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif edit == "splice":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
    elif edit == "nest":
        depth = draw(st.sampled_from([64, 65, 100_000]))
        data = b"[" * depth + data + b"]" * depth
    return data


def count_chats() -> int:
    with ConversationStore(paths.database_path()) as store:
        return len(store.list_conversations())


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main.main(list(argv))
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=200)  # about one in eight imports; the rest are refused
@given(data=st.one_of(export_bytes(), export_bytes(), export_bytes(), st.binary(max_size=200)))
def test_import_is_all_or_nothing_and_always_in_words(data: bytes) -> None:
    before = count_chats()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "chats.json"
        source.write_bytes(data)
        code, out, err = run("history", "import", str(source))
    event("imported" if code == 0 else "refused")  # --hypothesis-show-statistics: both occur
    if code == 0:
        added = len(json.loads(data.decode("utf-8-sig"))["conversations"])
        assert count_chats() == before + added
        assert out == f"Imported {added} chat{'' if added == 1 else 's'}.\n"
        # What was imported is valid text: it can be exported (strict UTF-8) again.
        assert run("history", "export")[0] == 0
    else:
        assert code == 1
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert count_chats() == before


@given(value=EXPORT | ANY_JSON)
def test_parse_history_accepts_or_refuses_any_value(value: object) -> None:
    """The same check the GUI's import runs: a list of chats or HistoryFormatError."""
    try:
        chats = parse_history(value)
    except HistoryFormatError as exc:
        assert str(exc)
        return
    for chat in chats:
        for text in (chat.title, chat.system_prompt, *(m.content for m in chat.messages)):
            text.encode("utf-8")
