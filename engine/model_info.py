"""Describe a model (GGUF file or OpenVINO IR folder) without loading its weights.

The app needs to know, before it picks a backend: the architecture, context length, chat
template, BOS / EOS, quantization, whether it is a MiniCPM model (muP scales, InfLLM v2 sparse
attention, thinking) and whether OpenVINO GenAI can run it accurately. Everything here reads
headers and small JSON / XML files only, so inspecting a 5 GB model takes milliseconds.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from engine.errors import CorruptModelError, ModelNotFoundError, NotAModelError
from engine.gguf_file import GGUFFile, GGUFTensor, read_gguf

__all__ = [
    "LLAMA_FTYPE_NAMES",
    "ModelInfo",
    "inspect_model",
    "openvino_can_run",
]

ModelFormat = Literal["gguf", "openvino"]

# llama.h `llama_ftype` -> the names llama-quantize and file names use.
LLAMA_FTYPE_NAMES: Mapping[int, str] = MappingProxyType(
    {
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
        10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
        16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
        22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
        28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0",
        37: "TQ2_0", 38: "MXFP4_MOE", 39: "NVFP4", 40: "Q1_0", 41: "Q2_0",
    }
)  # fmt: skip

MINICPM_ARCHITECTURES = frozenset({"minicpm", "minicpm3"})
# Measured (docs/FACTS): OpenVINO GenAI's GGUF reader knows these architectures and only the
# byte-level BPE tokenizer; its greedy tokens match llama.cpp only for these weight types.
OPENVINO_GGUF_ARCHITECTURES = frozenset({"llama", "qwen2", "qwen3"})
OPENVINO_GGUF_TOKENIZER = "gpt2"
OPENVINO_ACCURATE_TYPES = frozenset({"F16", "Q8_0", "Q4_0", "Q6_K"})
# For these architectures the app replaces the model GenAI's reader builds with its own graph
# (engine.backends.openvino_export, engine.convert.graph), which computes every type the reader
# loads exactly and applies rope_freqs / LongRoPE factor tensors; the reader still builds the
# tokenizer, so the file must load there.
OPENVINO_REBUILT_ARCHITECTURES = frozenset({"llama"})
OPENVINO_LOADABLE_TYPES = frozenset({"F16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"})
# SentencePiece vocabularies: the app builds the tokenizer too (engine.convert.tokenizer).
OPENVINO_OWN_TOKENIZER = "llama"
OPENVINO_VECTOR_TYPES = frozenset({"F32", "F16"})
_OPENVINO_TYPE_PROBLEMS: Mapping[str, str] = MappingProxyType(
    {
        "Q4_1": "computes Q4_1 weights inaccurately",
        "Q4_K": "computes Q4_K weights inaccurately",
        "Q5_K": "cannot load Q5_K weights",
        "F32": "cannot use F32 weight matrices",
        "BF16": "cannot use BF16 weight matrices",
    }
)
IR_MODEL_FILES = ("openvino_model.xml", "openvino_model.bin")
IR_TOKENIZER_FILES = ("openvino_tokenizer.xml", "openvino_detokenizer.xml")

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


def inspect_model(path: str | Path) -> ModelInfo:
    """Inspect a .gguf file or an OpenVINO IR folder (or its openvino_model.xml)."""
    path = Path(path)
    if not path.exists():
        raise ModelNotFoundError(f"The model {path} does not exist.")
    if path.is_dir():
        return _inspect_ir(path)
    if path.name == IR_MODEL_FILES[0]:
        return _inspect_ir(path.parent)
    return _inspect_gguf(read_gguf(path))


def openvino_can_run(info: ModelInfo) -> tuple[bool, str]:
    """Whether OpenVINO GenAI runs this model correctly; the reason in plain words if not."""
    if info.format == "openvino":
        return True, ""
    if info.architecture not in OPENVINO_GGUF_ARCHITECTURES:
        return (
            False,
            f"OpenVINO cannot read GGUF architecture '{info.architecture}'; use llama.cpp",
        )
    if info.tokenizer_model != OPENVINO_GGUF_TOKENIZER and not openvino_builds_tokenizer(
        info.architecture, info.tokenizer_model
    ):
        return False, (
            f"OpenVINO reads only BPE (gpt2) tokenizers from GGUF files, not "
            f"'{info.tokenizer_model}'; use llama.cpp"
        )
    problem = _openvino_weight_problem(info)
    if problem:
        return False, f"OpenVINO {problem}; use llama.cpp"
    if openvino_rebuilds(info.architecture):
        if _scaled_rope(info.rope_scaling):
            return False, (
                "this model's RoPE scaling is not supported on OpenVINO, so its answers would "
                "be wrong; use llama.cpp"
            )
        return True, ""
    if info.rope_scaling or info.extra.get("rope_factor_tensors"):
        return False, (
            "OpenVINO ignores this model's RoPE scaling, so its answers would be wrong; "
            "use llama.cpp"
        )
    return True, ""


def openvino_rebuilds(architecture: str | None) -> bool:
    """Whether the app builds the OpenVINO model of a GGUF of this architecture itself."""
    return architecture in OPENVINO_REBUILT_ARCHITECTURES


def openvino_builds_tokenizer(architecture: str | None, tokenizer_model: str | None) -> bool:
    """Whether the app also builds the tokenizer, so GenAI's reader never reads the file."""
    return openvino_rebuilds(architecture) and tokenizer_model == OPENVINO_OWN_TOKENIZER


