"""Chat history files: lossless JSON (export, then import, gives the same chats) and Markdown.

Pure functions over plain values; `ConversationStore` reads and writes the database around them.
The two file helpers at the end are shared by the CLI and the GUI.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.core.chat_records import Attachment, Conversation, StoredMessage
from engine.sizes import format_size

FORMAT = "minicpm-chat-history"
# 2: messages carry their attachments. Version 1 files (no attachments) still import; an older
# app refuses a version 2 file ("made by a newer MiniCPM Chat") rather than drop documents.
VERSION = 2
ATTACHMENT_KINDS = ("text", "markdown", "code", "pdf", "docx", "html")
ROLES = ("system", "user", "assistant")
_ROLE_HEADINGS = {"system": "System", "user": "You", "assistant": "Assistant"}
_REQUIRED = object()
# An answer that ended inside its think block (StoredMessage.reasoning_unfinished).
UNFINISHED_REASONING_NOTE = "_The model stopped while thinking; no answer was given._"
# An export nests five levels (file, chat list, chat, message list, message) and stats a few
# more. Far deeper input is refused before parsing: Python's JSON parser recurses per level.
MAX_DEPTH = 64
# A JSON string (its escapes included) or one bracket: brackets inside strings do not nest.
_JSON_NESTING = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"|[\[\]{}]')
_SURROGATE = re.compile("[\ud800-\udfff]")


class HistoryCode(StrEnum):
    """Why a history file was refused; the GUI words each (`app/words/storage.py`). Params
    `conversation` and `message` count from 1 (0: the whole file / the whole chat)."""

    NOT_AN_EXPORT = "not_an_export"  # format
    NO_VERSION = "no_version"
    NEWER_EXPORT = "newer_export"  # version
    CONVERSATIONS_NOT_LIST = "conversations_not_list"
    NOT_AN_OBJECT = "not_an_object"  # conversation, message
    MESSAGES_NOT_LIST = "messages_not_list"  # conversation
    UNKNOWN_ROLE = "unknown_role"  # conversation, message, role
    FIELD_MISSING = "field_missing"  # conversation, message, key
    FIELD_WRONG_TYPE = "field_wrong_type"  # conversation, message, key, type
    NOT_A_NUMBER = "not_a_number"  # conversation, message, key
    LONE_SURROGATE = "lone_surrogate"  # conversation, message, key
    DUPLICATE_ID = "duplicate_id"  # conversation
    UNKNOWN_PARENT = "unknown_parent"  # conversation, id
    PARENT_LOOP = "parent_loop"  # conversation
    NOT_UTF8 = "not_utf8"  # file
    TOO_DEEP = "too_deep"  # file, depth
    NOT_JSON = "not_json"  # file, reason


class HistoryFormatError(ValueError):
    """The data is not a chat history export that this version can read. `str()` is English
    (the CLI's); `code` and `params` say it for the GUI's words."""

    def __init__(
        self, message: str, code: HistoryCode, params: Mapping[str, str | int] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.params: Mapping[str, str | int] = dict(params or {})


@dataclass(frozen=True)
class _Where:
    """The bad spot in an export: its English names it, its params number it."""

    conversation: int
    message: int = 0

    def __str__(self) -> str:
        chat = f"conversation {self.conversation}"
        return f"{chat}, message {self.message}" if self.message else chat

    def params(self, **more: str | int) -> dict[str, str | int]:
        return {"conversation": self.conversation, "message": self.message, **more}


@dataclass(frozen=True)
class ImportedMessage:
    key: int  # the message's id inside the file; it only links messages to their parents
    parent_key: int | None
    role: str
    content: str
    reasoning: str
    created_at: float
    complete: bool
    stats: dict[str, Any] | None
    model: str | None
    thinking_s: float | None
    active: bool  # the branch shown below its parent
    attachments: tuple[Attachment, ...] = ()
    thinking: bool | None = None
    reasoning_unfinished: bool = False


@dataclass(frozen=True)
class ImportedConversation:
    title: str
    pinned: bool
    created_at: float
    updated_at: float
    system_prompt: str
    thinking: bool | None
    model: str | None
    messages: tuple[ImportedMessage, ...]  # every parent comes before its children


def conversation_to_dict(
    conversation: Conversation, messages: Sequence[StoredMessage], active_ids: set[int]
) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "title": conversation.title,
        "pinned": conversation.pinned,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
        "system_prompt": conversation.system_prompt,
        "thinking": conversation.thinking,
        "model": conversation.model,
        "messages": [_message_to_dict(m, m.id in active_ids) for m in messages],
    }


def _message_to_dict(message: StoredMessage, active: bool) -> dict[str, Any]:
    return {
        "id": message.id,
        "parent_id": message.parent_id,
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "created_at": message.created_at,
        "complete": message.complete,
        "stats": message.stats,
        "model": message.model,
        "thinking_s": message.thinking_s,
        # Optional (older files have neither): the thinking choice the answer was generated
        # with (null: unknown), and that it stopped inside its think block without answering.
        "thinking": message.thinking,
        "reasoning_unfinished": message.reasoning_unfinished,
        "active": active,
        "attachments": [_attachment_to_dict(a) for a in message.attachments],
    }


def _attachment_to_dict(attachment: Attachment) -> dict[str, Any]:
    return {
        "name": attachment.name,
        "kind": attachment.kind,
        "size_bytes": attachment.size_bytes,
        "text": attachment.text,
    }


def history_to_dict(conversations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": time.time(),
        "conversations": conversations,
    }


def parse_history(data: object) -> list[ImportedConversation]:
    """Check a whole export before anything is written; errors name the bad spot."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise HistoryFormatError(
            f"not a MiniCPM Chat history export (expected format {FORMAT!r})",
            HistoryCode.NOT_AN_EXPORT,
            {"format": FORMAT},
        )
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise HistoryFormatError("the export has no valid version number", HistoryCode.NO_VERSION)
    if version > VERSION:
        raise HistoryFormatError(
            f"the export is version {version}, made by a newer MiniCPM Chat; update the app",
            HistoryCode.NEWER_EXPORT,
            {"version": version},
        )
    chats = data.get("conversations")
    if not isinstance(chats, list):
        raise HistoryFormatError(
            "'conversations' must be a list", HistoryCode.CONVERSATIONS_NOT_LIST
        )
    return [_parse_conversation(c, _Where(i + 1)) for i, c in enumerate(chats)]


