"""Read and validate a GGUF file's header without loading its weights.

llama.cpp refuses a broken file politely, but OpenVINO GenAI segfaults on many of them and
takes the whole app down (see docs / FACTS: absurd counts, truncated files). So every GGUF file
passes through `read_gguf` before either backend sees it. The reader is pure Python (struct
over one mmap) so it is fast and imports nothing heavy: it walks the header, bounds every count
and length by the bytes that remain, and checks that each tensor's data lies inside the file.

Layout (versions 2 and 3, little-endian): magic "GGUF", u32 version, u64 tensor count,
u64 metadata count, the metadata key/values, the tensor infos, padding to `general.alignment`,
then the tensor data. https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from engine.errors import CorruptModelError, ModelNotFoundError, NotAModelError
from engine.sizes import format_size

__all__ = [
    "GGML_TYPES",
    "GGUFArraySummary",
    "GGUFFile",
    "GGUFTensor",
    "read_gguf",
]

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
MAX_KEY_LENGTH = 65535
# llama.cpp's GGML_MAX_NAME is 64 bytes including the terminating NUL.
MAX_TENSOR_NAME_LENGTH = 63
MAX_DIMS = 4
# An array of arrays is legal GGUF; anything deeper is a damaged file, not a real model.
MAX_ARRAY_DEPTH = 2
# Arrays longer than this are skipped (bounds-checked) and kept only as a summary; the tokens
# array is always kept, when it holds text, because the app needs it (BOS / EOS, special tokens).
KEEP_ARRAY_ITEMS = 1024
# llama.cpp limits it asserts on (llama-hparams.h, llama-model.cpp) rather than reporting.
MAX_LAYERS = 512
MAX_EXPERTS = 1024
ROPE_SCALING_TYPES = frozenset({"none", "linear", "yarn", "longrope"})
# Above these a count or length that does not fit is called damage rather than truncation
# (real files: < 100k tensors and keys, tokenizer strings and templates far below 16 MB).
PLAUSIBLE_COUNT = 1 << 24
PLAUSIBLE_STRING_BYTES = 1 << 24
PLAUSIBLE_MODEL_BYTES = 1 << 44  # 17.6 TB
ALWAYS_KEEP_ARRAYS = frozenset({"tokenizer.ggml.tokens"})

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

# GGUF metadata value types.
_UINT8, _INT8, _UINT16, _INT16, _UINT32, _INT32, _FLOAT32, _BOOL = range(8)
_STRING, _ARRAY, _UINT64, _INT64, _FLOAT64 = 8, 9, 10, 11, 12
_SCALAR_FORMATS: Mapping[int, str] = MappingProxyType(
    {
        _UINT8: "B",
        _INT8: "b",
        _UINT16: "H",
        _INT16: "h",
        _UINT32: "I",
        _INT32: "i",
        _FLOAT32: "f",
        _BOOL: "?",
        _UINT64: "Q",
        _INT64: "q",
        _FLOAT64: "d",
    }
)
_SCALAR_STRUCTS: Mapping[int, struct.Struct] = MappingProxyType(
    {t: struct.Struct("<" + f) for t, f in _SCALAR_FORMATS.items()}
)
_SCALAR_SIZES: Mapping[int, int] = MappingProxyType({t: s.size for t, s in _SCALAR_STRUCTS.items()})
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_HEADER = struct.Struct("<4sIQQ")
# Smallest possible encodings, used to bound counts by the bytes left in the file.
_MIN_KV_BYTES = 8 + 1 + 4 + 1  # key length, a 1-byte key, value type, a 1-byte value
_MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8  # name length, name, n_dims, one dim, type, offset


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
class GGUFArraySummary:
    """Stands in for a long metadata array that was skipped rather than decoded."""

    item_type: int
    length: int


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
            if file_size < _HEADER.size:
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


class _Damaged(Exception):
    """Internal: a structural problem; read_gguf turns it into CorruptModelError."""


class _Truncated(Exception):
    """Internal: the header runs past the end of the file."""


class _Reader:
    """A bounds-checked cursor over the file's bytes."""

    def __init__(self, buf: bytes | mmap.mmap, size: int, name: str) -> None:
        self.buf = buf
        self.name = name
        self.size = size
        self.pos = 0

    def remaining(self) -> int:
        return self.size - self.pos

    def need(self, n_bytes: int) -> None:
        if n_bytes > self.size - self.pos:
            raise _Truncated

    def check_room(self, n_bytes: int, claimed: int, plausible: int, claim: str) -> None:
        """Fail when `n_bytes` do not fit in what remains of the file.

        A plausible claim that does not fit means the file was cut short (an interrupted
        download); an absurd one means the header itself is damaged. Both are refused before
        anything is allocated.
        """
        if n_bytes <= self.size - self.pos:
            return
        if claimed <= plausible:
            raise _Truncated
        raise _Damaged(f"{claim}, more than the file's {format_size(self.size)} could hold")

    def u32(self) -> int:
        self.need(4)
        (value,) = _U32.unpack_from(self.buf, self.pos)
        self.pos += 4
        return int(value)

    def u64(self) -> int:
        self.need(8)
        (value,) = _U64.unpack_from(self.buf, self.pos)
        self.pos += 8
        return int(value)

    def string(self, what: str, max_length: int | None = None) -> str:
        length = self.u64()
        if max_length is not None and length > max_length:
            raise _Damaged(
                f"{what} is {length:,} bytes long where at most {max_length:,} are allowed"
            )
        claim = f"{what} claims to be {length:,} bytes long"
        self.check_room(length, length, PLAUSIBLE_STRING_BYTES, claim)
        start = self.pos
        self.pos += length
        return self.buf[start : self.pos].decode("utf-8", errors="replace")


