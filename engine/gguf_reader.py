"""The low-level GGUF reader: a bounds-checked cursor over the file, the header and the metadata.

Every count and length a GGUF header claims is bounded by the bytes that remain before anything
is allocated, so a crafted or cut-off file costs no more memory than its own size. A plausible
claim that does not fit means the file was cut short (`GGUFTruncated`), an absurd one that the
header is damaged (`GGUFDamaged`); engine.gguf_file turns both into CorruptModelError with the
file's name. Long metadata arrays are walked for the bounds checks and kept only as a
`GGUFArraySummary`. The tensor table is read by engine.gguf_tensors with the same cursor.

Layout (versions 2 and 3, little-endian): magic "GGUF", u32 version, u64 tensor count,
u64 metadata count, the metadata key/values, the tensor infos, padding to `general.alignment`,
then the tensor data. https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from engine.errors import CorruptModelError, NotAModelError
from engine.sizes import format_size

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
MAX_KEY_LENGTH = 65535
# An array of arrays is legal GGUF; anything deeper is a damaged file, not a real model.
MAX_ARRAY_DEPTH = 2
# Arrays longer than this are skipped (bounds-checked) and kept only as a summary; the tokens
# array is always kept, when it holds text, because the app needs it (BOS / EOS, special tokens).
KEEP_ARRAY_ITEMS = 1024
# Above these a count or length that does not fit is called damage rather than truncation
# (real files: < 100k tensors and keys, tokenizer strings and templates far below 16 MB).
PLAUSIBLE_COUNT = 1 << 24
PLAUSIBLE_STRING_BYTES = 1 << 24
ALWAYS_KEEP_ARRAYS = frozenset({"tokenizer.ggml.tokens"})

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
HEADER = struct.Struct("<4sIQQ")
# Smallest possible encodings, used to bound counts by the bytes left in the file.
_MIN_KV_BYTES = 8 + 1 + 4 + 1  # key length, a 1-byte key, value type, a 1-byte value
_MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8  # name length, name, n_dims, one dim, type, offset


@dataclass(frozen=True)
class GGUFArraySummary:
    """Stands in for a long metadata array that was skipped rather than decoded."""

    item_type: int
    length: int


class GGUFDamaged(Exception):
    """A structural problem; read_gguf turns it into CorruptModelError."""


class GGUFTruncated(Exception):
    """The header runs past the end of the file."""


class GGUFReader:
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
            raise GGUFTruncated

    def check_room(self, n_bytes: int, claimed: int, plausible: int, claim: str) -> None:
        """Fail when `n_bytes` do not fit in what remains of the file.

        A plausible claim that does not fit means the file was cut short (an interrupted
        download); an absurd one means the header itself is damaged. Both are refused before
        anything is allocated.
        """
        if n_bytes <= self.size - self.pos:
            return
        if claimed <= plausible:
            raise GGUFTruncated
        raise GGUFDamaged(f"{claim}, more than the file's {format_size(self.size)} could hold")

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
            raise GGUFDamaged(
                f"{what} is {length:,} bytes long where at most {max_length:,} are allowed"
            )
        claim = f"{what} claims to be {length:,} bytes long"
        self.check_room(length, length, PLAUSIBLE_STRING_BYTES, claim)
        start = self.pos
        self.pos += length
        return self.buf[start : self.pos].decode("utf-8", errors="replace")


def read_header(reader: GGUFReader, path: Path) -> tuple[int, int, int]:
    magic = bytes(reader.buf[:4])
    if magic != GGUF_MAGIC[: len(magic)]:
        raise NotAModelError(f"{path.name} is not a GGUF model file (it does not start with GGUF).")
    reader.need(HEADER.size)
    _, version, n_tensors, n_kv = HEADER.unpack_from(reader.buf, 0)
    reader.pos = HEADER.size
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


def read_metadata(reader: GGUFReader, n_kv: int) -> dict[str, object]:
    metadata: dict[str, object] = {}
    for index in range(n_kv):
        key = reader.string(f"metadata key #{index + 1}", max_length=MAX_KEY_LENGTH)
        if not key:
            raise GGUFDamaged(f"metadata key #{index + 1} is empty")
        if key in metadata:
            raise GGUFDamaged(f"the metadata key '{key}' appears twice")
        value_type = reader.u32()
        metadata[key] = _read_value(reader, value_type, key, depth=0)
    return metadata


def _read_value(reader: GGUFReader, value_type: int, key: str, depth: int) -> object:
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
    raise GGUFDamaged(f"the metadata key '{key}' has an unknown value type {value_type}")


def _read_array(reader: GGUFReader, key: str, depth: int) -> object:
    if depth > MAX_ARRAY_DEPTH:
        raise GGUFDamaged(f"the metadata key '{key}' nests arrays {depth} deep")
    item_type = reader.u32()
    length = reader.u64()
    item_size = _SCALAR_SIZES.get(item_type)
    min_item_size = item_size if item_size is not None else 8  # strings/arrays: a u64 length
    if item_type not in _SCALAR_SIZES and item_type not in (_STRING, _ARRAY):
        raise GGUFDamaged(f"the metadata array '{key}' has an unknown item type {item_type}")
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


def _read_scalar_array(reader: GGUFReader, item_type: int, length: int, keep: bool) -> object:
    n_bytes = length * _SCALAR_SIZES[item_type]
    start = reader.pos
    reader.pos += n_bytes  # bounded above by _read_array
    if not keep:
        return GGUFArraySummary(item_type, length)
    return struct.unpack_from(f"<{length}{_SCALAR_FORMATS[item_type]}", reader.buf, start)


def _read_string_array(reader: GGUFReader, key: str, length: int, keep: bool) -> object:
    # The hot loop of the whole reader (130k tokens in MiniCPM5): locals only, no method calls.
    buf, pos, size = reader.buf, reader.pos, reader.size
    unpack_u64: Callable[[bytes | mmap.mmap, int], tuple[int]] = _U64.unpack_from
    items: list[str] = []
    append = items.append
    for index in range(length):
        if pos + 8 > size:
            raise GGUFTruncated
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
