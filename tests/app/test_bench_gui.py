"""The GUI responsiveness benchmark runs end to end (untimed: the numbers are only checked to be
numbers)."""

from __future__ import annotations

import math

import pytest
from PySide6.QtWidgets import QApplication

from app.bench_gui import STARTER, run_benchmark


@pytest.mark.skipif(not STARTER.exists(), reason="the starter model is installed by make setup")
def test_the_benchmark_returns_stalls_for_both_scenarios(qapp: QApplication) -> None:
    reports = run_benchmark(tokens=20, history=4, tokens_per_s=400.0)
    assert len(reports) == 2
    for report in reports:
        assert report.ticks > 0
        assert math.isfinite(report.max_stall_ms) and report.max_stall_ms >= 0
        assert 0 <= report.p99_stall_ms <= report.max_stall_ms
        assert report.budget_ratio >= 0
