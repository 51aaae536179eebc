"""Inspect a model (GGUF file or OpenVINO IR folder) without loading its weights: `inspect_model`.

Everything reads headers and small JSON / XML files only, so inspecting a 5 GB model takes
milliseconds; a GGUF file is validated (engine.gguf_file) before anything else reads it.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import ModelNotFoundError
from engine.gguf_file import read_gguf
from engine.gguf_info import gguf_model_info
from engine.ir_info import IR_MODEL_FILES, ir_model_info
from engine.model_info import ModelInfo


def inspect_model(path: str | Path) -> ModelInfo:
    """Inspect a .gguf file or an OpenVINO IR folder (or its openvino_model.xml)."""
    path = Path(path)
    if not path.exists():
        raise ModelNotFoundError(f"The model {path} does not exist.")
    if path.is_dir():
        return ir_model_info(path)
    if path.name == IR_MODEL_FILES[0]:
        return ir_model_info(path.parent)
    return gguf_model_info(read_gguf(path))