def _scaled_rope(rope_scaling: Mapping[str, object] | None) -> bool:
    """RoPE scaling the rebuilt graph does not apply (it applies factor tensors only)."""
    if not rope_scaling:
        return False
    kind = str(rope_scaling.get("type", "none"))
    factor = rope_scaling.get("factor", 1.0)
    return kind not in ("none", "longrope") or (
        isinstance(factor, int | float) and float(factor) != 1.0
    )


def _openvino_weight_problem(info: ModelInfo) -> str:
    if openvino_builds_tokenizer(info.architecture, info.tokenizer_model):
        return ""  # GenAI's reader never sees the file; the graph dequantizes any other type
    accurate = (
        OPENVINO_LOADABLE_TYPES if openvino_rebuilds(info.architecture) else OPENVINO_ACCURATE_TYPES
    )
    if "matrix_tensor_types" in info.extra:
        matrix_types = _frozen_strings(info.extra.get("matrix_tensor_types"))
        vector_types = _frozen_strings(info.extra.get("vector_tensor_types"))
    else:  # a ModelInfo built by hand: judge every tensor type, allowing F32 norms
        matrix_types, vector_types = info.tensor_types - {"F32"}, frozenset()
    bad_matrices = sorted(matrix_types - accurate)
    if bad_matrices:
        name = bad_matrices[0]
        return _OPENVINO_TYPE_PROBLEMS.get(name, f"cannot use {name} weights")
    bad_vectors = sorted(vector_types - OPENVINO_VECTOR_TYPES)
    if bad_vectors:
        return f"cannot use {bad_vectors[0]} vectors (norms, biases)"
    return ""


def _frozen_strings(value: object) -> frozenset[str]:
    if isinstance(value, (frozenset, set, tuple, list)):
        return frozenset(str(item) for item in value)
    return frozenset()


# --- GGUF -----------------------------------------------------------------------------------