def _parse_conversation(raw: object, where: _Where) -> ImportedConversation:
    if not isinstance(raw, dict):
        raise HistoryFormatError(
            f"{where}: must be an object", HistoryCode.NOT_AN_OBJECT, where.params()
        )
    now = time.time()
    created = _number(raw, "created_at", where, now)
    messages = raw.get("messages", [])
    if not isinstance(messages, list):
        raise HistoryFormatError(
            f"{where}: 'messages' must be a list", HistoryCode.MESSAGES_NOT_LIST, where.params()
        )
    parsed = [_parse_message(m, replace(where, message=i + 1)) for i, m in enumerate(messages)]
    return ImportedConversation(
        title=_get(raw, "title", str, where),
        pinned=_get(raw, "pinned", bool, where, False),
        created_at=created,
        updated_at=_number(raw, "updated_at", where, created),
        system_prompt=_get(raw, "system_prompt", str, where, ""),
        thinking=_get(raw, "thinking", bool, where, None),
        model=_get(raw, "model", str, where, None),
        messages=_parents_first(parsed, where),
    )


def _parse_message(raw: object, where: _Where) -> ImportedMessage:
    if not isinstance(raw, dict):
        raise HistoryFormatError(
            f"{where}: must be an object", HistoryCode.NOT_AN_OBJECT, where.params()
        )
    role = _get(raw, "role", str, where)
    if role not in ROLES:
        raise HistoryFormatError(
            f"{where}: unknown role {role!r}", HistoryCode.UNKNOWN_ROLE, where.params(role=role)
        )
    return ImportedMessage(
        key=_get(raw, "id", int, where),
        parent_key=_get(raw, "parent_id", int, where, None),
        role=role,
        content=_get(raw, "content", str, where),
        reasoning=_get(raw, "reasoning", str, where, ""),
        created_at=_number(raw, "created_at", where, time.time()),
        complete=_get(raw, "complete", bool, where, True),
        stats=_get(raw, "stats", dict, where, None),
        model=_get(raw, "model", str, where, None),
        thinking_s=_number(raw, "thinking_s", where, None),
        active=_get(raw, "active", bool, where, False),
        attachments=_parse_attachments(raw, where),
        thinking=_get(raw, "thinking", bool, where, None),
        reasoning_unfinished=_get(raw, "reasoning_unfinished", bool, where, False),
    )


