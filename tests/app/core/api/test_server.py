"""The API through the `openai` client, as programs will call it: real uvicorn on 127.0.0.1,
a scripted engine behind it (EngineService over Engine + ScriptedBackend)."""

from __future__ import annotations

from typing import Any

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletionSystemMessageParam, ChatCompletionUserMessageParam

from app.core.api.server import DEFAULT_PORT, ApiConfig
from engine.backends.scripted import ScriptedBackend
from engine.errors import ErrorCode, Problem
from engine.types import GenerationParams
from tests.app.core.api.helpers import (
    FakeService,
    ServiceFor,
    StartApi,
    ask,
    chunks_of,
    fails,
    sse_events,
    stopped,
)

SYSTEM: ChatCompletionSystemMessageParam = {
    "role": "system",
    "content": "You are a helpful AI assistant.",
}
QUESTION: ChatCompletionUserMessageParam = {
    "role": "user",
    "content": "What is the capital of France?",
}


def client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=30)


def ask_openai(url: str, stream: bool, **fields: Any) -> object:
    """One completion, whole or streamed to its end (the stream raises what it carries)."""
    api = client(url)
    if stream:
        return list(api.chat.completions.create(model="", stream=True, **fields))
    return api.chat.completions.create(model="", **fields)


def test_the_default_port_is_none_of_the_well_known_ones() -> None:
    assert DEFAULT_PORT not in (1234, 1337, 4891, 8000, 30000)


def test_models_lists_the_loaded_model(service_for: ServiceFor, start_api: StartApi) -> None:
    service = service_for(ScriptedBackend())
    server = start_api(service)
    models = client(server.url).models.list().data
    assert [m.id for m in models] == [service.model_id()]
    assert models[0].object == "model"
    assert client(server.url).models.retrieve(models[0].id).id == service.model_id()


def test_models_is_empty_and_chat_503_while_none_is_loaded(start_api: StartApi) -> None:
    server = start_api(FakeService(model=None))
    assert client(server.url).models.list().data == []
    with pytest.raises(openai.InternalServerError) as caught:
        client(server.url).chat.completions.create(model="", messages=[QUESTION])
    assert caught.value.status_code == 503


def test_a_whole_answer(service_for: ServiceFor, start_api: StartApi) -> None:
    service = service_for(ScriptedBackend(["The capital is Paris."]))
    server = start_api(service)
    reply = client(server.url).chat.completions.create(
        model=service.model_id() or "", messages=[SYSTEM, QUESTION]
    )
    assert reply.object == "chat.completion"
    assert reply.model == service.model_id()
    choice = reply.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == "The capital is Paris."
    assert choice.finish_reason == "stop"
    assert reply.usage is not None
    assert reply.usage.completion_tokens == 4
    assert reply.usage.prompt_tokens > 10
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + 4


def test_a_streamed_answer(service_for: ServiceFor, start_api: StartApi) -> None:
    service = service_for(ScriptedBackend(["The capital is Paris."]))
    server = start_api(service)
    stream = client(server.url).chat.completions.create(
        model="", messages=[SYSTEM, QUESTION], stream=True
    )
    chunks = list(stream)
    assert len({c.id for c in chunks}) == 1
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert {c.model for c in chunks} == {service.model_id()}
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text.strip() == "The capital is Paris."
    assert [c.choices[0].finish_reason for c in chunks][-1] == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    # No usage chunk unless asked for.
    assert all(c.usage is None and c.choices for c in chunks)


def test_include_usage_adds_a_usage_only_chunk(
    service_for: ServiceFor, start_api: StartApi
) -> None:
    server = start_api(service_for(ScriptedBackend(["One two three."])))
    chunks = list(
        client(server.url).chat.completions.create(
            model="",
            messages=[QUESTION],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert last.usage.completion_tokens == 3
    assert last.usage.total_tokens == last.usage.prompt_tokens + 3
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks[:-1])


def test_parameters_reach_the_engine(service_for: ServiceFor, start_api: StartApi) -> None:
    backend = ScriptedBackend(["fine"])
    server = start_api(service_for(backend))
    client(server.url).chat.completions.create(
        model="",
        messages=[QUESTION],
        stop=["END", "STOP"],
        max_tokens=7,
        temperature=0.3,
        top_p=0.5,
        seed=42,
        extra_body={
            "top_k": 5,
            "repetition_penalty": 1.1,
            "chat_template_kwargs": {"enable_thinking": False},
            "some_field_we_do_not_know": {"ignored": True},
        },
    )
    params = backend.params[-1]
    assert params.stop == ("END", "STOP")
    assert params.max_new_tokens == 7
    assert (params.temperature, params.top_p, params.top_k) == (0.3, 0.5, 5)
    assert params.repetition_penalty == 1.1
    assert params.seed == 42
    assert params.enable_thinking is False


def test_absent_fields_take_the_engine_defaults(
    service_for: ServiceFor, start_api: StartApi
) -> None:
    backend = ScriptedBackend(["fine"])
    server = start_api(service_for(backend))
    client(server.url).chat.completions.create(
        model="", messages=[QUESTION], stop="END", max_completion_tokens=9
    )
    assert backend.params[-1] == GenerationParams(max_new_tokens=9, stop=("END",))


def test_reasoning_goes_out_under_both_names(service_for: ServiceFor, start_api: StartApi) -> None:
    server = start_api(service_for(ScriptedBackend(["<think>why</think>answer"])))
    api = client(server.url)
    message = api.chat.completions.create(model="", messages=[QUESTION]).choices[0].message
    assert message.content == "answer"
    assert getattr(message, "reasoning_content", None) == "why"
    assert getattr(message, "reasoning", None) == "why"
    deltas = [
        c.choices[0].delta
        for c in api.chat.completions.create(model="", messages=[QUESTION], stream=True)
    ]
    assert "".join(getattr(d, "reasoning_content", None) or "" for d in deltas) == "why"
    assert "".join(getattr(d, "reasoning", None) or "" for d in deltas) == "why"
    assert "".join(d.content or "" for d in deltas) == "answer"


def test_text_parts_and_earlier_reasoning_reach_the_prompt(
    service_for: ServiceFor, start_api: StartApi
) -> None:
    backend = ScriptedBackend(["fine"])
    server = start_api(service_for(backend))
    body = {
        "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [_text("Capital "), _text("of France?")]},
            {"role": "assistant", "content": "Paris.", "reasoning_content": "easy"},
            {"role": "user", "content": "And Spain?"},
        ]
    }
    reply = httpx2.post(f"{server.url}/chat/completions", json=body, timeout=30)
    assert reply.status_code == 200, reply.text
    prompt = backend.prompts[-1]
    assert "Be brief." in prompt
    assert "Capital of France?" in prompt
    assert "And Spain?" in prompt


