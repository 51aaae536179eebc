"""OpenVINO IR folders described without loading them: minimal fakes (real IR is tested with
the OpenVINO backend)."""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from gguf_factory import THINKING_TEMPLATE

from engine.errors import CorruptModelError, NotAModelError
from engine.ir_info import read_rt_info
from engine.model_inspection import inspect_model
from engine.openvino_support import openvino_can_run


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
