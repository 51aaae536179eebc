"""The remote backend against llama.cpp's own llama-server (built from the llama-cpp-python
sdist's vendored source) on the starter model: per-request template arguments, usage counts,
two parallel slots."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from remote_servers import ServedModel

from engine.session import Engine
from engine.types import (
    BackendName,
    GenerationParams,
    GenerationResult,
    LoadRequest,
    Message,
    RemoteModel,
    ServerKind,
)

pytestmark = pytest.mark.slow

SYSTEM = Message("system", "You are a helpful AI assistant.")
QUESTION = [SYSTEM, Message("user", "What is the capital of France?")]


def load(served: ServedModel) -> Engine:
    engine = Engine()
    remote = RemoteModel(base_url=served.base_url, model=served.model, kind=ServerKind.LLAMA_SERVER)
    engine.load(LoadRequest(model=Path(served.model), backend=BackendName.REMOTE, remote=remote))
    return engine


def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urlopen(request, timeout=120) as reply:
        return json.load(reply)  # type: ignore[no-any-return]


def server_root(served: ServedModel) -> str:
    return served.base_url.removesuffix("/v1")


@pytest.mark.parametrize("thinking", [True, False])
def test_thinking_switch_is_accepted_and_answered(
    llama_server: ServedModel, thinking: bool
) -> None:
    # The starter's template has no thinking switch: the server must take the kwargs anyway.
    engine = load(llama_server)
    params = GenerationParams(temperature=0.0, max_new_tokens=32, enable_thinking=thinking)
    result = engine.generate(QUESTION, params)
    assert "Paris" in result.text + result.reasoning
    assert result.stats.finish_reason in ("stop", "length")


def apply_template(served: ServedModel, thinking: bool) -> str:
    messages = [{"role": m.role, "content": m.content} for m in QUESTION]
    body = {"messages": messages, "chat_template_kwargs": {"enable_thinking": thinking}}
    return str(post(f"{server_root(served)}/apply-template", body)["prompt"])


def test_starter_template_takes_the_kwargs(llama_server: ServedModel) -> None:
    # SmolLM2's template has no thinking switch: both render the same conversation.
    on, off = apply_template(llama_server, True), apply_template(llama_server, False)
    assert "What is the capital of France?" in on
    assert on == off


def test_per_request_kwargs_reach_the_template(
    llama_server_thinking_template: ServedModel,
) -> None:
    served = llama_server_thinking_template
    off = apply_template(served, False)
    assert off.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert "<think>" not in apply_template(served, True)
    # Through the engine: the switch it sends changes the prompt the server counted.
    engine = load(served)
    counts = {}
    for thinking in (True, False):
        params = GenerationParams(temperature=0.0, max_new_tokens=8, enable_thinking=thinking)
        counts[thinking] = engine.generate(QUESTION, params).stats.prompt_tokens
    assert counts[False] > counts[True]


def test_usage_gives_the_servers_prompt_count(llama_server: ServedModel) -> None:
    engine = load(llama_server)
    params = GenerationParams(temperature=0.0, max_new_tokens=16, enable_thinking=False)
    result = engine.generate(QUESTION, params)
    reference = post(f"{llama_server.base_url}/chat/completions", {
        "model": llama_server.model, "max_tokens": 1, "stream": False,
        "messages": [{"role": m.role, "content": m.content} for m in QUESTION],
    })  # fmt: skip
    assert result.stats.prompt_tokens == reference["usage"]["prompt_tokens"]
    assert 0 < result.stats.generated_tokens <= 16


def test_two_engines_generate_at_once_on_two_slots(llama_server: ServedModel) -> None:
    props = json.load(urlopen(f"{server_root(llama_server)}/props", timeout=10))
    assert props["total_slots"] == 2
    engines = [load(llama_server), load(llama_server)]
    story = [SYSTEM, Message("user", "Write a long story about a dragon and a knight.")]
    params = GenerationParams(temperature=0.0, max_new_tokens=200, enable_thinking=False)
    results: list[GenerationResult | BaseException] = [RuntimeError("not run")] * 2
    first_piece = [threading.Event(), threading.Event()]
    overlapped = [False, False]  # the other one had streamed before this one finished
    started = threading.Barrier(2)

    def run(index: int) -> None:
        started.wait(timeout=10)
        try:
            results[index] = engines[index].generate(
                story, params, lambda _: first_piece[index].set()
            )
            overlapped[index] = first_piece[1 - index].is_set()
        except BaseException as exc:  # noqa: BLE001 (reported by the assertions below)
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for result in results:
        assert isinstance(result, GenerationResult), result
        assert result.text
        assert result.stats.finish_reason in ("stop", "length")
    assert all(overlapped)  # neither waited for the other to finish: two slots at work
