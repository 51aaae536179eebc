"""A model served by another program (vLLM, SGLang, llama-server, Ollama, the app's own API)
over the OpenAI chat API, through the official `openai` client.

The server renders the prompt with its own template and tokenizes it, so this backend takes
messages, not a rendered prompt (`chat`); the engine routes remote generations here
(engine/session.py). Whatever field a server puts reasoning in (`reasoning`,
`reasoning_content`, `thinking`), or `<think>` tags inside the content (also a bare
`</think>` after a template that opened the block in the prompt), comes out as one stream of
`<think>…</think>answer` text for the engine's own parser (`ThinkMarkup`).
"""

from __future__ import annotations

import logging
import math
import queue
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from engine.backends.base import OnText, PromptTokens, ShouldStop
from engine.errors import ErrorCode, GenerationError, RemoteError
from engine.model_info import ModelInfo
from engine.reasoning import CLOSE_TAG, OPEN_TAG
from engine.types import (
    FinishReason,
    GenerationParams,
    GenerationStats,
    LoadRequest,
    Message,
    RemoteModel,
    ServerKind,
)

NAME = "remote"
# How often a waiting answer looks at Stop.
POLL_S = 0.05
_END = object()
REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")
# Servers that read `chat_template_kwargs` from the request body (Ollama reads `think`).
_TEMPLATE_KWARGS_KINDS = (
    ServerKind.VLLM,
    ServerKind.SGLANG,
    ServerKind.LLAMA_SERVER,
    ServerKind.OTHER,
)
# Where a model listing says how long the server's context is.
_CONTEXT_KEYS = ("max_model_len", "context_length", "max_context_length", "n_ctx")

log = logging.getLogger(__name__)


def estimate_tokens(text: str) -> int:
    """About how many tokens `text` is, without the server's tokenizer: a token per four
    characters of ASCII, one per other character (Chinese runs about one per character)."""
    if not text:
        return 0
    ascii_chars = sum(1 for c in text if ord(c) < 128)
    return math.ceil(ascii_chars / 4) + (len(text) - ascii_chars)


def remote_model_info(request: LoadRequest) -> ModelInfo:
    """What the app knows of a remote model before it connects: its name and server."""
    remote = _remote_of(request)
    return ModelInfo(
        path=request.model,
        format="remote",
        name=remote.model,
        architecture=None,
        is_minicpm="minicpm" in remote.model.lower(),
        supports_thinking=True,
        extra={"server": remote.server_name or host_of(remote.base_url), "kind": remote.kind},
    )


def host_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    return parts.netloc or base_url


def render_plain(messages: Sequence[Message]) -> str:
    """The conversation as plain text: what the context meter counts for a remote model,
    whose template lives on the server."""
    return "".join(f"{m.role}: {m.content}\n\n" for m in messages)