def _text(text: str) -> dict[str, str]:
    return {"type": "text", "text": text}


def test_a_different_model_is_404(start_api: StartApi) -> None:
    server = start_api(FakeService())
    with pytest.raises(openai.NotFoundError) as caught:
        client(server.url).chat.completions.create(model="gpt-4o", messages=[QUESTION])
    assert caught.value.code == "model_not_found"
    assert "fake-model" in caught.value.message


def test_a_prompt_over_the_context_is_400_with_the_engines_words(
    service_for: ServiceFor, start_api: StartApi
) -> None:
    server = start_api(service_for(ScriptedBackend(["fine"], context_length=8)))
    for stream in (False, True):
        with pytest.raises(openai.BadRequestError) as caught:
            ask_openai(server.url, stream, messages=[SYSTEM, QUESTION])
        assert caught.value.code == "context_length_exceeded"
        assert "does not fit the 8-token context" in caught.value.message


def test_a_failure_before_the_first_token_is_500(start_api: StartApi) -> None:
    problem = Problem(ErrorCode.GENERATION, "The backend broke.")
    server = start_api(FakeService(script=fails(problem)))
    for stream in (False, True):
        with pytest.raises(openai.InternalServerError) as caught:
            ask_openai(server.url, stream, messages=[QUESTION])
        assert caught.value.status_code == 500
        assert "The backend broke." in caught.value.message


def test_a_failure_mid_stream_is_an_error_event(start_api: StartApi) -> None:
    problem = Problem(ErrorCode.GENERATION, "The backend broke.")
    server = start_api(FakeService(script=fails(problem, after="Half")))
    raw = httpx2.post(f"{server.url}/chat/completions", json=ask("x", stream=True), timeout=30)
    assert raw.status_code == 200
    events = sse_events(raw.content)
    assert events[-1] == "[DONE]"
    error = chunks_of(raw.content)[-1]["error"]
    assert isinstance(error, dict)
    assert error["message"] == "The backend broke."
    with pytest.raises(openai.APIError, match="The backend broke."):
        list(client(server.url).chat.completions.create(model="", messages=[QUESTION], stream=True))


def test_an_answer_stopped_under_a_client_ends_abort(start_api: StartApi) -> None:
    """The window's Stop ends an API answer too: "abort" (vLLM's word), not "stop", so the
    client does not take a partial answer for a whole one."""
    server = start_api(FakeService(script=stopped))
    reply = client(server.url).chat.completions.create(model="", messages=[QUESTION])
    assert reply.choices[0].finish_reason == "abort"  # type: ignore[comparison-overlap]
    chunks = ask_openai(server.url, True, messages=[QUESTION])
    assert isinstance(chunks, list)
    assert chunks[-1].choices[0].finish_reason == "abort"


def test_the_key_is_required_when_set(start_api: StartApi) -> None:
    server = start_api(FakeService(), ApiConfig(api_key="s3cret"))
    with pytest.raises(openai.AuthenticationError):
        client(server.url, "wrong").models.list()
    with pytest.raises(openai.AuthenticationError):
        client(server.url, "wrong").chat.completions.create(model="", messages=[QUESTION])
    reply = client(server.url, "s3cret").chat.completions.create(model="", messages=[QUESTION])
    assert reply.choices[0].message.content == "Hello there."


class _Refusing(FakeService):
    def start(self, *_args: Any) -> Any:
        raise RuntimeError("the engine thread is gone")


def test_a_service_that_cannot_start_is_500_and_frees_the_turn(start_api: StartApi) -> None:
    server = start_api(_Refusing())
    for _ in range(3):  # had the turn been kept, the second would wait for ever
        reply = httpx2.post(f"{server.url}/chat/completions", json=ask("x"), timeout=10)
        assert reply.status_code == 500
        assert "the engine thread is gone" in reply.json()["error"]["message"]