def _parse_attachments(raw: dict[str, Any], where: _Where) -> tuple[Attachment, ...]:
    """Optional (version 1 files have none). A bad entry names itself as the key, e.g.
    'attachments[2].text', so the existing words for missing and mistyped fields fit."""
    entries = _get(raw, "attachments", list, where, [])
    attachments = []
    for index, entry in enumerate(entries, start=1):
        key = f"attachments[{index}]"
        if not isinstance(entry, dict):
            raise HistoryFormatError(
                f"{where}: '{key}' must be of type dict",
                HistoryCode.FIELD_WRONG_TYPE,
                where.params(key=key, type="dict"),
            )
        text = _get(entry, "text", str, where, key=f"{key}.text")
        kind = _get(entry, "kind", str, where, "text", key=f"{key}.kind")
        size = _get(
            entry,
            "size_bytes",
            int,
            where,
            len(text.encode("utf-8", "replace")),
            key=f"{key}.size_bytes",
        )
        attachments.append(
            Attachment(
                name=_get(entry, "name", str, where, key=f"{key}.name"),
                # A kind this version does not know still reads as text.
                kind=kind if kind in ATTACHMENT_KINDS else "text",
                text=text,
                size_bytes=max(size, 0),
            )
        )
    return tuple(attachments)


def _get(
    raw: dict[str, Any],
    field: str,
    kind: type,
    where: _Where,
    default: Any = _REQUIRED,
    *,
    key: str | None = None,
) -> Any:
    """A missing or null value takes the default; a value of the wrong type is an error.
    `key` names the field in errors when it is not `field` itself (inside a list)."""
    value = raw.get(field)
    key = key or field
    if value is None:
        if default is _REQUIRED:
            raise HistoryFormatError(
                f"{where}: '{key}' is missing", HistoryCode.FIELD_MISSING, where.params(key=key)
            )
        return default
    # bool is an int in Python, but `true` is never a valid id.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise HistoryFormatError(
            f"{where}: '{key}' must be of type {kind.__name__}",
            HistoryCode.FIELD_WRONG_TYPE,
            where.params(key=key, type=kind.__name__),
        )
    if kind in (str, dict):
        _check_unicode(value, where, key)
    return value


def _check_unicode(value: object, where: _Where, key: str) -> None:
    """Refuses a lone surrogate (a JSON escape like \\ud800 without its pair) in any string,
    also inside stats: SQLite cannot store one and no export could write it back."""
    pending = [value]
    while pending:  # not recursive: stats are nested as deep as the file says
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and _SURROGATE.search(item):
            raise HistoryFormatError(
                f"{where}: '{key}' is not valid Unicode text (it holds a lone surrogate, a "
                "broken \\uXXXX escape)",
                HistoryCode.LONE_SURROGATE,
                where.params(key=key),
            )


def _number(raw: dict[str, Any], key: str, where: _Where, default: float | None) -> Any:
    value = raw.get(key)
    if value is None:
        return default
    try:
        number = float(value) if isinstance(value, int | float) else math.nan
    except OverflowError:  # an integer with hundreds of digits
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise HistoryFormatError(
            f"{where}: '{key}' must be a number", HistoryCode.NOT_A_NUMBER, where.params(key=key)
        )
    return number


def _parents_first(messages: list[ImportedMessage], where: _Where) -> tuple[ImportedMessage, ...]:
    """Order the tree so each parent is inserted before its children (ids change on import)."""
    keys = {m.key for m in messages}
    if len(keys) != len(messages):
        raise HistoryFormatError(
            f"{where}: two messages share an id", HistoryCode.DUPLICATE_ID, where.params()
        )
    children: dict[int | None, list[ImportedMessage]] = {}
    for m in messages:
        if m.parent_key is not None and m.parent_key not in keys:
            raise HistoryFormatError(
                f"{where}: message {m.key} has an unknown parent",
                HistoryCode.UNKNOWN_PARENT,
                where.params(id=m.key),
            )
        children.setdefault(m.parent_key, []).append(m)
    ordered: list[ImportedMessage] = []
    queue = list(children.get(None, []))
    while queue:
        message = queue.pop(0)
        ordered.append(message)
        queue.extend(children.get(message.key, []))
    if len(ordered) != len(messages):
        raise HistoryFormatError(
            f"{where}: the parent links form a loop", HistoryCode.PARENT_LOOP, where.params()
        )
    return tuple(ordered)


