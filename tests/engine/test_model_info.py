"""Model inspection without loading weights: GGUF files, OpenVINO IR folders, the starter."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from gguf_factory import THINKING_TEMPLATE, write_llama_gguf

from engine.errors import CorruptModelError, ModelNotFoundError, NotAModelError
from engine.model_info import ModelInfo, inspect_model, openvino_can_run, read_rt_info


def test_tiny_llama(tiny_llama_gguf: Path) -> None:
    info = inspect_model(tiny_llama_gguf)
    assert info.format == "gguf"
    assert info.name == "Tiny Llama Test"
    assert info.architecture == "llama"
    assert info.context_length == 2048
    assert info.tokenizer_model == "gpt2"
    assert info.quantization == "F16"
    assert info.tensor_types == frozenset({"F16", "F32"})
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    assert (info.bos_token, info.bos_token_id) == ("<|im_start|>", 1)
    assert (info.eos_token, info.eos_token_id) == ("<|im_end|>", 2)
    assert info.add_bos_token is False
    assert info.size_bytes == tiny_llama_gguf.stat().st_size
    assert info.is_minicpm is False and info.minicpm_version is None
    assert info.supports_thinking is False
    assert info.rope_scaling is None and info.sparse_config is None
    assert info.extra["n_layers"] == 2
    assert openvino_can_run(info) == (True, "")


def test_parameter_count_sums_every_tensor(tiny_llama_gguf: Path) -> None:
    info = inspect_model(tiny_llama_gguf)
    n_vocab, n_embd, n_ff, kv_dim = 409, 64, 128, 32
    per_layer = 2 * n_embd + 2 * n_embd * n_embd + 2 * kv_dim * n_embd + 3 * n_ff * n_embd
    assert info.parameter_count == 2 * n_vocab * n_embd + n_embd + 2 * per_layer


def test_minicpm(minicpm_gguf: Path) -> None:
    info = inspect_model(minicpm_gguf)
    assert info.architecture == "minicpm"
    assert info.is_minicpm is True
    assert info.minicpm_version == "4.1"
    assert info.context_length == 32768
    assert info.tokenizer_model == "llama"
    assert (info.bos_token, info.eos_token) == ("<s>", "<|im_end|>")
    assert info.add_bos_token is True
    assert info.supports_thinking is True
    assert info.chat_template == THINKING_TEMPLATE
    assert info.rope_scaling == {"type": "longrope"}
    assert info.extra["rope_factor_tensors"] == (
        "rope_factors_long.weight",
        "rope_factors_short.weight",
    )
    assert info.extra["embedding_scale"] == 12.0
    assert math.isclose(float(info.extra["residual_scale"]), 1.4 / math.sqrt(4), rel_tol=1e-6)  # type: ignore[arg-type]
    assert info.extra["logit_scale"] == 0.5  # hidden_size / dim_model_base = 128 / 256
    ok, reason = openvino_can_run(info)
    assert not ok
    assert reason == "OpenVINO cannot read GGUF architecture 'minicpm'; use llama.cpp"


@pytest.mark.parametrize(
    ("weight_type", "ok", "words"),
    [
        ("Q8_0", True, ""),
        ("Q4_0", True, ""),
        # GenAI's reader gets Q4_1 wrong, but for llama GGUFs the app rebuilds the model exactly
        ("Q4_1", True, ""),
        ("F32", False, "OpenVINO cannot use F32 weight matrices; use llama.cpp"),
        ("BF16", False, "OpenVINO cannot use BF16 weight matrices; use llama.cpp"),
    ],
)
def test_openvino_weight_types(tmp_path: Path, weight_type: str, ok: bool, words: str) -> None:
    info = inspect_model(write_llama_gguf(tmp_path / "m.gguf", weight_type=weight_type))
    assert info.quantization == weight_type
    assert openvino_can_run(info) == (ok, words)


def test_only_llama_ggufs_are_rebuilt_exactly(tmp_path: Path) -> None:
    llama = inspect_model(write_llama_gguf(tmp_path / "m.gguf", weight_type="Q4_1"))
    qwen = replace(llama, architecture="qwen2")
    assert openvino_can_run(qwen) == (
        False,
        "OpenVINO computes Q4_1 weights inaccurately; use llama.cpp",
    )
    q5_k = replace(llama, extra={**llama.extra, "matrix_tensor_types": ["Q5_K", "Q6_K"]})
    assert openvino_can_run(q5_k) == (False, "OpenVINO cannot load Q5_K weights; use llama.cpp")
    rope_freqs = replace(
        llama, extra={**llama.extra, "rope_factor_tensors": ("rope_freqs.weight",)}
    )
    assert openvino_can_run(rope_freqs) == (True, "")  # the rebuilt graph applies them


def test_quantization_without_file_type_is_the_dominant_matrix_type(tmp_path: Path) -> None:
    path = write_llama_gguf(tmp_path / "m.gguf", weight_type="Q8_0", write_file_type=False)
    assert inspect_model(path).quantization == "Q8_0"


def test_openvino_refuses_rope_scaling(tmp_path: Path) -> None:
    path = write_llama_gguf(
        tmp_path / "yarn.gguf",
        extra_kv={"llama.rope.scaling.type": "yarn", "llama.rope.scaling.factor": 4.0},
    )
    info = inspect_model(path)
    assert info.rope_scaling == {"type": "yarn", "factor": 4.0}
    ok, reason = openvino_can_run(info)
    assert not ok and "RoPE scaling" in reason


@pytest.mark.parametrize(
    ("name", "version"),
    [("MiniCPM5-1B", "5"), ("MiniCPM4.1-8B", "4.1"), ("MiniCPM4-0.5B", "4"), ("MiniCPM-2B", None)],
)
def test_minicpm_by_name(tmp_path: Path, name: str, version: str | None) -> None:
    # MiniCPM5 ships as a plain llama GGUF: only its name says it is MiniCPM.
    info = inspect_model(write_llama_gguf(tmp_path / "m.gguf", name=name))
    assert info.is_minicpm is True
    assert info.minicpm_version == version
    assert openvino_can_run(info) == (True, "")


def test_thinking_template_detected(tmp_path: Path) -> None:
    path = write_llama_gguf(tmp_path / "m.gguf", chat_template=THINKING_TEMPLATE)
    assert inspect_model(path).supports_thinking is True
    assert (
        inspect_model(write_llama_gguf(tmp_path / "n.gguf", chat_template=None)).chat_template
        is None
    )


def test_starter_model(starter_model: Path) -> None:
    info = inspect_model(starter_model)
    assert info.architecture == "llama"
    assert info.tokenizer_model == "gpt2"
    assert info.quantization == "Q4_1"
    assert info.context_length == 8192
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    assert info.eos_token == "<|im_end|>"
    assert info.parameter_count == 134_515_008
    # GenAI's reader computes Q4_1 wrongly; the app rebuilds llama models exactly.
    assert openvino_can_run(info) == (True, "")


def test_errors(tmp_path: Path, broken_ggufs: dict[str, Path]) -> None:
    with pytest.raises(ModelNotFoundError):
        inspect_model(tmp_path / "missing.gguf")
    with pytest.raises(CorruptModelError):
        inspect_model(broken_ggufs["truncated_at_1000"])
    (tmp_path / "readme.txt").write_text("not a model")
    with pytest.raises(NotAModelError):
        inspect_model(tmp_path / "readme.txt")


# --- OpenVINO IR folders: minimal fakes (real IR is tested with the OpenVINO backend) ---------


def _ir_xml(rt_info: dict[str, str], nested: str = "") -> str:
    entries = "".join(f"<{k} value={quoteattr(v)} />" for k, v in rt_info.items())
    layer = (
        '<layer id="0" name="x" type="Parameter" version="opset1">'
        '<rt_info><attribute name="fused_names" version="0" value="x" /></rt_info></layer>'
    )
    return (
        f'<?xml version="1.0"?>\n<net name="m" version="11"><layers>{layer}</layers>'
        f"<edges /><rt_info>{entries}{nested}</rt_info></net>\n"
    )


MINICPM41_CONFIG = {
    "architectures": ["MiniCPMForCausalLM"],
    "model_type": "minicpm",
    "_name_or_path": "openbmb/MiniCPM4.1-8B",
    "max_position_embeddings": 65536,
    "bos_token_id": 1,
    "eos_token_id": [2, 73440],
    "sparse_config": {"kernel_size": 32, "kernel_stride": 16, "init_blocks": 1,
                      "block_size": 64, "window_size": 2048, "topk": 64, "use_nope": False,
                      "dense_len": 8192},
    "rope_scaling": {"rope_type": "longrope", "long_factor": [1.0, 2.0],
                     "short_factor": [1.0, 1.0], "original_max_position_embeddings": 65536},
}  # fmt: skip


def _fake_ir(folder: Path, *, config: dict[str, object] | None = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "openvino_model.xml").write_text(
        _ir_xml(
            {"Runtime_version": "2026.4.1"},
            '<nncf><weight_compression><mode value="int4_asym" /></weight_compression></nncf>',
        )
    )
    (folder / "openvino_model.bin").write_bytes(b"\0" * 64)
    tokenizer_rt = {
        "chat_template": THINKING_TEMPLATE,
        "bos_token_id": "1",
        "eos_token_id": "73440",
        "add_bos_token": "True",
    }
    (folder / "openvino_tokenizer.xml").write_text(_ir_xml(tokenizer_rt))
    (folder / "openvino_detokenizer.xml").write_text(_ir_xml({}))
    if config is not None:
        (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_ir_folder(tmp_path: Path) -> None:
    folder = _fake_ir(tmp_path / "MiniCPM4.1-8B-int4-ov", config=MINICPM41_CONFIG)
    info = inspect_model(folder)
    assert info.format == "openvino"
    assert info.name == "MiniCPM4.1-8B-int4-ov"
    assert info.architecture == "minicpm"
    assert info.is_minicpm is True
    assert info.minicpm_version == "4.1"
    assert info.context_length == 65536
    assert info.chat_template == THINKING_TEMPLATE  # from the tokenizer's rt_info
    assert info.supports_thinking is True
    assert info.quantization == "INT4_ASYM"
    assert (info.bos_token_id, info.eos_token_id) == (1, 2)
    assert info.add_bos_token is True
    assert info.sparse_config is not None and info.sparse_config["dense_len"] == 8192
    assert info.rope_scaling is not None and info.rope_scaling["rope_type"] == "longrope"
    assert info.parameter_count is None
    assert info.size_bytes == sum(p.stat().st_size for p in folder.iterdir())
    assert openvino_can_run(info) == (True, "")
    assert inspect_model(folder / "openvino_model.xml").path == folder


def test_ir_tokenizer_config_wins_over_rt_info(tmp_path: Path) -> None:
    folder = _fake_ir(tmp_path / "ir")
    (folder / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "chat_template": [{"name": "default", "template": "{{ messages }}"}],
                "bos_token": {"content": "<s>"},
                "eos_token": "</s>",
                "add_bos_token": False,
            }
        )
    )
    info = inspect_model(folder)
    assert info.chat_template == "{{ messages }}"
    assert (info.bos_token, info.eos_token) == ("<s>", "</s>")
    assert info.add_bos_token is False
    assert info.eos_token_id == 73440  # no config.json: from the tokenizer's rt_info
    assert info.is_minicpm is False


def test_rt_info_only_top_level(tmp_path: Path) -> None:
    path = tmp_path / "m.xml"
    path.write_text(_ir_xml({"a": "1"}, '<outer><inner value="2" /></outer>'))
    assert read_rt_info(path) == {"a": "1", "outer.inner": "2"}


@pytest.mark.parametrize(
    ("remove", "error", "words"),
    [
        ("openvino_model.xml", NotAModelError, "no openvino_model.xml"),
        ("openvino_model.bin", CorruptModelError, "openvino_model.bin is missing"),
        ("openvino_tokenizer.xml", CorruptModelError, "no tokenizer"),
        ("openvino_detokenizer.xml", CorruptModelError, "openvino_detokenizer.xml"),
    ],
)
def test_incomplete_ir_folder(
    tmp_path: Path, remove: str, error: type[Exception], words: str
) -> None:
    folder = _fake_ir(tmp_path / "ir")
    (folder / remove).unlink()
    with pytest.raises(error, match=words):
        inspect_model(folder)


def test_damaged_ir_xml(tmp_path: Path) -> None:
    folder = _fake_ir(tmp_path / "ir")
    (folder / "openvino_tokenizer.xml").write_text("<net><rt_info>")
    with pytest.raises(CorruptModelError, match="openvino_tokenizer.xml is damaged"):
        inspect_model(folder)


def test_model_info_built_by_hand() -> None:
    # Other modules' tests build ModelInfo directly; only four fields are required.
    info = ModelInfo(path=Path("m.gguf"), format="gguf", name="m", architecture="qwen2",
                     tokenizer_model="gpt2", tensor_types=frozenset({"Q4_K", "F32"}))  # fmt: skip
    assert openvino_can_run(info) == (
        False,
        "OpenVINO computes Q4_K weights inaccurately; use llama.cpp",
    )
