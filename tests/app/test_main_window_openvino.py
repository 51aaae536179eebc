"""The real main window chatting with a converted MiniCPM model on OpenVINO (CPU), thinking on
and off: a random-weight MiniCPM4.1-like GGUF, converted by engine.convert, loaded by the real
OpenVINO backend. Its chat template follows enable_thinking (off writes an empty think block)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.application import build_main_window, build_services
from app.core.settings import Settings
from engine.backends.base import OnText, PromptTokens, ShouldStop
from engine.backends.openvino import OpenVinoBackend
from engine.convert.job import convert_gguf
from engine.session import Engine
from engine.types import BackendName, GenerationParams, GenerationStats, LoadRequest
from tests.engine.convert.convert_models import write_tied_minicpm

EMPTY_THINK = "<think>\n\n</think>\n\n"


class RecordingOpenVino(OpenVinoBackend):
    """The real backend, remembering each prompt and its parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, GenerationParams]] = []

    def generate(
        self,
        prompt: PromptTokens,
        budget: int,
        params: GenerationParams,
        stop_strings: tuple[str, ...],
        on_text: OnText,
        should_stop: ShouldStop,
    ) -> GenerationStats:
        self.calls.append((prompt.text, params))
        return super().generate(prompt, budget, params, stop_strings, on_text, should_stop)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = write_tied_minicpm(tmp_path_factory.mktemp("source"))
    return convert_gguf(source, tmp_path_factory.mktemp("models"), "tiny-ov").folder


@pytest.mark.slow
def test_a_converted_model_chats_on_openvino_with_thinking_on_and_off(  # type: ignore[no-untyped-def]
    qtbot, converted: Path
) -> None:
    backend = RecordingOpenVino()
    services = build_services(
        Engine(backend_factory=lambda _name: backend),
        Settings(temperature=0.0, max_new_tokens=24),
    )
    try:
        window = build_main_window(services)
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitSignal(services.client.model_loaded, timeout=120_000):
            services.client.load(LoadRequest(converted, BackendName.OPENVINO, n_ctx=512))
        # The model's info says how OpenVINO computes: exact f32 by default, on every CPU.
        assert window.status_model.text().endswith("openvino · CPU · f32, KV f16")
        assert "f32" in window.status_model.toolTip()
        think = window.chat.composer.thinking
        assert think.isEnabled()  # the converted model's template knows enable_thinking
        edit = window.chat.composer.edit
        results = []
        for on in (True, False):
            if think.isChecked() != on:
                think.click()
            qtbot.keyClicks(edit, "What is the capital of France?")
            with qtbot.waitSignal(services.controller.answer_finished, timeout=120_000) as done:
                qtbot.keyClick(edit, Qt.Key.Key_Return)
            results.append(done.args[1])
        (on_prompt, on_params), (off_prompt, off_params) = backend.calls
        assert on_params.enable_thinking is True and off_params.enable_thinking is False
        # As the template says: thinking off pre-fills an empty think block, on leaves it open.
        assert on_prompt.endswith("<|im_start|>assistant\n")
        assert off_prompt.endswith("<|im_start|>assistant\n" + EMPTY_THINK)
        for stats in results:
            assert stats.backend == "openvino" and stats.device == "CPU"
            assert stats.generated_tokens > 0
        conversation_id = services.controller.conversation_id
        assert services.store.get_conversation(conversation_id).thinking is False
        stored = services.store.active_path(conversation_id)
        assert [m.role for m in stored] == ["user", "assistant", "user", "assistant"]
        for answer in (stored[1], stored[3]):
            assert answer.complete and (answer.content or answer.reasoning)
            assert answer.stats is not None and answer.stats["backend"] == "openvino"
    finally:
        services.shutdown()
