"""MiniCPM Chat: with no arguments the desktop app starts; otherwise a CLI command runs."""

from __future__ import annotations

import argparse
import importlib
import sys

# command -> (module with add_arguments/main, help); modules load only when used, so the
# window opens without importing any CLI or inference code.
COMMANDS = {
    "chat": ("app.cli.chat", "ask one question on the command line"),
    "models": ("app.cli.models", "list, search, download, import or remove models"),
    "history": ("app.cli.history", "list, export or import chats"),
    "bench": ("app.cli.bench", "measure both backends on one model"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="MiniCPM Chat")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module, help_text) in COMMANDS.items():
        importlib.import_module(module).add_arguments(sub.add_parser(name, help=help_text))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        from app.application import run_app

        return run_app()
    args = build_parser().parse_args(argv)
    return int(importlib.import_module(COMMANDS[args.command][0]).main(args))


if __name__ == "__main__":
    raise SystemExit(main())
