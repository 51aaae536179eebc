"""`python main.py bench`: its suites, routed.

`engine` (app.bench_engine) drives the app's own EngineClient and its engine thread, so it
needs Qt and lives beside application.py; the others are Qt-free (app.cli.bench)."""

from __future__ import annotations

import argparse

from app.cli import bench as qt_free


def add_arguments(parser: argparse.ArgumentParser) -> None:
    qt_free.add_arguments(parser)


def main(args: argparse.Namespace) -> int:
    if args.suite == "engine":
        from app import bench_engine

        return bench_engine.main(args)
    return qt_free.main(args)
