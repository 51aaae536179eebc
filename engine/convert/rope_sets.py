"""Both LongRoPE factor sets in one converted model, and the model with the long set in use.

llama.cpp rotates every position with `rope_factors_long` when the context the person chose
exceeds `rope.scaling.original_context_length`, else with `rope_factors_short`
(`llama_model::get_rope_factors`). The context is known only at load, and OpenVINO GenAI's
graph inputs are fixed (input_ids, attention_mask, position_ids, beam_idx: an extra input
breaks its paged-attention transformation), so the choice cannot be a graph input.

How the IR holds both (engine.convert.graph): the rotary's inverse frequencies come from a
Constant named SHORT_CONSTANT (the short set); a Constant named LONG_CONSTANT (the long set)
of the same type and shape sits beside it in a Select whose condition is a constant False, so
the compile folds it away and `save_model` still writes its bytes into the .bin. The model's
rt_info (RT_INFO_KEY) records the original context. `openvino_model.xml` itself therefore
computes with the short set, exactly as a one-set IR, and every tool that opens the folder by
path gets that.

The long set in use: the XML text with the short Constant's `offset` pointed at the long
Constant's bytes (the only edit; type, shape and size are checked equal), read with the
unchanged .bin as weights. `long_set_model` builds that; the .bin is memory-mapped into a
shared `openvino.Tensor`, so nothing is copied (the same as OpenVINO's own mmap of the .bin).
Chosen over one IR per context band (a second XML beside the same .bin): the same bytes, but
a second file that has to stay in step with the first; and over appending the long set to the
.bin after saving: the export child (engine.convert.gguf_export) saves the graph with
`openvino.save_model` too and gets both sets without a step of its own.
"""

from __future__ import annotations

import mmap
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import CorruptModelError

__all__ = [
    "LLAMA_CPP_CONTEXT_PADDING",
    "LONG_CONSTANT",
    "RT_INFO_KEY",
    "SHORT_CONSTANT",
    "LongSetModel",
    "RopeSets",
    "long_set_model",
    "largest_short_context",
    "long_set_xml",
    "read_model_xml",
    "read_rope_sets",
    "release_resident_pages",
    "uses_long_set",
]

SHORT_CONSTANT = "rope_inverse_frequencies"
LONG_CONSTANT = "rope_inverse_frequencies_long"
# The model's rt_info: <rope_long_factors><original_context_length value="..."/></...>
RT_INFO_KEY = "rope_long_factors"
_ORIGINAL = "original_context_length"
MODEL_XML = "openvino_model.xml"
MODEL_BIN = "openvino_model.bin"


# llama.cpp (llama-cpp-python 0.3.36) rounds the context up to a multiple of 256 before it
# compares (n_ctx 500 -> 512, 513 -> 768; measured), so the comparison does too.
LLAMA_CPP_CONTEXT_PADDING = 256


