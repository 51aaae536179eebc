"""The tensor table of a GGUF file: read, typed, and placed inside the file.

OpenVINO GenAI segfaults on a tensor whose data lies past the end of the file or whose shape
does not fit its type's blocks, so each tensor is checked here before either backend sees it:
a known ggml type, 1 to 4 positive dimensions, rows a whole number of blocks, an aligned offset,
data inside the file and no two tensors overlapping. `GGML_TYPES` is the ggml type table (also
used by the converter); `GGUFTensor` is one placed tensor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from engine.errors import CorruptModelError
from engine.gguf_reader import GGUFDamaged, GGUFReader
from engine.sizes import format_size

DEFAULT_ALIGNMENT = 32
# llama.cpp's GGML_MAX_NAME is 64 bytes including the terminating NUL.
MAX_TENSOR_NAME_LENGTH = 63
MAX_DIMS = 4
PLAUSIBLE_MODEL_BYTES = 1 << 44  # 17.6 TB

# ggml type id -> (name, elements per block, bytes per block). Hardcoded from ggml.h /
# gguf-py's GGML_QUANT_SIZES so that reading a header never imports numpy; a test checks it
# against the installed `gguf` package.
GGML_TYPES: Mapping[int, tuple[str, int, int]] = MappingProxyType(
    {
        0: ("F32", 1, 4),
        1: ("F16", 1, 2),
        2: ("Q4_0", 32, 18),
        3: ("Q4_1", 32, 20),
        6: ("Q5_0", 32, 22),
        7: ("Q5_1", 32, 24),
        8: ("Q8_0", 32, 34),
        9: ("Q8_1", 32, 36),
        10: ("Q2_K", 256, 84),
        11: ("Q3_K", 256, 110),
        12: ("Q4_K", 256, 144),
        13: ("Q5_K", 256, 176),
        14: ("Q6_K", 256, 210),
        15: ("Q8_K", 256, 292),
        16: ("IQ2_XXS", 256, 66),
        17: ("IQ2_XS", 256, 74),
        18: ("IQ3_XXS", 256, 98),
        19: ("IQ1_S", 256, 50),
        20: ("IQ4_NL", 32, 18),
        21: ("IQ3_S", 256, 110),
        22: ("IQ2_S", 256, 82),
        23: ("IQ4_XS", 256, 136),
        24: ("I8", 1, 1),
        25: ("I16", 1, 2),
        26: ("I32", 1, 4),
        27: ("I64", 1, 8),
        28: ("F64", 1, 8),
        29: ("IQ1_M", 256, 56),
        30: ("BF16", 1, 2),
        34: ("TQ1_0", 256, 54),
        35: ("TQ2_0", 256, 66),
        39: ("MXFP4", 32, 17),
        40: ("NVFP4", 64, 36),
        41: ("Q1_0", 128, 18),
        42: ("Q2_0", 64, 18),
    }
)


@dataclass(frozen=True)
class GGUFTensor:
    """One tensor's header entry; `offset` is absolute in the file (data section included)."""

    name: str
    shape: tuple[int, ...]
    ggml_type: int
    type_name: str
    offset: int
    n_bytes: int

    @property
    def n_elements(self) -> int:
        count = 1
        for dim in self.shape:
            count *= dim
        return count


@dataclass(frozen=True)
class TensorInfo:
    """A tensor's entry as the header gives it, before it is placed in the data section."""

    name: str
    shape: tuple[int, ...]
    ggml_type: int
    relative_offset: int


