"""MiniCPM Chat: with no arguments the desktop app starts; otherwise a CLI command runs."""

from __future__ import annotations

import argparse
import importlib
import runpy
import sys

from app.core.version import app_version
from engine.child import CHILD_OPTION
from engine.privacy import block_telemetry

# Before anything can import openvino: OpenVINO's telemetry would phone home (engine.privacy).
block_telemetry()

# command -> (module with add_arguments/main, help); modules load only when used, so the
# window opens without importing any CLI or inference code.
COMMANDS = {
    "chat": ("app.cli.chat", "ask one question on the command line"),
    "models": ("app.cli.models", "list, search, download, import or remove models"),
    "history": ("app.cli.history", "list, export or import chats"),
    # `bench engine` drives the app's engine thread (Qt): app.bench routes the suites.
    "bench": ("app.bench", "measure the app against the raw libraries and the backends"),
    "convert": (
        "app.cli.convert",
        "convert a GGUF into a verified OpenVINO model",
    ),
    "serve": ("app.cli.serve", "serve a model through the app's OpenAI-compatible API"),
    # Needs Qt, so it lives beside application.py, not in the Qt-free app.cli.
    "bench-gui": ("app.bench_gui", "measure how long the window's event loop stalls"),
}


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """Imports only the selected command's module; plain --help lists the commands from
    COMMANDS and needs none of them."""
    parser = argparse.ArgumentParser(prog="main.py", description="MiniCPM Chat")
    # Answered while parsing, before a command is required: `main.py --version` alone works.
    parser.add_argument("--version", action="version", version=f"MiniCPM Chat {app_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        if name == selected:
            importlib.import_module(module).add_arguments(command)
    return parser


def run_engine_child(module: str, args: list[str]) -> int:
    """`python -m module args...` inside a frozen bundle, which has no Python to run with -m
    (engine.child.child_command starts children this way there)."""
    sys.argv = [module, *args]
    # The module ends with `raise SystemExit(...)`, which leaves through main() as it would
    # leave `python -m`.
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) >= 2 and argv[0] == CHILD_OPTION:
        return run_engine_child(argv[1], argv[2:])
    if not argv:
        from app.application import run_app

        return run_app()
    from app.cli.encoding import clean_arguments, tolerant_stdout

    tolerant_stdout()
    selected = argv[0] if argv[0] in COMMANDS else None
    # Once for every command: text that was not UTF-8 would raise deep inside a tokenizer or
    # SQLite; as U+FFFD it is just a character.
    args = clean_arguments(build_parser(selected).parse_args(argv))
    return int(importlib.import_module(COMMANDS[args.command][0]).main(args))


if __name__ == "__main__":
    raise SystemExit(main())
