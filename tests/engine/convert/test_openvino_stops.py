"""OpenVINO ends an answer where llama.cpp does, although its detokenizer hides control tokens.

The model's EOS is "</s>" and its template ends turns with "<|im_end|>": llama.cpp stops at
either (end-of-generation tokens by their text); OpenVINO GenAI stops only at its EOS id and
never shows "<|im_end|>" to the stop strings, so without stop ids it would run to the limit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from convert_models import IM_END_ID, llama_greedy, write_im_end_minicpm, write_tied_minicpm

from engine.convert.job import convert_gguf
from engine.model_inspection import inspect_model
from engine.prompt import ChatTemplate
from engine.session import Engine
from engine.types import GenerationParams, LoadRequest, Message

MESSAGES = [Message("user", "What is the capital of France? 法国的首都")]
PARAMS = GenerationParams(temperature=0.0, max_new_tokens=32, enable_thinking=False)
AFTER = 8


def _rendered(model: Path) -> str:
    info = inspect_model(model)
    template = ChatTemplate(
        info.chat_template,
        bos_token=info.bos_token,
        eos_token=info.eos_token,
        add_bos_token=info.add_bos_token,
    )
    return template.render(MESSAGES, enable_thinking=False).text


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("im-end")
    prompt = _rendered(write_tied_minicpm(tmp_path_factory.mktemp("tied")))
    return write_im_end_minicpm(folder, prompt, AFTER)


def test_openvino_stops_at_im_end_like_llama_cpp(
    source: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    info = inspect_model(source)
    assert info.eos_token == "</s>"
    # The fixture does what it says: llama.cpp's greedy answer ends with "<|im_end|>".
    assert llama_greedy(source, _rendered(source), AFTER + 1)[AFTER] == IM_END_ID
    converted = convert_gguf(source, tmp_path_factory.mktemp("models"), "im-end-ov")
    results = {}
    for backend, model in (("llama", source), ("openvino", converted.folder)):
        engine = Engine()
        engine.load(LoadRequest(model, backend, n_ctx=512))
        results[backend] = engine.generate(MESSAGES, PARAMS)
        engine.unload()
    llama, ov = results["llama"], results["openvino"]
    assert llama.stats.finish_reason == "stop"
    assert llama.stats.generated_tokens == AFTER
    assert ov.raw_text == llama.raw_text
    assert ov.text == llama.text
    assert ov.stats.finish_reason == "stop"
    assert ov.stats.generated_tokens == AFTER
