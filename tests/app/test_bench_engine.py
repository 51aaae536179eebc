"""`python main.py bench engine`: the app's path against the raw library, on the starter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from app import bench_engine
from app.bench_engine import EngineResult, Timing


def _result(backend: str, app: float) -> EngineResult:
    return EngineResult(backend, 50.0, app, app / 50.0, 90.0, 95.0, "m.gguf", "", 64, 3)


def test_openvino_vs_llama_is_the_app_decode_ratio_and_none_without_both() -> None:
    both = [_result("llama", 80.0), _result("openvino", 60.0)]
    assert bench_engine.openvino_vs_llama(both) == 0.75
    assert bench_engine.openvino_vs_llama(both[:1]) is None


def test_the_ratio_is_the_median_of_each_rounds_own_ratio() -> None:
    raw = [Timing(90.0, 70.0, 64), Timing(90.0, 58.0, 64), Timing(90.0, 72.0, 64)]
    app = [Timing(95.0, 70.0, 64), Timing(95.0, 58.0, 64), Timing(95.0, 36.0, 64)]
    # The medians alone (58 vs 70) would say 0.83 where two of three rounds were equal.
    assert bench_engine.paired_ratio(raw, app) == 1.0


def test_the_median_run_takes_its_own_median_time_to_first_token() -> None:
    runs = [Timing(300.0, 50.0, 64), Timing(100.0, 70.0, 64), Timing(200.0, 60.0, 64)]
    assert bench_engine._median_run(runs) == Timing(200.0, 60.0, 64)


def test_every_run_asks_a_question_of_the_same_length() -> None:
    lengths = {len(bench_engine.user_message(run).content) for run in range(200)}
    assert len(lengths) == 1


@pytest.mark.slow
def test_bench_engine_measures_raw_and_app_on_both_backends(
    qapp: object, starter_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`qapp` first: the bench makes a QCoreApplication only where none exists, and a later
    test's QApplication could not be made beside it."""
    args = ["bench", "engine", "-m", str(starter_path), "--tokens", "8", "--rounds", "2"]
    assert main.main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    results = {r["backend"]: r for r in report["results"]}
    assert set(results) == {"llama", "openvino"}
    for r in results.values():
        assert {"backend", "raw_tok_s", "app_tok_s", "ratio", "raw_ttft_ms", "app_ttft_ms"} <= set(
            r
        )
        assert r["raw_tok_s"] > 0 and r["app_tok_s"] > 0 and r["raw_ttft_ms"] > 0
        pairs = [a / w for w, a in zip(r["raw_runs"], r["app_runs"], strict=True)]
        assert min(pairs) - 0.002 <= r["ratio"] <= max(pairs) + 0.002
        assert r["rounds"] == 2 and r["tokens"] == 8
    assert results["openvino"]["precision"].startswith("f32")  # the app's exact default
    assert report["openvino_vs_llama"] == pytest.approx(
        results["openvino"]["app_tok_s"] / results["llama"]["app_tok_s"], abs=0.002
    )
    bench_engine.print_results(
        [EngineResult(**r) for r in report["results"]], report["openvino_vs_llama"]
    )
    table = capsys.readouterr().out
    assert "app/raw" in table.splitlines()[0] and "OpenVINO vs llama.cpp" in table