def _inspect_gguf(gguf: GGUFFile) -> ModelInfo:
    arch = gguf.architecture
    tokens = gguf.get("tokenizer.ggml.tokens")
    tokens = tokens if isinstance(tokens, tuple) else ()
    bos_id = _int_or_none(gguf.get("tokenizer.ggml.bos_token_id"))
    eos_id = _int_or_none(gguf.get("tokenizer.ggml.eos_token_id"))
    tokenizer_model = _str_or_none(gguf.get("tokenizer.ggml.model"))
    chat_template = _str_or_none(gguf.get("tokenizer.chat_template"))
    names = _gguf_names(gguf)
    is_minicpm = arch in MINICPM_ARCHITECTURES or any("minicpm" in n.lower() for n in names)
    return ModelInfo(
        path=gguf.path,
        format="gguf",
        name=_str_or_none(gguf.get("general.name")) or gguf.path.stem,
        architecture=arch,
        context_length=_int_or_none(gguf.get(f"{arch}.context_length")),
        chat_template=chat_template,
        quantization=_gguf_quantization(gguf),
        size_bytes=gguf.file_size,
        parameter_count=sum(t.n_elements for t in gguf.tensors),
        tokenizer_model=tokenizer_model,
        bos_token=_token_text(tokens, bos_id),
        eos_token=_token_text(tokens, eos_id),
        add_bos_token=_gguf_add_bos(gguf, tokenizer_model),
        eos_token_id=eos_id,
        bos_token_id=bos_id,
        tensor_types=frozenset(t.type_name for t in gguf.tensors),
        is_minicpm=is_minicpm,
        minicpm_version=_minicpm_version(names, arch) if is_minicpm else None,
        rope_scaling=_prefixed(gguf.metadata, f"{arch}.rope.scaling.") or None,
        supports_thinking=_template_thinks(chat_template),
        extra=MappingProxyType(_gguf_extra(gguf, len(tokens))),
    )


def _gguf_names(gguf: GGUFFile) -> list[str]:
    keys = ("general.name", "general.basename", "general.finetune")
    names = [v for v in (gguf.get(k) for k in keys) if isinstance(v, str)]
    return [*names, gguf.path.stem]


def _gguf_quantization(gguf: GGUFFile) -> str | None:
    file_type = _int_or_none(gguf.get("general.file_type"))
    if file_type is not None and file_type in LLAMA_FTYPE_NAMES:
        return LLAMA_FTYPE_NAMES[file_type]
    # No (or an unknown) file type: name the type holding most of the matrix bytes.
    matrices = [t for t in gguf.tensors if len(t.shape) >= 2] or list(gguf.tensors)
    bytes_by_type: dict[str, int] = {}
    for tensor in matrices:
        bytes_by_type[tensor.type_name] = bytes_by_type.get(tensor.type_name, 0) + tensor.n_bytes
    return max(bytes_by_type, key=lambda name: bytes_by_type[name]) if bytes_by_type else None


def _gguf_add_bos(gguf: GGUFFile, tokenizer_model: str | None) -> bool:
    value = gguf.get("tokenizer.ggml.add_bos_token")
    if isinstance(value, bool):
        return value
    # llama.cpp's default when the key is absent: SentencePiece vocabularies add BOS.
    return tokenizer_model == "llama"


def _gguf_extra(gguf: GGUFFile, n_tokens: int) -> dict[str, object]:
    arch = gguf.architecture
    extra: dict[str, object] = {
        "gguf_version": gguf.version,
        "file_type": gguf.get("general.file_type"),
        "n_layers": gguf.get(f"{arch}.block_count"),
        "embedding_length": gguf.get(f"{arch}.embedding_length"),
        "vocab_size": gguf.get(f"{arch}.vocab_size") or n_tokens or None,
        "tokenizer_pre": gguf.get("tokenizer.ggml.pre"),
        "matrix_tensor_types": _types_of(t for t in gguf.tensors if len(t.shape) >= 2),
        "vector_tensor_types": _types_of(t for t in gguf.tensors if len(t.shape) == 1),
        "rope_factor_tensors": tuple(t.name for t in gguf.tensors if _is_rope_factor(t.name)),
    }
    for scale in ("embedding_scale", "residual_scale", "logit_scale"):
        if f"{arch}.{scale}" in gguf.metadata:
            extra[scale] = gguf.get(f"{arch}.{scale}")
    return extra


