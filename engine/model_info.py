"""What the app knows about a model before loading it: `ModelInfo`, and the field rules both
inspectors share (MiniCPM version, thinking, plain values from JSON and metadata).

The app needs to know, before it picks a backend: the architecture, context length, chat
template, BOS / EOS, quantization, whether it is a MiniCPM model (muP scales, InfLLM v2 sparse
attention, thinking) and whether OpenVINO GenAI can run it accurately. A `ModelInfo` is made by
engine.model_inspection.inspect_model from a GGUF file (engine.gguf_info) or an OpenVINO IR
folder (engine.ir_info); which backend can run it is decided in engine.openvino_support.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

ModelFormat = Literal["gguf", "openvino", "remote"]

_EMPTY: Mapping[str, object] = MappingProxyType({})
# "MiniCPM4.1-8B" -> 4.1, "MiniCPM5-1B" -> 5, "minicpm-4" -> 4; "MiniCPM-2B" is a size, not a
# version, hence the look-ahead refusing a size suffix. Possessive quantifiers: giving digits
# back never helps the look-ahead, and backtracking made a long name (a file's general.name)
# take quadratic time (40 s for a 100 KB name).
_MINICPM_VERSION = re.compile(r"minicpm[-_ ]?v?(\d++(?:\.\d++)?+)(?![\d.]*+[bm]\b)", re.IGNORECASE)


@dataclass(frozen=True)
class ModelInfo:
    """What the app knows about a model before loading it. `extra` holds format details."""

    path: Path
    format: ModelFormat
    name: str
    architecture: str | None
    context_length: int | None = None
    chat_template: str | None = None
    quantization: str | None = None
    size_bytes: int = 0
    parameter_count: int | None = None
    tokenizer_model: str | None = None
    bos_token: str | None = None
    eos_token: str | None = None
    add_bos_token: bool = False
    eos_token_id: int | None = None
    bos_token_id: int | None = None
    tensor_types: frozenset[str] = frozenset()
    is_minicpm: bool = False
    minicpm_version: str | None = None
    sparse_config: Mapping[str, object] | None = None
    rope_scaling: Mapping[str, object] | None = None
    supports_thinking: bool = False
    extra: Mapping[str, object] = field(default_factory=lambda: _EMPTY)


def minicpm_version_of(names: Iterable[str], arch: str | None) -> str | None:
    """The MiniCPM version the first of `names` gives ("MiniCPM4.1-8B" -> "4.1")."""
    for name in names:
        match = _MINICPM_VERSION.search(name)
        if match:
            return match.group(1)
    return "3" if arch == "minicpm3" else None


def template_thinks(template: str | None) -> bool:
    """Whether a chat template knows thinking (so the app offers the switch)."""
    return template is not None and ("enable_thinking" in template or "<think>" in template)


def str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def int_or_none(*values: object) -> int | None:
    """The first value that is an int (or a string of digits, as rt_info stores them)."""
    for value in values:
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            try:
                return int(value)
            except ValueError:  # "²" is a digit int() refuses, "--5", 5,000 digits and more
                continue
    return None
