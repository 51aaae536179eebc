"""inspect_model: a GGUF file, an IR folder or its openvino_model.xml, and refusals in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import CorruptModelError, ModelNotFoundError, NotAModelError
from engine.model_inspection import inspect_model


def test_errors(tmp_path: Path, broken_ggufs: dict[str, Path]) -> None:
    with pytest.raises(ModelNotFoundError):
        inspect_model(tmp_path / "missing.gguf")
    with pytest.raises(CorruptModelError):
        inspect_model(broken_ggufs["truncated_at_1000"])
    (tmp_path / "readme.txt").write_text("not a model")
    with pytest.raises(NotAModelError):
        inspect_model(tmp_path / "readme.txt")


def test_a_folder_is_read_as_an_ir_folder_and_a_file_as_gguf(
    tmp_path: Path, tiny_llama_gguf: Path
) -> None:
    with pytest.raises(NotAModelError, match="no openvino_model.xml"):
        inspect_model(tmp_path)
    assert inspect_model(tiny_llama_gguf).format == "gguf"
