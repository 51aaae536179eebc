"""`python main.py convert`: estimate, convert, verify, register under models/converted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from app.core import paths
from tests.engine.gguf_factory import write_minicpm_gguf


@pytest.mark.slow
def test_convert_registers_a_verified_model_that_models_list_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_minicpm_gguf(tmp_path / "MiniCPM4.1-tiny-F16.gguf")
    assert main.main(["convert", str(source), "--yes", "--weights", "keep"]) == 0
    out = capsys.readouterr().out
    assert "temporary disk" in out and "top-1 agreement 100.0%" in out
    folder = paths.models_dir() / "converted" / "MiniCPM4.1-tiny-F16-ov"
    assert json.loads((folder / "verification.json").read_text(encoding="utf-8"))["passed"]
    assert main.main(["models", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert any(row["name"] == folder.name for row in rows)
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_convert_refuses_a_missing_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["convert", "no-such-model", "--yes"]) == 1
    assert "no-such-model" in capsys.readouterr().err


def test_bench_runs_llama_cpp_on_the_gguf_and_openvino_on_its_conversion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_minicpm_gguf(tmp_path / "MiniCPM4.1-tiny-F16.gguf")
    assert (
        main.main(["convert", str(source), "--yes", "--weights", "keep", "--name", "tiny-ov"]) == 0
    )
    capsys.readouterr()
    folder = paths.models_dir() / "converted" / "tiny-ov"
    args = [
        "bench",
        "backends",
        "-m",
        str(source),
        "--openvino-model",
        str(folder),
        "--tokens",
        "4",
    ]
    assert main.main([*args, "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [run["backend"] for run in runs][:2] == ["llama", "openvino"]
    assert all(run["prefill_tokens"] > 100 for run in runs)
    assert [run["precision"] for run in runs][:2] == ["", "f32, KV f16"]


def test_a_full_disk_is_said_in_words_and_registers_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from engine.convert import job

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(job, "build_openvino_model", full)
    source = write_minicpm_gguf(tmp_path / "MiniCPM4.1-tiny-F16.gguf")
    assert main.main(["convert", str(source), "--yes", "--weights", "keep"]) == 1
    assert "the disk is full; nothing was registered" in capsys.readouterr().err
    converted = paths.models_dir() / "converted"
    assert not converted.exists() or list(converted.iterdir()) == []