def _types_of(tensors: Iterable[GGUFTensor]) -> frozenset[str]:
    return frozenset(t.type_name for t in tensors)


def _is_rope_factor(name: str) -> bool:
    return name.startswith(("rope_freqs", "rope_factors")) or ".rope_freqs" in name


def _token_text(tokens: tuple[object, ...], token_id: int | None) -> str | None:
    if token_id is None or not 0 <= token_id < len(tokens):
        return None
    text = tokens[token_id]
    return text if isinstance(text, str) else None


def _prefixed(metadata: Mapping[str, object], prefix: str) -> dict[str, object]:
    return {k[len(prefix) :]: v for k, v in metadata.items() if k.startswith(prefix)}


# --- OpenVINO IR folder ----------------------------------------------------------------------


def _inspect_ir(folder: Path) -> ModelInfo:
    _check_ir_files(folder)
    config = _read_json(folder / "config.json")
    tokenizer_config = _read_json(folder / "tokenizer_config.json")
    rt_info = read_rt_info(folder / "openvino_tokenizer.xml")
    chat_template = _ir_chat_template(folder, tokenizer_config, rt_info)
    arch = _str_or_none(config.get("model_type"))
    names = [folder.name, str(config.get("_name_or_path", ""))]
    architectures = config.get("architectures")
    class_names = [str(a) for a in architectures] if isinstance(architectures, list) else []
    is_minicpm = any("minicpm" in n.lower() for n in [*names, *class_names, arch or ""])
    bos_id = _int_or_none(config.get("bos_token_id"), rt_info.get("bos_token_id"))
    eos_id = _first_int(config.get("eos_token_id"), rt_info.get("eos_token_id"))
    return ModelInfo(
        path=folder,
        format="openvino",
        name=folder.name,
        architecture=arch,
        context_length=_int_or_none(config.get("max_position_embeddings")),
        chat_template=chat_template,
        quantization=_ir_quantization(folder),
        size_bytes=sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()),
        parameter_count=None,
        tokenizer_model=_str_or_none(tokenizer_config.get("tokenizer_class")),
        bos_token=_token_string(tokenizer_config.get("bos_token")) or rt_info.get("bos_token"),
        eos_token=_token_string(tokenizer_config.get("eos_token")) or rt_info.get("eos_token"),
        add_bos_token=_ir_add_bos(tokenizer_config, rt_info),
        eos_token_id=eos_id,
        bos_token_id=bos_id,
        is_minicpm=is_minicpm,
        minicpm_version=_minicpm_version(names, arch) if is_minicpm else None,
        sparse_config=_frozen_mapping(config.get("sparse_config")),
        rope_scaling=_frozen_mapping(config.get("rope_scaling")),
        supports_thinking=_template_thinks(chat_template),
        extra=MappingProxyType(
            {"architectures": tuple(class_names), "rt_info": MappingProxyType(rt_info)}
        ),
    )


def _check_ir_files(folder: Path) -> None:
    model_xml, model_bin = (folder / name for name in IR_MODEL_FILES)
    if not model_xml.is_file():
        raise NotAModelError(
            f"The folder {folder} is not an OpenVINO model: it has no openvino_model.xml."
        )
    if not model_bin.is_file() or model_bin.stat().st_size == 0:
        raise CorruptModelError(
            f"The OpenVINO model in {folder.name} is incomplete: its weights file "
            "openvino_model.bin is missing or empty. The download may be incomplete."
        )
    missing = [name for name in IR_TOKENIZER_FILES if not (folder / name).is_file()]
    if missing:
        raise CorruptModelError(
            f"The OpenVINO model in {folder.name} has no tokenizer ({', '.join(missing)} "
            "missing). Convert it with openvino_tokenizers, with the detokenizer."
        )