class RemoteBackend:
    """One model on an OpenAI-compatible server. `load` checks that the server answers and
    serves the model; `chat` streams one answer."""

    name = NAME

    def __init__(self) -> None:
        self.device = ""
        self._remote: RemoteModel | None = None
        self._client: Any = None
        self._context_length = 0

    @property
    def precision(self) -> str:
        return ""

    @property
    def sparse_threshold(self) -> int:
        return 0

    @property
    def native(self) -> Any:
        return self._client

    @property
    def context_length(self) -> int:
        return self._context_length

    @property
    def remote(self) -> RemoteModel:
        if self._remote is None:
            raise GenerationError("No model is loaded.")
        return self._remote

    def load(self, info: ModelInfo, request: LoadRequest) -> None:
        remote = _remote_of(request)
        client = make_client(remote)
        served = list_models(client, remote.base_url)
        entry = served.get(remote.model)
        if entry is None:
            raise RemoteError(
                ErrorCode.REMOTE_MODEL_NOT_FOUND,
                f"{host_of(remote.base_url)} does not serve the model '{remote.model}'.",
                params={"url": remote.base_url, "model": remote.model},
            )
        self._remote, self._client = remote, client
        self._context_length = _context_of(entry) or request.n_ctx
        self.device = remote.server_name or host_of(remote.base_url)

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def tokenize(self, prompt: str) -> PromptTokens:
        # An estimate: the server's tokenizer is not ours to call for every keystroke.
        return PromptTokens(prompt, (0,) * estimate_tokens(prompt))

    def generate(
        self,
        prompt: PromptTokens,
        budget: int,
        params: GenerationParams,
        stop_strings: tuple[str, ...],
        on_text: OnText,
        should_stop: ShouldStop,
    ) -> GenerationStats:
        raise GenerationError("A remote model answers messages (RemoteBackend.chat).")

    def chat(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        on_text: OnText,
        should_stop: ShouldStop,
    ) -> GenerationStats:
        """Streams one answer as `<think>…</think>answer` text; raises `RemoteError` when the
        server refuses or the stream breaks off (`REMOTE_INTERRUPTED` when it ends without a
        finish reason, after the text that came).

        The request runs on a reader thread, so Stop is noticed within `POLL_S` even while
        the server has not answered yet (a thinking model's long prefill): the stream is then
        closed, which makes the server stop generating."""
        remote = self.remote
        run = _Run(params, on_text, time.perf_counter())
        reader = _Reader(self._client, request_body(remote, messages, params))
        try:
            run.stopped = not reader.pump(run.chunk, should_stop)
        except Exception as exc:
            error = remote_error(exc, remote.base_url)
            raise (_broken_off(error) if run.began else error) from exc
        finally:
            reader.close()
        run.markup.finish(on_text)
        if run.finish is None and not run.stopped:
            raise RemoteError(
                ErrorCode.REMOTE_INTERRUPTED,
                f"{host_of(remote.base_url)} ended the answer before it was finished.",
                params={"url": remote.base_url},
            )
        return run.stats(self.name, self.device, messages)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None
        self._remote = None


def _remote_of(request: LoadRequest) -> RemoteModel:
    if request.remote is None:
        raise GenerationError("A remote load needs a server and a model.")
    return request.remote


def make_client(remote: RemoteModel) -> Any:
    """An OpenAI client for `remote`: never retried (a retry after the first tokens would ask
    for the whole answer again), a short connect timeout, a long read timeout."""
    import openai

    return openai.OpenAI(
        base_url=remote.base_url,
        # The client insists on a key; servers without one ignore it.
        api_key=remote.api_key or "none",
        max_retries=0,
        timeout=openai.Timeout(remote.read_timeout_s, connect=remote.connect_timeout_s),
    )


def list_models(client: Any, base_url: str) -> dict[str, dict[str, Any]]:
    """The server's models by id (each listing entry as a dict): `GET /v1/models`, which
    "Test connection" uses too."""
    try:
        page = client.models.list()
        return {str(model.id): model.model_dump() for model in page.data}
    except Exception as exc:
        raise remote_error(exc, base_url) from exc


def _context_of(entry: dict[str, Any]) -> int:
    for key in _CONTEXT_KEYS:
        value = entry.get(key)
        if isinstance(value, int) and value > 0:
            return value
    meta = entry.get("meta")
    if isinstance(meta, dict):  # llama-server: the trained context
        value = meta.get("n_ctx") or meta.get("n_ctx_train")
        if isinstance(value, int) and value > 0:
            return value
    return 0


def request_body(
    remote: RemoteModel, messages: Sequence[Message], params: GenerationParams
) -> dict[str, Any]:
    """The keyword arguments of `chat.completions.create` for one streamed answer."""
    body: dict[str, Any] = {
        "model": remote.model,
        "messages": wire_messages(messages, remote, params.enable_thinking),
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": params.max_new_tokens,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "extra_body": _extra_body(remote, params),
    }
    if params.stop:
        body["stop"] = list(params.stop)
    if params.seed is not None:
        body["seed"] = params.engine_seed
    return body


