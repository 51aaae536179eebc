"""llama.cpp's requantization in a child process: cancel kills it, failure says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from convert_models import write_tied_minicpm

from engine.convert.requantize import RequantizeCancelled, requantize
from engine.errors import ModelLoadError


def test_cancel_kills_the_child_and_leaves_no_file(tmp_path: Path) -> None:
    source = write_tied_minicpm(tmp_path)
    target = tmp_path / "q.gguf"
    with pytest.raises(RequantizeCancelled):
        requantize(source, target, "Q8_0", should_stop=lambda: True)
    assert not target.exists()


def test_a_file_llama_cpp_cannot_read_is_an_error_with_its_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + bytes(60))
    with pytest.raises(ModelLoadError, match="llama.cpp could not requantize the model: .+"):
        requantize(broken, tmp_path / "q.gguf", "Q8_0")
    assert not (tmp_path / "q.gguf").exists()


def test_requantized_file_is_written(tmp_path: Path) -> None:
    source = write_tied_minicpm(tmp_path)
    target = requantize(source, tmp_path / "q.gguf", "Q4_0")
    assert target.is_file() and target.stat().st_size < source.stat().st_size
