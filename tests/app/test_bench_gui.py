"""The GUI responsiveness benchmark runs end to end (untimed: the numbers are only checked to be
numbers), and its scenarios hold what they say."""

from __future__ import annotations

import argparse
import json
import math

import pytest
from PySide6.QtWidgets import QApplication

from app import bench_gui
from app.bench_gui import (
    STARTER,
    StallReport,
    long_history,
    math_reply,
    run_benchmark,
    streaming_reply,
)


@pytest.mark.skipif(not STARTER.exists(), reason="the starter model is installed by make setup")
def test_the_benchmark_returns_stalls_for_every_scenario(qapp: QApplication) -> None:
    reports = run_benchmark(tokens=20, history=4, tokens_per_s=400.0, long_chat_chars=3000)
    assert len(reports) == 4  # long chat, long characters, math and code, model load
    assert "math" in reports[2].scenario
    for report in reports:
        assert report.ticks > 0
        assert math.isfinite(report.max_stall_ms) and report.max_stall_ms >= 0
        assert 0 <= report.p99_stall_ms <= report.max_stall_ms
        assert report.budget_ratio >= 0


def test_the_long_chat_holds_at_least_the_characters_asked_for() -> None:
    chat = long_history(50_000)
    assert sum(len(content) for _role, content in chat) >= 50_000
    assert [role for role, _content in chat[:2]] == ["user", "assistant"]


def test_the_replies_stream_about_the_tokens_asked_for_with_their_markdown() -> None:
    plain = streaming_reply(2000)
    assert 2000 <= len(plain.split()) < 2200
    assert "```python" in plain and "| a | b |" in plain
    maths = math_reply(2000)
    assert 2000 <= len(maths.split()) < 2200
    assert "$$" in maths and "$S_{1}" in maths and "```python" in maths


def test_a_scenario_passes_only_under_both_budgets() -> None:
    def report(max_ms: float, p99_ms: float, ticks: int = 1000) -> StallReport:
        return StallReport("s", 1.0, ticks, max_ms, p99_ms)

    assert report(49.0, 19.0).within_budget
    assert not report(50.0, 10.0).within_budget
    assert not report(30.0, 20.0).within_budget
    assert report(30.0, 30.0, ticks=40).within_budget  # too few ticks for a 99th percentile


def test_json_output_says_pass_or_fail_per_scenario(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = [StallReport("fast", 1.0, 200, 12.0, 6.0), StallReport("slow", 1.0, 200, 80.0, 30.0)]
    monkeypatch.setattr(bench_gui, "run_benchmark", lambda *_args, **_kwargs: reports)
    args = argparse.Namespace(
        tokens=20, history=4, rate=200.0, no_load=True, model=STARTER, json=True
    )
    assert bench_gui.main(args) == 0
    printed = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert [(r["scenario"], r["within_budget"]) for r in printed] == [
        ("fast", True),
        ("slow", False),
    ]