def _extra_body(remote: RemoteModel, params: GenerationParams) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    thinking = params.enable_thinking
    if thinking is not None:
        if remote.kind in _TEMPLATE_KWARGS_KINDS:
            extra["chat_template_kwargs"] = {"enable_thinking": thinking}
        if remote.kind == ServerKind.OLLAMA:
            extra["think"] = thinking
    if remote.kind == ServerKind.VLLM and "minicpm" in remote.model.lower():
        # MiniCPM's template leaves BOS to the tokenizer; vLLM's chat path adds none without it.
        extra["add_special_tokens"] = True
    if remote.kind in (ServerKind.VLLM, ServerKind.SGLANG, ServerKind.LLAMA_SERVER):
        extra["top_k"] = params.top_k
        if params.repetition_penalty != 1.0:
            key = (
                "repeat_penalty" if remote.kind == ServerKind.LLAMA_SERVER else "repetition_penalty"
            )
            extra[key] = params.repetition_penalty
    return extra


def wire_messages(
    messages: Sequence[Message], remote: RemoteModel, thinking: bool | None
) -> list[dict[str, str]]:
    """The conversation as the API takes it; with `thinking_suffix`, the last question ends in
    /think or /no_think (MiniCPM4.1 and Qwen3 read it) for servers that ignore the kwargs."""
    wire = [{"role": m.role, "content": m.content} for m in messages]
    if remote.thinking_suffix and thinking is not None:
        for item in reversed(wire):
            if item["role"] == "user":
                command = "/think" if thinking else "/no_think"
                if not item["content"].rstrip().endswith(command):
                    item["content"] = f"{item['content'].rstrip()} {command}"
                break
    return wire


class ThinkMarkup:
    """Reasoning fields and content deltas -> one `<think>reasoning</think>answer` text.

    With thinking asked for and no reasoning field, content that does not open with `<think>`
    is taken as reasoning whose `<think>` the template wrote into the prompt, so a bare
    `</think>` ends it; when it never comes, the engine shows that text as the answer."""

    def __init__(self, thinking: bool | None) -> None:
        self._thinking = thinking
        self._pending = ""  # the start of the content, until it shows whether it opens a block
        self._decided = thinking is not True
        self._in_field = False

    def reasoning(self, text: str, out: OnText) -> None:
        if not text:
            return
        if not self._in_field:
            out(OPEN_TAG)
            self._in_field = True
            self._decided = True
        out(text)

    def content(self, text: str, out: OnText) -> None:
        if not text:
            return
        if self._in_field:
            out(CLOSE_TAG)
            self._in_field = False
        if self._decided:
            out(text)
            return
        self._pending += text
        start = self._pending.lstrip()
        if len(start) < len(OPEN_TAG) and OPEN_TAG.startswith(start):
            return  # could still become "<think>"
        self._decided = True
        if not start.startswith(OPEN_TAG):
            out(OPEN_TAG)
        out(self._pending)
        self._pending = ""

    def finish(self, out: OnText) -> None:
        if self._pending:
            out(self._pending)
            self._pending = ""
        if self._in_field:
            out(CLOSE_TAG)
            self._in_field = False


