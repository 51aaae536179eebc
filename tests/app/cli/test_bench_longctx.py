"""`bench longctx`: the haystack, the speed model, the JSON rows, and one real needle run."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import pytest

from app.cli import bench_longctx
from app.cli.bench_longctx import (
    NEEDLE,
    QUESTION,
    LongContextRun,
    SpeedShape,
    haystack,
    needle_runs,
    speed_model,
    speed_ttft,
)
from engine.sparse_prefill import ALWAYS_PLAN
from engine.types import LoadRequest

TINY = SpeedShape(n_layers=1, n_embd=64, n_heads=4, n_kv_heads=1, n_ff=128, n_vocab=64)


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize("depth", [0.0, 0.5, 1.0])
def test_the_haystack_hides_the_needle_and_ends_with_the_question(depth: float) -> None:
    text = haystack(1000, words, depth)
    assert text.count(NEEDLE) == 1
    assert text.endswith(QUESTION)
    assert 900 <= words(text) <= 1000
    place = text.index(NEEDLE) / len(text)
    assert abs(place - depth) < 0.05


def test_the_speed_model_is_built_once_and_runs_dense_and_sparse(tmp_path: Path) -> None:
    folder = speed_model(tmp_path, TINY)
    assert (folder / "openvino_model.xml").is_file()
    assert speed_model(tmp_path, TINY) == folder
    monkey_shape = pytest.MonkeyPatch()
    monkey_shape.setattr(bench_longctx, "SpeedShape", lambda: TINY)
    try:
        assert speed_ttft(folder, 300, None) > 0
        assert speed_ttft(folder, 2500, ALWAYS_PLAN) > 0
    finally:
        monkey_shape.undo()


def test_json_prints_the_rows_scripts_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    row = LongContextRun("openvino", "m", 4096, 2.0, 1.0, 2.0, None, None, 100.0, 1.0)
    monkeypatch.setattr(bench_longctx, "speed_model", lambda _root: Path("x"))
    monkeypatch.setattr(bench_longctx, "speed_run", lambda _f, tokens: replace(row, tokens=tokens))
    monkeypatch.setattr(bench_longctx, "needle_runs", lambda *_a: [replace(row, needle_found=True)])
    args = argparse.Namespace(
        tokens="4096,8192",
        backends="openvino",
        json=True,
        no_needle=False,
        model=None,
        needle_context=None,
    )
    assert bench_longctx.main(args) == 0
    report = json.loads(capsys.readouterr().out)
    results = report["results"]
    assert [r["tokens"] for r in results] == [4096, 8192, 4096]
    for key in ("backend", "tokens", "dense_ttft_s", "sparse_ttft_s", "speedup", "needle_found"):
        assert all(key in r for r in results)
    assert results[0]["needle_found"] is None
    assert results[2]["needle_found"] is True
    assert report["machine"]["sparse_plan"]["recent_tokens"] > 0


def test_the_starter_finds_the_needle_on_llama_cpp(starter_path: Path) -> None:
    request = LoadRequest(model=starter_path)
    (run,) = needle_runs(request, ["llama"], context=1024)
    assert run.backend == "llama"
    assert 700 < run.tokens <= 1024
    assert run.sparse_ttft_s is None and run.speedup is None
    assert run.needle_found is True