def uses_long_set(n_ctx: int, original_context_length: int) -> bool:
    """llama.cpp's rule: the long set for every position when the context exceeds the original
    one (llama_model::get_rope_factors: n_ctx_seq > n_ctx_orig_yarn)."""
    padded = -(-max(n_ctx, 1) // LLAMA_CPP_CONTEXT_PADDING) * LLAMA_CPP_CONTEXT_PADDING
    return padded > original_context_length


def largest_short_context(original_context_length: int) -> int:
    """The largest context llama.cpp computes with the short set at (0: none)."""
    padding = LLAMA_CPP_CONTEXT_PADDING
    return original_context_length // padding * padding


@dataclass(frozen=True)
class RopeSets:
    """An IR that holds LongRoPE's long set beside the short one."""

    original_context_length: int

    def write_rt_info(self, model: Any) -> None:
        model.set_rt_info(str(self.original_context_length), [RT_INFO_KEY, _ORIGINAL])


def read_model_xml(folder: Path) -> str:
    """The text of the IR's XML in `folder`."""
    try:
        return (folder / MODEL_XML).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorruptModelError(f"Cannot read the OpenVINO model in {folder.name}: {exc}.") from exc


def read_rope_sets(xml: str) -> RopeSets | None:
    """The long set's description from the text of an IR's XML; None for an IR with one set
    (every IR converted before both were kept). A text search, not a parse: the model's
    rt_info comes last in the file and only it has this tag (engine.ir_info.read_rt_info took
    50 ms on an 8-layer model's 0.6 MB XML, and every load asks; this took 2 ms)."""
    start = xml.rfind(f"<{RT_INFO_KEY}>")
    if start < 0:
        return None
    end = xml.find(f"</{RT_INFO_KEY}>", start)
    found = re.search(rf'<{_ORIGINAL}\s+value="([^"]*)"', xml[start:end])
    value = found.group(1) if found else ""
    if not value.isdigit() or int(value) <= 0:
        raise CorruptModelError(
            f"The OpenVINO model's original context length ({value!r}) is damaged."
        )
    return RopeSets(int(value))


@dataclass(frozen=True)
class LongSetModel:
    """What `openvino_genai.LLMPipeline(xml, weights, tokenizer, device, ...)` and
    `openvino.Core.read_model(xml, weights)` take. `mapping` is the memory map under
    `weights`: keep this object as long as the model it built is in use."""

    xml: str
    weights: Any
    mapping: mmap.mmap


def long_set_model(folder: Path, xml: str) -> LongSetModel:
    """The IR in `folder` (`xml`: its XML's text) with its long set in use (it must hold one:
    read_rope_sets)."""
    import numpy as np
    import openvino

    xml = long_set_xml(xml)
    try:
        with open(folder / MODEL_BIN, "rb") as file:
            # Copy-on-write: OpenVINO shares only a writable buffer; nothing ever writes, so
            # the pages stay the file's own (clean, shared with the page cache, never copied).
            mapping = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_COPY)
    except (OSError, ValueError) as exc:
        raise CorruptModelError(f"Cannot read the OpenVINO model in {folder.name}: {exc}.") from exc
    # shared_memory: the tensor is a view of the mapping.
    weights = openvino.Tensor(np.frombuffer(mapping, dtype=np.uint8), shared_memory=True)
    return LongSetModel(xml, weights, mapping)


def long_set_xml(xml: str) -> str:
    """`xml` with the short Constant reading the long Constant's bytes (offset only)."""
    short, long = _const_data(xml, SHORT_CONSTANT), _const_data(xml, LONG_CONSTANT)
    keys = ("element_type", "shape", "size")
    if [short.attributes.get(k) for k in keys] != [long.attributes.get(k) for k in keys]:
        raise CorruptModelError(
            "The OpenVINO model's two RoPE factor sets differ in type or shape."
        )
    old_tag = short.tag
    new_tag = re.sub(r'\boffset="\d+"', f'offset="{long.attributes["offset"]}"', old_tag)
    return xml[: short.start] + new_tag + xml[short.start + len(old_tag) :]


@dataclass(frozen=True)
class _ConstData:
    start: int  # where the <data .../> tag starts in the XML
    tag: str
    attributes: dict[str, str]


def _const_data(xml: str, name: str) -> _ConstData:
    """The <data> tag of the one Const layer called `name`."""
    heads = [
        m
        for m in re.finditer(rf'<layer\b[^>]*\bname="{re.escape(name)}"[^>]*>', xml)
        if 'type="Const"' in m.group(0)
    ]
    if len(heads) != 1:
        raise CorruptModelError(
            f"The OpenVINO model has {len(heads)} RoPE constants called {name} (1 expected)."
        )
    end = xml.find("</layer>", heads[0].end())
    data = re.compile(r"<data\b[^>]*>").search(xml, heads[0].end(), end)
    if data is None:
        raise CorruptModelError(f"The OpenVINO model's constant {name} has no data.")
    attributes = dict(re.findall(r'(\w+)="([^"]*)"', data.group(0)))
    if not attributes.get("offset", "").isdigit():
        raise CorruptModelError(f"The OpenVINO model's constant {name} has no offset.")
    return _ConstData(data.start(), data.group(0), attributes)


def release_resident_pages(model: LongSetModel) -> None:
    """Let the kernel drop the mapped .bin's pages once the model is compiled.

    Compiling reads every page; the plugin keeps what it needs (its own copies, or pointers
    into the mapping, which fault back in from the file when read). OpenVINO's own mapping of
    the .bin leaves no such pages resident, so without this a long-context load of an f16
    model showed the whole .bin more in RSS than the same load below the original context
    (clean file pages, but counted). Linux only: MADV_DONTNEED on a private file mapping that
    nobody wrote re-reads the file, which is exact; elsewhere it is left to the OS.
    """
    if sys.platform.startswith("linux") and hasattr(mmap, "MADV_DONTNEED"):
        model.mapping.madvise(mmap.MADV_DONTNEED)
