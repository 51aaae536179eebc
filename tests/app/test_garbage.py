"""The cyclic garbage collector runs on the GUI thread only (app/garbage.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from app.garbage import GuiGarbageCollector, collect_due


@pytest.fixture
def automatic_collection_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()


def test_the_window_turns_automatic_collection_off_and_collects_on_its_timer(  # type: ignore[no-untyped-def]
    qtbot, automatic_collection_restored: None
) -> None:
    from app.application import build_main_window, build_services
    from engine.backends.scripted import ScriptedBackend, scripted_factory
    from engine.session import Engine

    gc.enable()
    services = build_services(Engine(backend_factory=scripted_factory(ScriptedBackend())))
    try:
        window = build_main_window(services)
        qtbot.addWidget(window)
        assert not gc.isenabled()  # a worker thread can no longer start a collection
        collector = window.garbage_collector
        assert isinstance(collector, GuiGarbageCollector) and collector.timer.isActive()
    finally:
        services.shutdown()


def test_collect_due_collects_a_generation_past_its_threshold(
    automatic_collection_restored: None,
) -> None:
    gc.disable()
    gc.collect()

    class Node:
        def __init__(self) -> None:
            self.me = self

    for _ in range(gc.get_threshold()[0] + 10):
        Node()  # each a cycle only the collector frees
    assert collect_due() > 0
    assert collect_due() == 0  # nothing due right after
