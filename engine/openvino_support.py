"""Which models OpenVINO GenAI runs correctly, and why not in plain words: `openvino_can_run`.

Measured (docs/FACTS): GenAI's GGUF reader knows a few architectures and only the byte-level
BPE tokenizer, and its greedy tokens match llama.cpp only for some weight types; for llama the
app builds the model graph (and for SentencePiece vocabularies the tokenizer) itself, which
widens what runs. Anything else is sent to llama.cpp. IR folders always run.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from engine.model_info import ModelInfo

# Measured (docs/FACTS): OpenVINO GenAI's GGUF reader knows these architectures and only the
# byte-level BPE tokenizer; its greedy tokens match llama.cpp only for these weight types.
OPENVINO_GGUF_ARCHITECTURES = frozenset({"llama", "qwen2", "qwen3"})
OPENVINO_GGUF_TOKENIZER = "gpt2"
OPENVINO_ACCURATE_TYPES = frozenset({"F16", "Q8_0", "Q4_0", "Q6_K"})
# For these architectures the app replaces the model GenAI's reader builds with its own graph
# (engine.convert.gguf_export, engine.convert.graph), which computes every type the reader
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