class _Reader:
    """One streamed request on its own daemon thread, its chunks handed over a queue: the
    `openai` client blocks in a socket read that nothing but the server (or the read timeout)
    ends, and Stop must not wait for either."""

    def __init__(self, client: Any, body: dict[str, Any]) -> None:
        self._chunks: queue.Queue[object] = queue.Queue()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._stream: Any = None
        self._client = client
        self._thread = threading.Thread(
            target=self._read, args=(client, body), name="remote-stream", daemon=True
        )
        self._thread.start()

    def pump(self, on_chunk: Callable[[Any], None], should_stop: ShouldStop) -> bool:
        """Hands each chunk to `on_chunk` until the stream ends (True) or `should_stop()`
        (False); raises what the request raised."""
        while True:
            if should_stop():
                return False
            try:
                item = self._chunks.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if item is _END:
                return True
            if isinstance(item, BaseException):
                raise item
            on_chunk(item)

    def close(self) -> None:
        """Closes the stream (the server sees the connection go and stops); the thread ends
        with the failed read. Any thread, any number of times."""
        self._closed.set()
        with self._lock:
            stream = self._stream
        if stream is not None:
            _close_quietly(stream)
        elif self._thread.is_alive():
            # No answer yet: the request's connection is the client's only busy one. (A
            # finished request leaves its connection idle in the pool, for the next one.)
            _shut_down_connections(self._client)

    def _read(self, client: Any, body: dict[str, Any]) -> None:
        try:
            stream = client.chat.completions.create(**body)
            with self._lock:
                self._stream = stream
            if self._closed.is_set():
                _close_quietly(stream)
                return
            for chunk in stream:
                if self._closed.is_set():
                    break
                self._chunks.put(chunk)
            self._chunks.put(_END)
        except BaseException as exc:  # noqa: BLE001 (handed to the engine's thread)
            if not self._closed.is_set():
                self._chunks.put(exc)
        finally:
            with self._lock:
                stream, self._stream = self._stream, None
            if stream is not None:
                _close_quietly(stream)


def _shut_down_connections(client: Any) -> None:
    """Shuts down the sockets of `client`'s connections, so a request still waiting for the
    server's first byte fails now and the server sees the connection go. Reaches into the
    HTTP library's pool (httpcore2): if its shape changes, the read ends with the read
    timeout instead, as before."""
    try:
        pool = client._client._transport._pool
        sockets = [
            c._connection._network_stream.get_extra_info("socket")
            for c in pool.connections
            if getattr(c, "_connection", None) is not None
        ]
    except AttributeError:
        log.debug("No sockets to shut down", exc_info=True)
        return
    for sock in sockets:
        try:
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed


def _close_quietly(stream: Any) -> None:
    """Closes a stream's response; a socket shut down first so a read blocked on it in
    another thread ends now (closing alone leaves the connection open until it returns)."""
    response = getattr(stream, "response", None)
    network = getattr(response, "extensions", {}).get("network_stream") if response else None
    sock = network.get_extra_info("socket") if network is not None else None
    try:
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the other side
    try:
        stream.close()
    except Exception:  # noqa: BLE001 (closing twice or mid-read: nothing to report)
        log.debug("Closing the remote stream failed", exc_info=True)


class _Run:
    """One streamed answer: its markup, counts and timings."""

    def __init__(self, params: GenerationParams, on_text: OnText, started: float) -> None:
        self.markup = ThinkMarkup(params.enable_thinking)
        self._on_text = on_text
        self._started = started
        self._first: float | None = None
        self._pieces = 0
        self._usage: Any = None
        self._text: list[str] = []
        self.finish: str | None = None
        self.stopped = False

    @property
    def began(self) -> bool:
        """Answer text has come: the connection worked."""
        return self._first is not None

    def chunk(self, chunk: Any) -> None:
        if getattr(chunk, "usage", None) is not None:
            self._usage = chunk.usage
        for choice in chunk.choices or ():
            self._delta(choice.delta)
            if choice.finish_reason:
                self.finish = str(choice.finish_reason)

    def _delta(self, delta: Any) -> None:
        if delta is None:
            return
        reasoning = _reasoning_of(delta)
        content = getattr(delta, "content", None) or ""
        if not (reasoning or content):
            return
        if self._first is None:
            self._first = time.perf_counter()
        self._pieces += 1
        self._text.append(reasoning + content)
        self.markup.reasoning(reasoning, self._on_text)
        self.markup.content(content, self._on_text)

    def stats(self, backend: str, device: str, messages: Sequence[Message]) -> GenerationStats:
        now = time.perf_counter()
        first = self._first or now
        usage = self._usage
        prompt = getattr(usage, "prompt_tokens", None) if usage is not None else None
        generated = getattr(usage, "completion_tokens", None) if usage is not None else None
        generated = generated if isinstance(generated, int) else self._pieces
        decode_s = now - first
        return GenerationStats(
            backend=backend,
            device=device,
            prompt_tokens=prompt
            if isinstance(prompt, int)
            else estimate_tokens(render_plain(messages)),
            generated_tokens=generated,
            time_to_first_token_s=first - self._started,
            decode_tokens_per_s=(generated - 1) / decode_s
            if decode_s > 0 and generated > 1
            else 0.0,
            total_s=now - self._started,
            finish_reason=self._finish_reason(),
        )

    def _finish_reason(self) -> FinishReason:
        if self.stopped:
            return "stopped"
        return "length" if self.finish == "length" else "stop"