def _parse(buf: bytes | mmap.mmap, path: Path, file_size: int) -> GGUFFile:
    reader = _Reader(buf, file_size, path.name)
    try:
        version, n_tensors, n_kv = _read_header(reader, path)
        metadata = _read_metadata(reader, n_kv)
        tensor_infos = _read_tensor_infos(reader, n_tensors)
    except _Truncated:
        raise CorruptModelError(
            f"The model file {path.name} is truncated: it ends at {format_size(file_size)}, "
            "in the middle of its header. The download may be incomplete."
        ) from None
    except _Damaged as exc:
        raise CorruptModelError(f"The model file {path.name} is damaged: {exc}.") from None
    _check_llama_cpp_asserts(metadata, path)
    alignment = _alignment(metadata, path)
    data_offset = _align(reader.pos, alignment)
    tensors = _place_tensors(tensor_infos, data_offset, alignment, file_size, path)
    return GGUFFile(
        path=path,
        version=version,
        metadata=MappingProxyType(metadata),
        tensors=tensors,
        data_offset=data_offset,
        file_size=file_size,
    )


def _read_header(reader: _Reader, path: Path) -> tuple[int, int, int]:
    magic = bytes(reader.buf[:4])
    if magic != GGUF_MAGIC[: len(magic)]:
        raise NotAModelError(f"{path.name} is not a GGUF model file (it does not start with GGUF).")
    reader.need(_HEADER.size)
    _, version, n_tensors, n_kv = _HEADER.unpack_from(reader.buf, 0)
    reader.pos = _HEADER.size
    _check_version(version, path)
    reader.check_room(
        n_tensors * _MIN_TENSOR_INFO_BYTES,
        n_tensors,
        PLAUSIBLE_COUNT,
        f"its header claims {n_tensors:,} tensors",
    )
    reader.check_room(
        n_kv * _MIN_KV_BYTES,
        n_kv,
        PLAUSIBLE_COUNT,
        f"its header claims {n_kv:,} metadata entries",
    )
    return int(version), int(n_tensors), int(n_kv)


def _check_version(version: int, path: Path) -> None:
    if version in SUPPORTED_VERSIONS:
        return
    if version == 1:
        raise CorruptModelError(
            f"{path.name} is a GGUF version 1 file (from 2023), which is no longer supported. "
            "Download a newer conversion of this model."
        )
    if version & 0xFFFF == 0 and (version >> 24) in SUPPORTED_VERSIONS:
        raise CorruptModelError(
            f"{path.name} is a big-endian GGUF file; only little-endian files are supported."
        )
    raise CorruptModelError(
        f"The model file {path.name} has GGUF version {version}; only versions 2 and 3 "
        "are supported. The file may be damaged or made by a much newer tool."
    )


def _read_metadata(reader: _Reader, n_kv: int) -> dict[str, object]:
    metadata: dict[str, object] = {}
    for index in range(n_kv):
        key = reader.string(f"metadata key #{index + 1}", max_length=MAX_KEY_LENGTH)
        if not key:
            raise _Damaged(f"metadata key #{index + 1} is empty")
        if key in metadata:
            raise _Damaged(f"the metadata key '{key}' appears twice")
        value_type = reader.u32()
        metadata[key] = _read_value(reader, value_type, key, depth=0)
    return metadata


def _read_value(reader: _Reader, value_type: int, key: str, depth: int) -> object:
    scalar = _SCALAR_STRUCTS.get(value_type)
    if scalar is not None:
        reader.need(scalar.size)
        (value,) = scalar.unpack_from(reader.buf, reader.pos)
        reader.pos += scalar.size
        return value
    if value_type == _STRING:
        return reader.string(f"the value of '{key}'")
    if value_type == _ARRAY:
        return _read_array(reader, key, depth + 1)
    raise _Damaged(f"the metadata key '{key}' has an unknown value type {value_type}")


