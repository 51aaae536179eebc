"""`python main.py history ...`: list the saved chats, export them, import an export."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from app.core import paths
from app.core.conversations import ConversationStore
from app.core.exporting import HistoryFormatError, read_history_file
from app.core.files import write_text_atomically
from app.core.storage_errors import StorageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="history_command", required=True)
    listing = sub.add_parser("list", help="saved chats: pinned first, then most recent")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--search", default="", metavar="TEXT", help="only chats containing TEXT")
    export = sub.add_parser("export", help="write chats as JSON (lossless) or Markdown")
    export.add_argument("--format", choices=["json", "markdown"], default="json")
    export.add_argument(
        "--id", dest="ids", type=int, nargs="+", action="extend", metavar="ID",
        help="only these chats (default: all)",
    )  # fmt: skip
    export.add_argument(
        "--reasoning", action="store_true", help="Markdown: include reasoning (JSON always has it)"
    )
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: stdout")
    importing = sub.add_parser("import", help="add the chats of a JSON export")
    importing.add_argument("file", type=Path)


def main(args: argparse.Namespace) -> int:
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "list": list_chats,
        "export": export_chats,
        "import": import_chats,
    }
    try:
        return commands[args.history_command](args)
    except (StorageError, HistoryFormatError, OSError, KeyError) as exc:
        print(f"error: {_reason(exc)}", file=sys.stderr)
        return 1


def _reason(exc: Exception) -> str:
    # str(KeyError) adds quotes around the message.
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)


def _open_store() -> ConversationStore:
    return ConversationStore(paths.database_path())


def list_chats(args: argparse.Namespace) -> int:
    with _open_store() as store:
        rows = [
            {
                "id": c.id,
                "title": c.title,
                "pinned": c.pinned,
                "messages": len(store.active_path(c.id)),
                "created_at": c.created_at,
                "updated_at": c.updated_at,
            }
            for c in store.list_conversations(args.search)
        ]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        _print_table(rows)
    return 0


def _print_table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        print("No saved chats.")
        return
    print(f"{'ID':>5}  {'MESSAGES':>8}  {'UPDATED':16}  TITLE")
    for row in rows:
        updated = datetime.fromtimestamp(row["updated_at"]).strftime("%Y-%m-%d %H:%M")
        title = " ".join(row["title"].split()) + ("  [pinned]" if row["pinned"] else "")
        print(f"{row['id']:>5}  {row['messages']:>8}  {updated:16}  {title}")


def export_chats(args: argparse.Namespace) -> int:
    with _open_store() as store:
        if args.format == "markdown":
            text = store.export_markdown(args.ids, include_reasoning=args.reasoning)
        else:
            text = json.dumps(store.export_data(args.ids), indent=2, ensure_ascii=False)
    text = text if text.endswith("\n") else text + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_text_atomically(args.output, text)
    return 0


def import_chats(args: argparse.Namespace) -> int:
    data = read_history_file(args.file)  # before the store opens: a bad file changes nothing
    with _open_store() as store:
        ids = store.import_data(data)
    print(f"Imported {len(ids)} chat{'' if len(ids) == 1 else 's'}.")
    return 0