def _reasoning_of(delta: Any) -> str:
    extra = getattr(delta, "model_extra", None) or {}
    for key in REASONING_FIELDS:
        value = getattr(delta, key, None)
        if value is None:
            value = extra.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def remote_error(exc: Exception, base_url: str) -> RemoteError:
    """An `openai` exception as a RemoteError with a code the GUI words and the server's own
    words as the detail."""
    if isinstance(exc, RemoteError):
        return exc
    import openai

    host = host_of(base_url)
    params: dict[str, str | int] = {"url": base_url}
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        params["status"] = status
        params["detail"] = _server_words(exc)
        code, sentence = _status_error(status, host)
        return RemoteError(code, f"{sentence} ({params['detail']})", params=params)
    if isinstance(exc, openai.APITimeoutError):
        return RemoteError(
            ErrorCode.REMOTE_TIMEOUT, f"{host} did not answer in time.", params=params
        )
    if isinstance(exc, openai.APIConnectionError):
        if _is_tls(exc):
            return RemoteError(
                ErrorCode.REMOTE_TLS,
                f"The secure connection to {host} failed: {_cause(exc)}",
                params={**params, "detail": _cause(exc)},
            )
        return RemoteError(
            ErrorCode.REMOTE_UNREACHABLE,
            f"Could not connect to {host}: {_cause(exc)}",
            params={**params, "detail": _cause(exc)},
        )
    if isinstance(exc, openai.APIError):  # an error event in the middle of a stream
        detail = str(exc.message or exc)
        return RemoteError(
            ErrorCode.REMOTE_SERVER,
            f"{host} reported an error: {detail}",
            params={**params, "detail": detail},
        )
    detail = f"{type(exc).__name__}: {exc}"
    return RemoteError(
        ErrorCode.REMOTE_INTERRUPTED,
        f"The answer from {host} broke off: {detail}",
        params={**params, "detail": detail},
    )


def _broken_off(error: RemoteError) -> RemoteError:
    """A connection error once the answer is streaming (the `openai` client calls a body cut
    short one) is no failure to connect: the answer broke off."""
    if error.code != ErrorCode.REMOTE_UNREACHABLE:
        return error
    host = host_of(str(error.params.get("url", "")))
    return RemoteError(
        ErrorCode.REMOTE_INTERRUPTED,
        f"The answer from {host} broke off: {error.params.get('detail', '')}",
        params=error.params,
    )


def _status_error(status: int, host: str) -> tuple[ErrorCode, str]:
    if status in (401, 403):
        return ErrorCode.REMOTE_AUTH, f"{host} refused the API key"
    if status == 404:
        return ErrorCode.REMOTE_MODEL_NOT_FOUND, f"{host} does not have that model or address"
    if status == 429:
        return ErrorCode.REMOTE_BUSY, f"{host} is busy"
    if status >= 500:
        return ErrorCode.REMOTE_SERVER, f"{host} failed with error {status}"
    return ErrorCode.REMOTE_REFUSED, f"{host} refused the request (error {status})"


def _server_words(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return str(message)[:300]
    return str(getattr(exc, "message", "") or exc)[:300]


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        name = type(seen).__name__.lower()
        if "ssl" in name or "certificate" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _cause(exc: BaseException) -> str:
    root: BaseException = exc
    while root.__cause__ is not None:
        root = root.__cause__
    return str(root) or type(root).__name__