def read_rt_info(xml_path: Path) -> dict[str, str]:
    """The top-level <rt_info> of an OpenVINO IR file, flattened ('a.b': value).

    Iterparse keeps memory flat on a big XML; only the <rt_info> that is a direct child of
    <net> counts (every layer has its own <rt_info>).
    """
    result: dict[str, str] = {}
    path: list[str] = []
    depth = 0
    in_rt_info = False
    try:
        for event, element in ElementTree.iterparse(xml_path, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 2 and element.tag == "rt_info":
                    in_rt_info = True
                elif in_rt_info:
                    path.append(element.get("name", element.tag))
                    if "value" in element.attrib:
                        result[".".join(path)] = element.attrib["value"]
                continue
            depth -= 1
            if in_rt_info and path:
                path.pop()
            elif in_rt_info:
                break  # the end of the model's own <rt_info>: nothing else is needed
            elif depth <= 2:
                element.clear()  # a finished layer or section: free what it holds
    except ElementTree.ParseError as exc:
        raise CorruptModelError(
            f"The OpenVINO file {xml_path.name} is damaged ({exc}). The download may be incomplete."
        ) from exc
    except OSError as exc:
        raise ModelNotFoundError(f"Cannot read {xml_path}: {exc.strerror}.") from exc
    return result


def _read_json(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptModelError(f"The model file {path.name} is damaged: {exc}.") from exc
    return data if isinstance(data, dict) else {}


def _ir_chat_template(
    folder: Path, tokenizer_config: Mapping[str, object], rt_info: Mapping[str, str]
) -> str | None:
    # The order OpenVINO GenAI itself uses: a chat_template.jinja beside the model wins.
    jinja = folder / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    template = tokenizer_config.get("chat_template")
    if isinstance(template, list):  # [{"name": "default", "template": ...}, ...]
        named = {d.get("name"): d.get("template") for d in template if isinstance(d, dict)}
        template = named.get("default") or next(iter(named.values()), None)
    return _str_or_none(template) or rt_info.get("chat_template") or None


def _ir_add_bos(tokenizer_config: Mapping[str, object], rt_info: Mapping[str, str]) -> bool:
    value = tokenizer_config.get("add_bos_token")
    if isinstance(value, bool):
        return value
    return rt_info.get("add_bos_token", "").lower() == "true"


def _ir_quantization(folder: Path) -> str | None:
    """NNCF records its weight compression mode in the model's rt_info, e.g. INT4_ASYM."""
    rt_info = read_rt_info(folder / IR_MODEL_FILES[0])
    mode = rt_info.get("nncf.weight_compression.mode")
    if mode:
        return mode.upper()
    quant = _read_json(folder / "openvino_config.json").get("quantization_config")
    if isinstance(quant, dict) and isinstance(quant.get("bits"), int):
        return f"INT{quant['bits']}"
    return None


def _token_string(value: object) -> str | None:
    if isinstance(value, dict):  # an AddedToken written as {"content": "<s>", ...}
        value = value.get("content")
    return _str_or_none(value)


def _frozen_mapping(value: object) -> Mapping[str, object] | None:
    return MappingProxyType(dict(value)) if isinstance(value, dict) else None


# --- shared helpers --------------------------------------------------------------------------


def _minicpm_version(names: Iterable[str], arch: str | None) -> str | None:
    for name in names:
        match = _MINICPM_VERSION.search(name)
        if match:
            return match.group(1)
    return "3" if arch == "minicpm3" else None


def _template_thinks(template: str | None) -> bool:
    return template is not None and ("enable_thinking" in template or "<think>" in template)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int_or_none(*values: object) -> int | None:
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


def _first_int(*values: object) -> int | None:
    """Like _int_or_none, but a list (config.json's eos_token_id: [2, 73440]) gives its first."""
    flat: list[object] = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return _int_or_none(*flat)
