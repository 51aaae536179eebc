"""A chat completion body -> messages and GenerationParams, or a 400."""

from __future__ import annotations

import json

import pytest

from app.core.api.parsing import MAX_STOP_STRINGS, Completion, parse_completion
from app.core.api.problems import ApiError
from engine.types import GenerationParams, Message


def parse(**fields: object) -> Completion:
    body = {"messages": [{"role": "user", "content": "hi"}], **fields}
    return parse_completion(json.dumps(body).encode())


def test_defaults() -> None:
    completion = parse_completion(b'{"messages": [{"role": "user", "content": "hi"}]}')
    assert completion.model == ""
    assert completion.messages == (Message("user", "hi"),)
    assert completion.params == GenerationParams()
    assert (completion.stream, completion.include_usage) == (False, False)


def test_roles_parts_and_reasoning() -> None:
    body = {
        "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": t} for t in "ab"]},
            {"role": "assistant", "content": None, "reasoning": "thought"},
            {"role": "assistant", "content": "x", "reasoning_content": "also"},
        ]
    }
    completion = parse_completion(json.dumps(body).encode())
    assert completion.messages == (
        Message("system", "Be brief."),
        Message("user", "ab"),
        Message("assistant", "", "thought"),
        Message("assistant", "x", "also"),
    )


def test_max_completion_tokens_wins_and_empty_stops_are_dropped() -> None:
    completion = parse(max_tokens=5, max_completion_tokens=9, stop=["", "END"])
    assert completion.params.max_new_tokens == 9
    assert completion.params.stop == ("END",)


def test_thinking_switch_and_usage() -> None:
    completion = parse(
        stream=True,
        stream_options={"include_usage": True},
        chat_template_kwargs={"enable_thinking": True, "other": 1},
    )
    assert completion.params.enable_thinking is True
    assert completion.include_usage


def test_lone_surrogates_become_replacement_characters() -> None:
    completion = parse_completion(b'{"messages": [{"role": "user", "content": "a\\ud800b"}]}')
    assert completion.messages[0].content == "a\ufffdb"


@pytest.mark.parametrize(
    "fields",
    [
        {"temperature": float("nan")},
        {"top_p": 0},
        {"stop": ["x"] * (MAX_STOP_STRINGS + 1)},
        {"seed": "abc"},
        {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
    ],
)
def test_wrong_values_are_400(fields: dict[str, object]) -> None:
    with pytest.raises(ApiError) as caught:
        parse(**fields)
    assert caught.value.status == 400
