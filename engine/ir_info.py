"""Describe an OpenVINO IR folder (openvino_model.xml / .bin, tokenizer, JSON files) without
loading it.

Only small JSON files and the top-level <rt_info> of the XML files are read (iterparse, so a big
XML costs no memory), and a folder missing its weights or tokenizer is refused in words before
OpenVINO GenAI sees it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from engine.errors import CorruptModelError, ModelNotFoundError, NotAModelError
from engine.model_info import (
    ModelInfo,
    int_or_none,
    minicpm_version_of,
    str_or_none,
    template_thinks,
)

IR_MODEL_FILES = ("openvino_model.xml", "openvino_model.bin")
IR_TOKENIZER_FILES = ("openvino_tokenizer.xml", "openvino_detokenizer.xml")


def ir_model_info(folder: Path) -> ModelInfo:
    _check_ir_files(folder)
    config = _read_json(folder / "config.json")
    tokenizer_config = _read_json(folder / "tokenizer_config.json")
    rt_info = read_rt_info(folder / "openvino_tokenizer.xml")
    chat_template = _ir_chat_template(folder, tokenizer_config, rt_info)
    arch = str_or_none(config.get("model_type"))
    names = [folder.name, str(config.get("_name_or_path", ""))]
    architectures = config.get("architectures")
    class_names = [str(a) for a in architectures] if isinstance(architectures, list) else []
    is_minicpm = any("minicpm" in n.lower() for n in [*names, *class_names, arch or ""])
    bos_id = int_or_none(config.get("bos_token_id"), rt_info.get("bos_token_id"))
    eos_id = _first_int(config.get("eos_token_id"), rt_info.get("eos_token_id"))
    return ModelInfo(
        path=folder,
        format="openvino",
        name=folder.name,
        architecture=arch,
        context_length=int_or_none(config.get("max_position_embeddings")),
        chat_template=chat_template,
        quantization=_ir_quantization(folder),
        size_bytes=sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()),
        parameter_count=None,
        tokenizer_model=str_or_none(tokenizer_config.get("tokenizer_class")),
        bos_token=_token_string(tokenizer_config.get("bos_token")) or rt_info.get("bos_token"),
        eos_token=_token_string(tokenizer_config.get("eos_token")) or rt_info.get("eos_token"),
        add_bos_token=_ir_add_bos(tokenizer_config, rt_info),
        eos_token_id=eos_id,
        bos_token_id=bos_id,
        is_minicpm=is_minicpm,
        minicpm_version=minicpm_version_of(names, arch) if is_minicpm else None,
        sparse_config=_frozen_mapping(config.get("sparse_config")),
        rope_scaling=_frozen_mapping(config.get("rope_scaling")),
        supports_thinking=template_thinks(chat_template),
        extra=MappingProxyType(
            {
                "architectures": tuple(class_names),
                "rt_info": MappingProxyType(rt_info),
                **_kv_shape(config),
            }
        ),
    )


def _kv_shape(config: Mapping[str, object]) -> dict[str, int | None]:
    """Layers, KV heads and head size from a Transformers config.json (engine.kv_cache)."""
    heads = int_or_none(config.get("num_attention_heads"))
    width = int_or_none(config.get("hidden_size"))
    head_dim = int_or_none(config.get("head_dim"))
    if head_dim is None and heads and width:
        head_dim = width // heads
    return {
        "n_layers": int_or_none(config.get("num_hidden_layers")),
        "n_kv_heads": int_or_none(config.get("num_key_value_heads")) or heads,
        "head_dim": head_dim,
    }


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
    return str_or_none(template) or rt_info.get("chat_template") or None


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
    return str_or_none(value)


def _frozen_mapping(value: object) -> Mapping[str, object] | None:
    return MappingProxyType(dict(value)) if isinstance(value, dict) else None


def _first_int(*values: object) -> int | None:
    """Like int_or_none, but a list (config.json's eos_token_id: [2, 73440]) gives its first."""
    flat: list[object] = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return int_or_none(*flat)
