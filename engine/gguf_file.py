"""Read and validate a GGUF file's header without loading its weights: `read_gguf`, `GGUFFile`.

llama.cpp refuses a broken file politely, but OpenVINO GenAI segfaults on many of them and
takes the whole app down (see docs / FACTS: absurd counts, truncated files). So every GGUF file
passes through `read_gguf` before either backend sees it. The reader is pure Python (struct
over one mmap) so it is fast and imports nothing heavy: it walks the header, bounds every count
and length by the bytes that remain (engine.gguf_reader), checks that each tensor's data lies
inside the file (engine.gguf_tensors), and refuses the values llama.cpp aborts on (here).
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from engine.errors import CorruptModelError, ModelNotFoundError, NotAModelError
from engine.gguf_reader import (
    HEADER,
    GGUFDamaged,
    GGUFReader,
    GGUFTruncated,
    read_header,
    read_metadata,
)
from engine.gguf_tensors import (
    GGUFTensor,
    align,
    data_alignment,
    place_tensors,
    read_tensor_infos,
)
from engine.sizes import format_size

# llama.cpp limits it asserts on (llama-hparams.h, llama-model.cpp) rather than reporting.
MAX_LAYERS = 512
MAX_EXPERTS = 1024
ROPE_SCALING_TYPES = frozenset({"none", "linear", "yarn", "longrope"})


@dataclass(frozen=True)
class GGUFFile:
    """A validated GGUF header. Metadata arrays are tuples (or GGUFArraySummary when long)."""

    path: Path
    version: int
    metadata: Mapping[str, object]
    tensors: tuple[GGUFTensor, ...]
    data_offset: int
    file_size: int

    def get(self, key: str, default: object = None) -> object:
        return self.metadata.get(key, default)

    @property
    def architecture(self) -> str | None:
        value = self.metadata.get("general.architecture")
        return value if isinstance(value, str) else None


def read_gguf(path: str | Path) -> GGUFFile:
    """Parse and validate the header of the GGUF file at `path`.

    Raises ModelNotFoundError (missing or unreadable), NotAModelError (not a GGUF file) or
    CorruptModelError (a GGUF file whose structure is broken), each with a message for people.
    """
    path = Path(path)
    file_size = _checked_file_size(path)
    if file_size == 0:
        raise CorruptModelError(
            f"The model file {path.name} is empty (0 bytes). The download may have failed."
        )
    try:
        with open(path, "rb") as handle:
            if file_size < HEADER.size:
                return _parse(handle.read(), path, file_size)
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                return _parse(view, path, file_size)
    except OSError as exc:
        raise ModelNotFoundError(f"Cannot read the model file {path}: {exc.strerror}.") from exc


def _checked_file_size(path: Path) -> int:
    try:
        if path.is_dir():
            raise NotAModelError(f"{path} is a folder, not a GGUF model file.")
        if not path.exists():
            raise ModelNotFoundError(f"The model file {path} does not exist.")
        if not path.is_file():
            raise NotAModelError(f"{path} is not a regular file, so it cannot be a model.")
        if not os.access(path, os.R_OK):
            raise ModelNotFoundError(f"The model file {path} cannot be read (permission denied).")
        return path.stat().st_size
    except OSError as exc:
        raise ModelNotFoundError(f"Cannot read the model file {path}: {exc.strerror}.") from exc


def _parse(buf: bytes | mmap.mmap, path: Path, file_size: int) -> GGUFFile:
    reader = GGUFReader(buf, file_size, path.name)
    try:
        version, n_tensors, n_kv = read_header(reader, path)
        metadata = read_metadata(reader, n_kv)
        tensor_infos = read_tensor_infos(reader, n_tensors)
    except GGUFTruncated:
        raise CorruptModelError(
            f"The model file {path.name} is truncated: it ends at {format_size(file_size)}, "
            "in the middle of its header. The download may be incomplete."
        ) from None
    except GGUFDamaged as exc:
        raise CorruptModelError(f"The model file {path.name} is damaged: {exc}.") from None
    _check_llama_cpp_asserts(metadata, path)
    alignment = data_alignment(metadata, path)
    data_offset = align(reader.pos, alignment)
    tensors = place_tensors(tensor_infos, data_offset, alignment, file_size, path)
    return GGUFFile(
        path=path,
        version=version,
        metadata=MappingProxyType(metadata),
        tensors=tensors,
        data_offset=data_offset,
        file_size=file_size,
    )


def _check_llama_cpp_asserts(metadata: Mapping[str, object], path: Path) -> None:
    """Values that make llama.cpp abort the whole process (GGML_ASSERT) instead of refusing.

    Measured with llama-cpp-python 0.3.36: an unknown rope scaling type, more than 1,024
    experts, and a block count outside 1..512 each end in SIGABRT.
    """
    arch = metadata.get("general.architecture")
    if not isinstance(arch, str):
        return
    problem = ""
    scaling = metadata.get(f"{arch}.rope.scaling.type")
    block_count = metadata.get(f"{arch}.block_count")
    experts = metadata.get(f"{arch}.expert_count", 0)
    used = metadata.get(f"{arch}.expert_used_count", 0)
    if scaling is not None and scaling not in ROPE_SCALING_TYPES:
        problem = f"its RoPE scaling type {scaling!r} is unknown"
    elif isinstance(block_count, int) and not 1 <= block_count <= MAX_LAYERS:
        problem = f"its layer count {block_count:,} is impossible"
    elif isinstance(experts, int) and not 0 <= experts <= MAX_EXPERTS:
        problem = f"its expert count {experts:,} is impossible"
    elif isinstance(used, int) and isinstance(experts, int) and used > experts:
        problem = f"it uses {used:,} experts of only {experts:,}"
    if problem:
        raise CorruptModelError(f"The model file {path.name} is damaged: {problem}.")
