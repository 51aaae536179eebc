"""MainStatusBar alone: the loaded model's line, the precision note, context, speed, the API."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app.status_bar import MainStatusBar, bf16_unavailable, precision_note
from engine.model_info import ModelInfo
from engine.types import GenerationStats, LoadedModel

INFO = ModelInfo(path=Path("/models/tiny"), format="openvino", name="tiny", architecture=None)
LOADED = LoadedModel(
    info=INFO,
    backend="openvino",
    device="CPU",
    context_length=4096,
    supports_thinking=False,
    precision="f32, KV f16",
)


def test_bf16_is_missing_only_when_it_was_asked_for_and_f32_came() -> None:
    assert bf16_unavailable("bf16", LOADED)
    assert not bf16_unavailable("f32", LOADED)
    assert not bf16_unavailable("bf16", replace(LOADED, precision="bf16"))


def test_the_precision_note() -> None:
    assert precision_note("bf16", LOADED).startswith("This CPU has no bf16 arithmetic")
    assert precision_note("auto", LOADED) == "OpenVINO computes in f32, KV f16."
    assert precision_note("auto", replace(LOADED, precision="")) == ""  # llama.cpp says nothing


def test_loading_then_loaded_then_an_answer(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = MainStatusBar()
    qtbot.addWidget(bar)
    bar.memory_timer.stop()
    assert bar.status_context.text() == "Context –"
    bar.show_loading("tiny")
    assert bar.status_model.text() == "Loading tiny…"
    bar.show_loaded("tiny", LOADED, "a note")
    assert bar.status_model.text() == "tiny · openvino · CPU · f32, KV f16"
    assert bar.status_model.toolTip() == "a note"
    assert bar.status_context.text() == "Context 0 / 4,096"
    stats = GenerationStats("openvino", "CPU", prompt_tokens=30, generated_tokens=12)
    bar.show_answer(replace(stats, decode_tokens_per_s=12.34))
    assert bar.status_context.text() == "Context 42 / 4,096"
    assert bar.status_speed.text() == "12.3 tokens/s"


def test_a_failed_load_leaves_no_context_to_count(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = MainStatusBar()
    qtbot.addWidget(bar)
    bar.memory_timer.stop()
    bar.show_loaded("tiny", LOADED, "")
    bar.show_load_failed()
    assert bar.status_model.text() == "The model could not be loaded"
    bar.show_answer(GenerationStats("openvino", "CPU", prompt_tokens=3))
    assert bar.status_context.text() == "Context –"


def test_importing_names_the_dropped_files(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = MainStatusBar()
    qtbot.addWidget(bar)
    bar.memory_timer.stop()
    bar.show_importing([Path("/a/one.gguf"), Path("/b/two")])
    assert bar.status_model.text() == "Importing one.gguf, two…"


def test_the_local_api_shows_its_address_and_when_it_answers(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = MainStatusBar()
    qtbot.addWidget(bar)
    bar.memory_timer.stop()
    assert not bar.status_api.isVisibleTo(bar)  # off by default
    bar.show_api("http://127.0.0.1:8321/v1")
    assert bar.status_api.isVisibleTo(bar)
    assert bar.status_api.text() == "API: http://127.0.0.1:8321/v1"
    assert "http://127.0.0.1:8321/v1" in bar.status_api.toolTip()
    bar.show_api_answering()
    assert bar.status_api.text() == "API answering…"
    bar.show_api_idle()
    assert bar.status_api.text() == "API: http://127.0.0.1:8321/v1"
    bar.show_api_answering()
    bar.hide_api()
    assert not bar.status_api.isVisibleTo(bar)
    bar.show_api("http://127.0.0.1:9000/v1")  # restarted elsewhere: not answering any more
    assert bar.status_api.text() == "API: http://127.0.0.1:9000/v1"


def test_the_context_counts_an_answer_while_it_streams(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = MainStatusBar()
    qtbot.addWidget(bar)
    bar.memory_timer.stop()
    bar.show_loaded("tiny", LOADED, "")
    bar.show_context_streamed(21)
    assert bar.status_context.text() == "Context 21 / 4,096"
    bar.show_context_streamed(25)
    assert bar.status_context.text() == "Context 25 / 4,096"
    bar.show_answer(GenerationStats("openvino", "CPU", prompt_tokens=21, generated_tokens=5))
    assert bar.status_context.text() == "Context 26 / 4,096"
    # Stopped before it started: the stats counted nothing, the figure stays.
    bar.show_context_streamed(30)
    bar.show_answer(GenerationStats("openvino", "CPU", finish_reason="stopped"))
    assert bar.status_context.text() == "Context 30 / 4,096"