def render_markdown(
    chats: Sequence[tuple[Conversation, Sequence[StoredMessage]]], *, include_reasoning: bool
) -> str:
    """Each chat as the user sees it (its active branch), separated by rules."""
    parts = [_chat_markdown(c, path, include_reasoning) for c, path in chats]
    return "\n---\n\n".join(parts)


def _chat_markdown(
    conversation: Conversation, path: Sequence[StoredMessage], include_reasoning: bool
) -> str:
    lines = [f"# {conversation.title}", "", f"_{_subtitle(conversation)}_", ""]
    if conversation.system_prompt:
        lines += [f"**System prompt:** {conversation.system_prompt}", ""]
    for message in path:
        lines += _message_markdown(message, include_reasoning)
    return "\n".join(lines)


def _subtitle(conversation: Conversation) -> str:
    created = datetime.fromtimestamp(conversation.created_at).strftime("%Y-%m-%d %H:%M")
    return f"{created} · {conversation.model}" if conversation.model else created


def _message_markdown(message: StoredMessage, include_reasoning: bool) -> list[str]:
    lines = [f"## {_ROLE_HEADINGS.get(message.role, message.role)}", ""]
    if include_reasoning and message.reasoning.strip():
        quoted = [f"> {line}" if line else ">" for line in message.reasoning.strip().splitlines()]
        lines += ["> **Reasoning**", ">", *quoted, ""]
    if message.reasoning_unfinished:
        # Said also when the reasoning is left out, so the empty answer does not read as one.
        lines += [UNFINISHED_REASONING_NOTE, ""]
    lines += [message.content, ""]
    for attachment in message.attachments:
        lines += _attachment_markdown(attachment)
    if not message.complete:
        error = (message.stats or {}).get("error")
        if error:  # a failed answer keeps why (app/chat/answer_runs.py)
            lines += [f"_(incomplete: the answer failed: {error})_", ""]
        else:
            lines += ["_(incomplete: generation was interrupted)_", ""]
    return lines


def _attachment_markdown(attachment: Attachment) -> list[str]:
    """Folded (HTML details, which GitHub, VS Code and most viewers show collapsed), its text
    fenced longer than any fence inside it."""
    longest = max((len(run) for run in re.findall(r"`{3,}", attachment.text)), default=2)
    fence = "`" * (longest + 1)
    summary = f"Attached: {attachment.name} ({format_size(attachment.size_bytes)})"
    return [
        "<details>",
        f"<summary>{_escape_html(summary)}</summary>",
        "",
        fence,
        attachment.text,
        fence,
        "",
        "</details>",
        "",
    ]


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def read_history_file(path: Path) -> Any:
    """The parsed JSON of an export file; HistoryFormatError if it is not UTF-8 JSON, OSError if
    it cannot be read. Read before the database is touched, so a bad file changes nothing."""
    try:
        # utf-8-sig: a byte order mark, as Windows editors write, is not part of the JSON.
        text = path.expanduser().read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HistoryFormatError(
            f"{path} is not a UTF-8 text file", HistoryCode.NOT_UTF8, {"file": str(path)}
        ) from exc
    return _parse_json(text, str(path))


def _parse_json(text: str, name: str) -> Any:
    """`text` as JSON, or HistoryFormatError naming `name`: never Python's own parse errors."""
    if _nesting_depth(text) > MAX_DEPTH:
        raise HistoryFormatError(
            f"{name} nests lists or objects more than {MAX_DEPTH} levels deep; "
            "a chat history export never does",
            HistoryCode.TOO_DEEP,
            {"file": name, "depth": MAX_DEPTH},
        )
    try:
        return json.loads(text)
    # ValueError: JSONDecodeError, and also an integer of more than 4300 digits.
    except (ValueError, RecursionError) as exc:
        raise HistoryFormatError(
            f"{name} is not valid JSON ({exc})",
            HistoryCode.NOT_JSON,
            {"file": name, "reason": str(exc)},
        ) from exc


def _nesting_depth(text: str) -> int:
    """The deepest [ / { nesting outside strings, in one pass that does not recurse."""
    depth = deepest = 0
    for match in _JSON_NESTING.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest
