"""The remote backend through the Engine against a scripted OpenAI-compatible server on
127.0.0.1: each server's chunk shapes, usage, errors as codes, what the client sends, timeouts
and Stop. Fast: no model."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from remote_servers import (
    SCRIPTED_MODEL,
    Reply,
    ScriptedServer,
    answer,
    closed_port,
    content_chunk,
    error_event,
    finish_chunk,
    role_chunk,
    sglang_reasoning_chunk,
    thinking_chunk,
    usage_chunk,
    vllm_reasoning_chunk,
)

from engine.errors import ErrorCode, RemoteError
from engine.reasoning import TextPiece
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

QUESTION = [Message("user", "What is the capital of France?")]
PLAIN = GenerationParams(temperature=0.0, max_new_tokens=64)


def remote_engine(
    server: ScriptedServer,
    model: str = SCRIPTED_MODEL,
    kind: ServerKind = ServerKind.OTHER,
    **options: object,
) -> Engine:
    engine = Engine()
    remote = RemoteModel(base_url=server.base_url, model=model, kind=kind, **options)  # type: ignore[arg-type]
    engine.load(LoadRequest(model=Path("scripted"), backend=BackendName.REMOTE, remote=remote))
    return engine


def ask(
    engine: Engine,
    params: GenerationParams = PLAIN,
    messages: list[Message] = QUESTION,
) -> tuple[GenerationResult, list[TextPiece]]:
    pieces: list[TextPiece] = []
    result = engine.generate(messages, params, pieces.append)
    return result, pieces


def channel(pieces: list[TextPiece], name: str) -> str:
    return "".join(p.text for p in pieces if p.channel == name)


def failure(engine: Engine, params: GenerationParams = PLAIN) -> tuple[RemoteError, str]:
    """The RemoteError a generation raises, and the answer text delivered before it."""
    pieces: list[TextPiece] = []
    with pytest.raises(RemoteError) as raised:
        engine.generate(QUESTION, params, pieces.append)
    return raised.value, channel(pieces, "answer")


# Chunk shapes -----------------------------------------------------------------------------


def test_vllm_reasoning_field_is_split_from_the_answer(scripted_server: ScriptedServer) -> None:
    scripted_server.script(Reply([
        role_chunk(), vllm_reasoning_chunk("France's capital"), vllm_reasoning_chunk(" is Paris."),
        content_chunk("Paris"), content_chunk("."), finish_chunk(),
    ]))  # fmt: skip
    engine = remote_engine(scripted_server, kind=ServerKind.VLLM)
    result, pieces = ask(engine, GenerationParams(enable_thinking=True))
    assert result.reasoning == "France's capital is Paris."
    assert result.text == "Paris."
    assert channel(pieces, "reasoning").strip() == "France's capital is Paris."
    assert channel(pieces, "answer").strip() == "Paris."
    assert result.stats.finish_reason == "stop"
    assert result.stats.backend == "remote"


def test_sglang_reasoning_content_is_split_from_the_answer(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.script(Reply([
        role_chunk(), sglang_reasoning_chunk("Think"), sglang_reasoning_chunk("ing."),
        content_chunk("Answer."), finish_chunk(),
    ]))  # fmt: skip
    engine = remote_engine(scripted_server, kind=ServerKind.SGLANG)
    result, pieces = ask(engine, GenerationParams(enable_thinking=True))
    assert (result.reasoning, result.text) == ("Thinking.", "Answer.")
    assert channel(pieces, "reasoning").strip() == "Thinking."


def test_thinking_field_is_reasoning_too(scripted_server: ScriptedServer) -> None:
    scripted_server.script(Reply([
        thinking_chunk("Hmm."), content_chunk("Yes."), finish_chunk(),
    ]))  # fmt: skip
    engine = remote_engine(scripted_server, kind=ServerKind.OLLAMA)
    result, _ = ask(engine, GenerationParams(enable_thinking=True))
    assert (result.reasoning, result.text) == ("Hmm.", "Yes.")


def test_inline_think_tags_in_the_content_are_split(scripted_server: ScriptedServer) -> None:
    scripted_server.script(answer("<thi", "nk>Let me", " see.</th", "ink>\n\nParis."))
    engine = remote_engine(scripted_server)
    result, pieces = ask(engine, GenerationParams(enable_thinking=True))
    assert (result.reasoning, result.text) == ("Let me see.", "Paris.")
    assert "<think>" not in channel(pieces, "answer") + channel(pieces, "reasoning")


def test_bare_close_tag_after_a_prefilled_think_ends_the_reasoning(
    scripted_server: ScriptedServer,
) -> None:
    # The template opened <think> in the prompt; the model writes only its end.
    scripted_server.script(answer("Weighing", " it.", "</think>", "\n\nParis."))
    engine = remote_engine(scripted_server, kind=ServerKind.LLAMA_SERVER)
    result, pieces = ask(engine, GenerationParams(enable_thinking=True))
    assert (result.reasoning, result.text) == ("Weighing it.", "Paris.")
    assert channel(pieces, "reasoning").strip() == "Weighing it."


def test_thinking_on_without_any_think_tag_gives_the_text_as_the_answer(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.script(answer("Paris", " is the capital."))
    engine = remote_engine(scripted_server)
    result, _ = ask(engine, GenerationParams(enable_thinking=True))
    assert result.text == "Paris is the capital."
    assert result.reasoning == ""


def test_thinking_off_with_only_reasoning_makes_the_reasoning_the_answer(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.script(Reply([
        role_chunk(), vllm_reasoning_chunk("Paris is"), vllm_reasoning_chunk(" the capital."),
        content_chunk(""), finish_chunk(),
    ]))  # fmt: skip
    engine = remote_engine(scripted_server, kind=ServerKind.VLLM)
    result, _ = ask(engine, GenerationParams(enable_thinking=False))
    assert result.text == "Paris is the capital."
    assert result.reasoning == ""


# Usage ------------------------------------------------------------------------------------


def test_usage_chunk_gives_the_token_counts(scripted_server: ScriptedServer) -> None:
    scripted_server.script(Reply([
        role_chunk(), content_chunk("Par"), content_chunk("is."), finish_chunk(),
        usage_chunk(prompt=37, completion=5),
    ]))  # fmt: skip
    result, _ = ask(remote_engine(scripted_server))
    assert result.stats.prompt_tokens == 37
    assert result.stats.generated_tokens == 5


def test_without_usage_the_tokens_are_counted_here(scripted_server: ScriptedServer) -> None:
    scripted_server.script(answer("Pa", "ri", "s", "."))
    result, _ = ask(remote_engine(scripted_server))
    assert result.text == "Paris."
    assert result.stats.generated_tokens == 4  # one per text delta
    assert result.stats.prompt_tokens > 0  # estimated from the plain conversation


def test_length_finish_is_reported(scripted_server: ScriptedServer) -> None:
    scripted_server.script(answer("The", " capital", finish="length"))
    result, _ = ask(remote_engine(scripted_server))
    assert result.stats.finish_reason == "length"


# Errors -----------------------------------------------------------------------------------


def test_error_event_mid_stream_is_a_server_error_after_the_text(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.script(Reply([
        role_chunk(), content_chunk("Paris "), content_chunk("is"),
        error_event("CUDA out of memory"),
    ], done=False))  # fmt: skip
    error, delivered = failure(remote_engine(scripted_server))
    assert error.code == ErrorCode.REMOTE_SERVER
    assert "CUDA out of memory" in str(error.params["detail"])
    assert delivered.startswith("Paris")


def test_stream_ending_without_finish_or_done_is_interrupted(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.script(Reply([role_chunk(), content_chunk("Paris "), content_chunk("is")],
                                 done=False))  # fmt: skip
    error, delivered = failure(remote_engine(scripted_server))
    assert error.code == ErrorCode.REMOTE_INTERRUPTED
    assert delivered == "Paris is"


def test_connection_dropped_mid_body_is_interrupted(scripted_server: ScriptedServer) -> None:
    scripted_server.script(Reply([role_chunk(), content_chunk("Paris "), content_chunk("is")],
                                 abort=True))  # fmt: skip
    error, delivered = failure(remote_engine(scripted_server))
    assert error.code == ErrorCode.REMOTE_INTERRUPTED
    assert delivered == "Paris is"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (401, ErrorCode.REMOTE_AUTH),
        (403, ErrorCode.REMOTE_AUTH),
        (404, ErrorCode.REMOTE_MODEL_NOT_FOUND),
        (429, ErrorCode.REMOTE_BUSY),
        (500, ErrorCode.REMOTE_SERVER),
        (503, ErrorCode.REMOTE_SERVER),
        (400, ErrorCode.REMOTE_REFUSED),
    ],
)
def test_http_errors_become_codes_with_the_servers_words(
    scripted_server: ScriptedServer, status: int, code: ErrorCode
) -> None:
    scripted_server.script(Reply(status=status, error=f"scripted failure {status}"))
    error, _ = failure(remote_engine(scripted_server))
    assert error.code == code
    assert error.params["status"] == status
    assert error.params["detail"] == f"scripted failure {status}"
    assert len(scripted_server.chats()) == 1  # never retried


def test_connection_refused_is_unreachable_at_load() -> None:
    remote = RemoteModel(base_url=f"http://127.0.0.1:{closed_port()}/v1", model="m",
                         connect_timeout_s=2.0)  # fmt: skip
    with pytest.raises(RemoteError) as raised:
        Engine().load(LoadRequest(model=Path("x"), backend=BackendName.REMOTE, remote=remote))
    assert raised.value.code == ErrorCode.REMOTE_UNREACHABLE


def test_https_to_a_plain_http_server_is_a_tls_error(scripted_server: ScriptedServer) -> None:
    url = scripted_server.base_url.replace("http://", "https://")
    remote = RemoteModel(base_url=url, model=SCRIPTED_MODEL, connect_timeout_s=5.0)
    with pytest.raises(RemoteError) as raised:
        Engine().load(LoadRequest(model=Path("x"), backend=BackendName.REMOTE, remote=remote))
    assert raised.value.code == ErrorCode.REMOTE_TLS
    assert raised.value.params["detail"]


def test_load_of_a_model_the_server_does_not_list(scripted_server: ScriptedServer) -> None:
    with pytest.raises(RemoteError) as raised:
        remote_engine(scripted_server, model="not-served")
    assert raised.value.code == ErrorCode.REMOTE_MODEL_NOT_FOUND
    assert raised.value.params["model"] == "not-served"


def test_load_reads_the_context_and_device(scripted_server: ScriptedServer) -> None:
    engine = remote_engine(scripted_server, server_name="Lab box")
    assert engine.loaded is not None
    assert engine.loaded.context_length == 8192  # the listing's max_model_len
    assert engine.loaded.device == "Lab box"


def test_api_key_is_sent_as_a_bearer_token(scripted_server: ScriptedServer) -> None:
    ask(remote_engine(scripted_server, api_key="sk-test"))
    headers = {k.lower(): v for k, v in scripted_server.chats()[0].headers.items()}
    assert headers["authorization"] == "Bearer sk-test"


# What the client sends ----------------------------------------------------------------------


def sent_body(
    server: ScriptedServer,
    params: GenerationParams,
    model: str = SCRIPTED_MODEL,
    kind: ServerKind = ServerKind.OTHER,
) -> dict[str, object]:
    ask(remote_engine(server, model=model, kind=kind), params)
    return server.chats()[-1].body


@pytest.mark.parametrize(
    "kind", [ServerKind.VLLM, ServerKind.SGLANG, ServerKind.LLAMA_SERVER, ServerKind.OTHER]
)
@pytest.mark.parametrize("thinking", [True, False])
def test_thinking_switch_goes_in_chat_template_kwargs(
    scripted_server: ScriptedServer, kind: ServerKind, thinking: bool
) -> None:
    body = sent_body(scripted_server, GenerationParams(enable_thinking=thinking), kind=kind)
    assert body["chat_template_kwargs"] == {"enable_thinking": thinking}
    assert "think" not in body


@pytest.mark.parametrize("thinking", [True, False])
def test_thinking_switch_goes_in_think_for_ollama(
    scripted_server: ScriptedServer, thinking: bool
) -> None:
    body = sent_body(
        scripted_server, GenerationParams(enable_thinking=thinking), kind=ServerKind.OLLAMA
    )
    assert body["think"] is thinking
    assert "chat_template_kwargs" not in body


def test_no_thinking_switch_sends_neither(scripted_server: ScriptedServer) -> None:
    body = sent_body(scripted_server, GenerationParams(), kind=ServerKind.VLLM)
    assert "chat_template_kwargs" not in body and "think" not in body


@pytest.mark.parametrize(
    ("kind", "model", "expected"),
    [
        (ServerKind.VLLM, "openbmb/MiniCPM4.1-8B", True),
        (ServerKind.VLLM, "Qwen/Qwen3-8B", False),
        (ServerKind.SGLANG, "openbmb/MiniCPM4.1-8B", False),
        (ServerKind.LLAMA_SERVER, "MiniCPM4.1-8B", False),
    ],
)
def test_add_special_tokens_only_for_minicpm_on_vllm(
    scripted_server: ScriptedServer, kind: ServerKind, model: str, expected: bool
) -> None:
    scripted_server.models = [{"id": model, "object": "model"}]
    body = sent_body(scripted_server, PLAIN, model=model, kind=kind)
    assert ("add_special_tokens" in body) is expected
    if expected:
        assert body["add_special_tokens"] is True


@pytest.mark.parametrize(("thinking", "command"), [(True, "/think"), (False, "/no_think")])
def test_thinking_suffix_ends_the_last_question(
    scripted_server: ScriptedServer, thinking: bool, command: str
) -> None:
    messages = [
        Message("system", "Be brief."),
        Message("user", "First?"),
        Message("assistant", "One."),
        Message("user", "And France?  "),
    ]
    ask(
        remote_engine(scripted_server, thinking_suffix=True),
        GenerationParams(enable_thinking=thinking),
        messages,
    )
    sent = scripted_server.chats()[-1].body["messages"]
    assert sent[-1] == {"role": "user", "content": f"And France? {command}"}
    assert sent[1]["content"] == "First?"
    assert sent[0]["content"] == "Be brief."


def test_without_thinking_suffix_the_question_is_unchanged(
    scripted_server: ScriptedServer,
) -> None:
    body = sent_body(scripted_server, GenerationParams(enable_thinking=False))
    assert body["messages"] == [{"role": "user", "content": QUESTION[0].content}]


def test_stream_usage_stop_and_max_tokens_are_sent(scripted_server: ScriptedServer) -> None:
    params = GenerationParams(
        temperature=0.2, top_p=0.9, max_new_tokens=77, stop=("\nUser:", "###"), seed=5
    )
    body = sent_body(scripted_server, params, kind=ServerKind.LLAMA_SERVER)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["stop"] == ["\nUser:", "###"]
    assert body["max_tokens"] == 77
    assert body["temperature"] == 0.2 and body["top_p"] == 0.9
    assert body["seed"] == 5
    assert body["model"] == SCRIPTED_MODEL
    assert body["top_k"] == 40


def test_one_request_per_generation(scripted_server: ScriptedServer) -> None:
    engine = remote_engine(scripted_server)
    ask(engine)
    ask(engine)
    assert len(scripted_server.chats()) == 2


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_busy_and_server_errors_are_not_retried(
    scripted_server: ScriptedServer, status: int
) -> None:
    scripted_server.script(Reply(status=status, error="try later"), answer("Late."))
    failure(remote_engine(scripted_server))
    assert len(scripted_server.chats()) == 1


def test_stop_strings_end_the_text_here_too(scripted_server: ScriptedServer) -> None:
    # A server that ignores `stop`: the engine's own matcher still ends the answer.
    scripted_server.script(answer("Paris.", "###", "more"))
    result, _ = ask(remote_engine(scripted_server), GenerationParams(stop=("###",)))
    assert result.text == "Paris."
    assert result.stats.finish_reason == "stop"


# Time -------------------------------------------------------------------------------------


def test_silent_server_times_out(scripted_server: ScriptedServer) -> None:
    scripted_server.script(Reply([content_chunk("late"), finish_chunk()], silence_s=5.0))
    engine = remote_engine(scripted_server, read_timeout_s=0.5)
    began = time.monotonic()
    error, _ = failure(engine)
    assert error.code == ErrorCode.REMOTE_TIMEOUT
    assert time.monotonic() - began < 4.0


def test_silent_server_before_headers_times_out(scripted_server: ScriptedServer) -> None:
    scripted_server.script(Reply([content_chunk("late")], silence_s=5.0, headers_late=True))
    engine = remote_engine(scripted_server, read_timeout_s=0.5)
    began = time.monotonic()
    error, _ = failure(engine)
    assert error.code == ErrorCode.REMOTE_TIMEOUT
    assert time.monotonic() - began < 4.0


def stop_when(engine: Engine, ready: threading.Event) -> threading.Thread:
    """Calls engine.stop() from another thread once `ready` is set."""

    def stop() -> None:
        if ready.wait(timeout=10):
            engine.stop()

    thread = threading.Thread(target=stop, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("headers_late", [False, True], ids=["after-headers", "before-headers"])
def test_stop_while_the_server_is_silent_ends_at_once(
    scripted_server: ScriptedServer, headers_late: bool
) -> None:
    scripted_server.script(
        Reply([content_chunk("late"), finish_chunk()], silence_s=30.0, headers_late=headers_late)
    )
    engine = remote_engine(scripted_server)
    stopper = stop_when(engine, scripted_server.chat_arrived)
    began = time.monotonic()
    result, pieces = ask(engine)
    stopper.join(timeout=5)
    assert time.monotonic() - began < 5.0
    assert result.stats.finish_reason == "stopped"
    assert result.text == "" and pieces == []
    assert scripted_server.chats()[0].client_closed.wait(timeout=5)


def test_stop_mid_stream_keeps_the_text_so_far(scripted_server: ScriptedServer) -> None:
    words = [content_chunk(f"w{i} ") for i in range(400)]
    scripted_server.script(Reply([role_chunk(), *words, finish_chunk()], pace_s=0.02))
    engine = remote_engine(scripted_server)
    first = threading.Event()
    pieces: list[TextPiece] = []

    def on_piece(piece: TextPiece) -> None:
        pieces.append(piece)
        if len(pieces) >= 3:
            first.set()

    stopper = stop_when(engine, first)
    began = time.monotonic()
    result = engine.generate(QUESTION, PLAIN, on_piece)
    stopper.join(timeout=5)
    assert time.monotonic() - began < 5.0  # 400 x 20 ms would take 8 s
    assert result.stats.finish_reason == "stopped"
    assert result.text.startswith("w0 w1 w2")
    assert "w399" not in result.text
    assert scripted_server.chats()[0].client_closed.wait(timeout=5)


def test_server_gone_after_the_load_is_unreachable(scripted_server: ScriptedServer) -> None:
    engine = remote_engine(scripted_server)
    scripted_server.close()
    error, delivered = failure(engine)
    assert error.code == ErrorCode.REMOTE_UNREACHABLE
    assert delivered == ""