def read_tensor_infos(reader: GGUFReader, n_tensors: int) -> list[TensorInfo]:
    """The tensor table, which follows the metadata; each entry's name, shape and type checked."""
    if n_tensors == 0:
        raise CorruptModelError(
            f"The model file {reader.name} contains no weights (0 tensors); it may be a "
            "vocabulary-only file rather than a model."
        )
    infos: list[TensorInfo] = []
    seen: set[str] = set()
    for index in range(n_tensors):
        name = reader.string(f"the name of tensor #{index + 1}", max_length=MAX_TENSOR_NAME_LENGTH)
        if name in seen:
            raise GGUFDamaged(f"the tensor '{name}' appears twice")
        seen.add(name)
        n_dims = reader.u32()
        if not 1 <= n_dims <= MAX_DIMS:
            raise GGUFDamaged(f"the tensor '{name}' claims {n_dims} dimensions (allowed: 1 to 4)")
        shape = tuple(reader.u64() for _ in range(n_dims))
        if any(dim <= 0 or dim >= 2**63 for dim in shape):
            raise GGUFDamaged(f"the tensor '{name}' has an impossible shape {list(shape)}")
        ggml_type = reader.u32()
        if ggml_type not in GGML_TYPES:
            raise GGUFDamaged(
                f"the tensor '{name}' has an unknown type {ggml_type} "
                "(or it was made by a newer llama.cpp than this app knows)"
            )
        infos.append(TensorInfo(name, shape, ggml_type, reader.u64()))
    return infos


def data_alignment(metadata: Mapping[str, object], path: Path) -> int:
    """`general.alignment`: where the data section and every tensor in it start."""
    alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
    if (
        not isinstance(alignment, int)
        or isinstance(alignment, bool)
        or alignment <= 0
        or alignment & (alignment - 1)
    ):
        raise CorruptModelError(
            f"The model file {path.name} is damaged: its alignment {alignment!r} "
            "is not a power of two."
        )
    return alignment


def align(offset: int, alignment: int) -> int:
    return offset + (-offset) % alignment


def place_tensors(
    infos: list[TensorInfo],
    data_offset: int,
    alignment: int,
    file_size: int,
    path: Path,
) -> tuple[GGUFTensor, ...]:
    """The tensors at their absolute offsets, once all their data is known to lie in the file."""
    tensors = tuple(_place_tensor(info, data_offset, alignment, path) for info in infos)
    data_end = max(t.offset + t.n_bytes for t in tensors)
    if data_end > max(file_size, PLAUSIBLE_MODEL_BYTES):
        raise CorruptModelError(
            f"The model file {path.name} is damaged: its tensors claim "
            f"{format_size(data_end)}, far more than any model holds."
        )
    if data_end > file_size:
        have, need = format_size(file_size), format_size(data_end)
        if have == need:  # rounding would hide the difference: "ends at 98 MB ... need 98 MB"
            have, need = f"{file_size:,} bytes", f"{data_end:,} bytes"
        raise CorruptModelError(
            f"The model file {path.name} is truncated: it ends at {have} "
            f"but its tensors need {need}. The download may be incomplete."
        )
    _check_overlaps(tensors, path)
    return tensors


def _place_tensor(info: TensorInfo, data_offset: int, alignment: int, path: Path) -> GGUFTensor:
    type_name, block_size, type_size = GGML_TYPES[info.ggml_type]
    if info.shape[0] % block_size:
        raise CorruptModelError(
            f"The model file {path.name} is damaged: the {type_name} tensor '{info.name}' has "
            f"rows of {info.shape[0]} values, not a multiple of its block size {block_size}."
        )
    if info.relative_offset % alignment:
        raise CorruptModelError(
            f"The model file {path.name} is damaged: the tensor '{info.name}' starts at "
            f"offset {info.relative_offset:,}, which is not a multiple of {alignment}."
        )
    n_elements = 1
    for dim in info.shape:
        n_elements *= dim
    return GGUFTensor(
        name=info.name,
        shape=info.shape,
        ggml_type=info.ggml_type,
        type_name=type_name,
        offset=data_offset + info.relative_offset,
        n_bytes=n_elements // block_size * type_size,
    )


def _check_overlaps(tensors: tuple[GGUFTensor, ...], path: Path) -> None:
    ordered = sorted(tensors, key=lambda t: t.offset)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.offset < before.offset + before.n_bytes:
            raise CorruptModelError(
                f"The model file {path.name} is damaged: the data of tensors '{before.name}' "
                f"and '{after.name}' overlap."
            )