def _read_array(reader: _Reader, key: str, depth: int) -> object:
    if depth > MAX_ARRAY_DEPTH:
        raise _Damaged(f"the metadata key '{key}' nests arrays {depth} deep")
    item_type = reader.u32()
    length = reader.u64()
    item_size = _SCALAR_SIZES.get(item_type)
    min_item_size = item_size if item_size is not None else 8  # strings/arrays: a u64 length
    if item_type not in _SCALAR_SIZES and item_type not in (_STRING, _ARRAY):
        raise _Damaged(f"the metadata array '{key}' has an unknown item type {item_type}")
    reader.check_room(
        length * min_item_size,
        length,
        PLAUSIBLE_COUNT,
        f"the metadata array '{key}' claims {length:,} items",
    )
    # Only text is kept past the limit: a tokens array of numbers holds no token text, and
    # decoding one costs eight times its bytes (a crafted 5 GB file: 40 GB).
    keep = length <= KEEP_ARRAY_ITEMS or (key in ALWAYS_KEEP_ARRAYS and item_type == _STRING)
    if item_size is not None:
        return _read_scalar_array(reader, item_type, length, keep)
    if item_type == _STRING:
        return _read_string_array(reader, key, length, keep)
    if not keep:  # walked for the bounds checks only: nothing is held
        for _ in range(length):
            _read_array(reader, key, depth + 1)
        return GGUFArraySummary(item_type, length)
    return tuple(_read_array(reader, key, depth + 1) for _ in range(length))


def _read_scalar_array(reader: _Reader, item_type: int, length: int, keep: bool) -> object:
    n_bytes = length * _SCALAR_SIZES[item_type]
    start = reader.pos
    reader.pos += n_bytes  # bounded above by _read_array
    if not keep:
        return GGUFArraySummary(item_type, length)
    return struct.unpack_from(f"<{length}{_SCALAR_FORMATS[item_type]}", reader.buf, start)


def _read_string_array(reader: _Reader, key: str, length: int, keep: bool) -> object:
    # The hot loop of the whole reader (130k tokens in MiniCPM5): locals only, no method calls.
    buf, pos, size = reader.buf, reader.pos, reader.size
    unpack_u64: Callable[[bytes | mmap.mmap, int], tuple[int]] = _U64.unpack_from
    items: list[str] = []
    append = items.append
    for index in range(length):
        if pos + 8 > size:
            raise _Truncated
        (n,) = unpack_u64(buf, pos)
        pos += 8
        end = pos + n
        if end > size:
            reader.pos = pos
            reader.check_room(
                n,
                n,
                PLAUSIBLE_STRING_BYTES,
                f"item {index:,} of '{key}' is {n:,} bytes",
            )
        if keep:
            append(buf[pos:end].decode("utf-8", errors="replace"))
        pos = end
    reader.pos = pos
    return tuple(items) if keep else GGUFArraySummary(_STRING, length)


@dataclass(frozen=True)
class _TensorInfo:
    name: str
    shape: tuple[int, ...]
    ggml_type: int
    relative_offset: int


def _read_tensor_infos(reader: _Reader, n_tensors: int) -> list[_TensorInfo]:
    if n_tensors == 0:
        raise CorruptModelError(
            f"The model file {reader.name} contains no weights (0 tensors); it may be a "
            "vocabulary-only file rather than a model."
        )
    infos: list[_TensorInfo] = []
    seen: set[str] = set()
    for index in range(n_tensors):
        name = reader.string(f"the name of tensor #{index + 1}", max_length=MAX_TENSOR_NAME_LENGTH)
        if name in seen:
            raise _Damaged(f"the tensor '{name}' appears twice")
        seen.add(name)
        n_dims = reader.u32()
        if not 1 <= n_dims <= MAX_DIMS:
            raise _Damaged(f"the tensor '{name}' claims {n_dims} dimensions (allowed: 1 to 4)")
        shape = tuple(reader.u64() for _ in range(n_dims))
        if any(dim <= 0 or dim >= 2**63 for dim in shape):
            raise _Damaged(f"the tensor '{name}' has an impossible shape {list(shape)}")
        ggml_type = reader.u32()
        if ggml_type not in GGML_TYPES:
            raise _Damaged(
                f"the tensor '{name}' has an unknown type {ggml_type} "
                "(or it was made by a newer llama.cpp than this app knows)"
            )
        infos.append(_TensorInfo(name, shape, ggml_type, reader.u64()))
    return infos


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


def _alignment(metadata: Mapping[str, object], path: Path) -> int:
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


def _align(offset: int, alignment: int) -> int:
    return offset + (-offset) % alignment


def _place_tensors(
    infos: list[_TensorInfo],
    data_offset: int,
    alignment: int,
    file_size: int,
    path: Path,
) -> tuple[GGUFTensor, ...]:
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


def _place_tensor(info: _TensorInfo, data_offset: int, alignment: int, path: Path) -> GGUFTensor:
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
