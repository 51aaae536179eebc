"""`python main.py bench`: each OpenVINO precision measured in one run, with what it costs."""

from __future__ import annotations

import json

import pytest

import main
from app.cli import bench


@pytest.mark.slow
def test_bench_measures_each_precision_this_cpu_has_and_prints_what_was_used(
    starter_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    import openvino

    from engine.precision import cpu_has_bf16

    args = [
        "bench",
        "backends",
        "--backends",
        "openvino",
        "--precisions",
        "f32,bf16,auto",
        "--tokens",
        "4",
    ]
    assert main.main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    precisions = [run["precision"].split(",")[0] for run in report["runs"]]
    costs = {cost["precision"]: cost for cost in report["costs"]}
    if cpu_has_bf16(openvino.Core()):
        assert precisions == ["f32", "bf16", "f32"]
        assert costs["bf16"]["positions"] > 100
    else:
        assert precisions == ["f32", "f32"]  # bf16 left out, and said why
        assert any("bf16 not measured" in note for note in report["notes"])
    # Automatic is exact on the CPU: agreement with f32 is complete on every CPU.
    assert costs["auto"]["top1_agreement"] == 1.0
    assert costs["auto"]["max_abs_logit_diff"] == 0.0
    bench._print_report(
        bench.BenchReport(
            report["model"],
            [bench.BackendRun(**run) for run in report["runs"]],
            [bench.PrecisionCost(**cost) for cost in report["costs"]],
            report["notes"],
        ),
        None,
    )
    table = capsys.readouterr().out
    assert "openvino auto vs f32: top-1 agreement 100.0%" in table
    assert "precision" in table.splitlines()[1]
