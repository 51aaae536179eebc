"""Load and abuse: many clients at once, clients that go away, bad keys, bodies and paths.
Every request either gets exactly its own answer or a clean refusal, and the server keeps
serving afterwards."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field

import httpx2

from app.core.api.runner import ApiServer
from app.core.api.server import ApiConfig
from tests.app.core.api.helpers import (
    EchoBackend,
    FakeService,
    PacedBackend,
    ServiceFor,
    StartApi,
    ask,
    chunks_of,
    echo_reply,
    turns_of,
    wait_until,
)

CLIENTS = 20
ORIGIN = "http://localhost:3000"


@dataclass
class Outcome:
    status: int = 0
    retry_after: str | None = None
    text: str = ""
    finish: str | None = None
    done: bool = False
    error: dict[str, object] = field(default_factory=dict)


def stream_one(url: str, number: int, start: threading.Barrier, outcome: Outcome) -> None:
    body = ask(f"Please repeat marker-{number}", stream=True)
    start.wait()
    with (
        httpx2.Client(timeout=60) as http,
        http.stream("POST", f"{url}/chat/completions", json=body) as reply,
    ):
        outcome.status = reply.status_code
        outcome.retry_after = reply.headers.get("retry-after")
        raw = reply.read()
    if outcome.status != 200:
        outcome.error = json.loads(raw)["error"]
        return
    outcome.done = raw.endswith(b"data: [DONE]\n\n")
    for chunk in chunks_of(raw):
        for choice in chunk["choices"]:  # type: ignore[attr-defined]
            outcome.text += choice["delta"].get("content") or ""
            outcome.finish = choice["finish_reason"] or outcome.finish


def normal_request_works(server: ApiServer, headers: dict[str, str] | None = None) -> None:
    reply = httpx2.post(f"{server.url}/chat/completions", json=ask("hi"), headers=headers)
    assert reply.status_code == 200, reply.text
    assert reply.json()["choices"][0]["finish_reason"] == "stop"


def test_twenty_clients_at_once_get_their_own_answer_or_429(
    service_for: ServiceFor, start_api: StartApi
) -> None:
    backend = EchoBackend(delay_s=0.01, words=8)
    server = start_api(service_for(backend))
    start = threading.Barrier(CLIENTS)
    outcomes = [Outcome() for _ in range(CLIENTS)]
    threads = [
        threading.Thread(target=stream_one, args=(server.url, n, start, outcomes[n]))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    served = [n for n, o in enumerate(outcomes) if o.status == 200]
    refused = [n for n, o in enumerate(outcomes) if o.status == 429]
    assert sorted(served + refused) == list(range(CLIENTS))
    for n in served:
        outcome = outcomes[n]
        # Its own words, all of them, in order, and nobody else's.
        assert outcome.text.strip() == echo_reply(str(n)), outcome
        assert (outcome.finish, outcome.done) == ("stop", True)
    for n in refused:
        assert outcomes[n].retry_after == "5"
        assert outcomes[n].error["code"] == "queue_full"
    # One runs and 8 wait: of 20 arriving together, at least 9 are served, some refused.
    assert len(served) >= 9 and refused
    normal_request_works(server)


def read_until(sock: socket.socket, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        data = sock.recv(4096)
        assert data, f"connection closed before {marker!r}: {seen!r}"
        seen += data
    return seen


def post_raw(server: ApiServer, body: bytes, extra: str = "") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    )
    sock.sendall(head.encode() + body)
    return sock


def test_a_client_that_goes_away_stops_its_generation_within_a_token(
    service_for: ServiceFor, start_api: StartApi
) -> None:
    words = " ".join(f"w{i}" for i in range(200))
    backend = PacedBackend([words, "ok"], delay_s=0.05)
    server = start_api(service_for(backend))
    sock = post_raw(server, json.dumps(ask("long", stream=True)).encode())
    read_until(sock, b'"content": "w0"')
    sock.close()
    gone = time.monotonic()
    assert backend.done.wait(10)
    assert backend.finishes == ["stopped"]
    after = [t for t in backend.token_times if t > gone]
    # The token being decoded when the stop arrived may still come out; no more.
    assert len(after) <= 1, after
    assert len(backend.token_times) < 20
    normal_request_works(server)


def test_a_client_that_goes_away_before_a_whole_answer_stops_it_too(
    service_for: ServiceFor, start_api: StartApi
) -> None:
    words = " ".join(f"w{i}" for i in range(200))
    backend = PacedBackend([words, "ok"], delay_s=0.05)
    server = start_api(service_for(backend))
    sock = post_raw(server, json.dumps(ask("long")).encode())
    assert backend.started.wait(10)
    sock.close()
    assert backend.done.wait(10)
    assert backend.finishes == ["stopped"]
    assert len(backend.token_times) < 20
    normal_request_works(server)


def test_a_client_that_goes_away_while_waiting_leaves_the_line(
    service_for: ServiceFor, start_api: StartApi
) -> None:
    words = " ".join(f"w{i}" for i in range(30))
    backend = PacedBackend([words, "second"], delay_s=0.02)
    server = start_api(service_for(backend))
    first = post_raw(server, json.dumps(ask("first", stream=True)).encode())
    read_until(first, b'"content": "w0"')
    waiting = post_raw(server, json.dumps(ask("second")).encode())
    turns = turns_of(server)
    wait_until(lambda: turns.waiting == 1)
    waiting.close()
    wait_until(lambda: turns.waiting == 0)
    read_until(first, b"data: [DONE]")
    first.close()
    # Only the first ever reached the engine; the next request is the engine's second.
    assert len(backend.prompts) == 1
    normal_request_works(server)
    assert len(backend.prompts) == 2


def error_of(reply: httpx2.Response, status: int, code: str) -> str:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    error = reply.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["type"]
    return str(error["message"])


def test_a_missing_or_wrong_key_is_401_json(start_api: StartApi) -> None:
    server = start_api(FakeService(), ApiConfig(api_key="s3cret"))
    url = f"{server.url}/chat/completions"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
        error_of(httpx2.post(url, json=ask("hi"), headers=headers), 401, "invalid_api_key")
        error_of(httpx2.get(f"{server.url}/models", headers=headers), 401, "invalid_api_key")
    normal_request_works(server, {"Authorization": "Bearer s3cret"})


def test_oversized_bodies_are_413_json(start_api: StartApi) -> None:
    server = start_api(FakeService(), ApiConfig(max_body_bytes=1024))
    url = f"{server.url}/chat/completions"
    big = json.dumps(ask("x" * 2000)).encode()
    error_of(httpx2.post(url, content=big), 413, "request_too_large")

    # Declared far beyond the limit: refused before a byte of the body is read.
    lying = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    lying.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n{"
    )
    assert read_until(lying, b"request_too_large").startswith(b"HTTP/1.1 413")
    lying.close()

    # Chunked, no length: counted as it arrives.
    def chunks() -> bytes:
        part = b"x" * 512
        return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for _ in range(4)) + b"0\r\n\r\n"

    chunked = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    chunked.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\n" + chunks()
    )
    answer = read_until(chunked, b"request_too_large")
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"application/json" in answer
    chunked.close()
    normal_request_works(server)


def test_bad_json_and_wrong_shapes_are_400_json(start_api: StartApi) -> None:
    server = start_api(FakeService())
    url = f"{server.url}/chat/completions"
    error_of(httpx2.post(url, content=b"{not json"), 400, "invalid_json")
    error_of(httpx2.post(url, content=b"\xff\xfe"), 400, "invalid_json")
    error_of(httpx2.post(url, content=b"[" * 100_000), 400, "invalid_json")
    wrong = [
        {},
        [],
        {"messages": "hello"},
        {"messages": []},
        {"messages": [{"content": "no role"}]},
        {"messages": [{"role": "tool", "content": "x"}]},
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
        ask("x", temperature="hot"),
        ask("x", temperature=-1),
        ask("x", max_tokens=0),
        ask("x", top_p=2),
        ask("x", n=3),
        ask("x", stop=["a"] * 50),
        ask("x", stream_options={"include_usage": "sometimes"}),
    ]
    for body in wrong:
        error_of(httpx2.post(url, json=body), 400, "invalid_request")
    normal_request_works(server)


def test_unknown_models_paths_and_methods_are_json(start_api: StartApi) -> None:
    server = start_api(FakeService())
    message = error_of(
        httpx2.post(f"{server.url}/chat/completions", json=ask("x", model="llama-70b")),
        404,
        "model_not_found",
    )
    assert "llama-70b" in message
    error_of(httpx2.get(f"{server.url}/models/llama-70b"), 404, "model_not_found")
    error_of(httpx2.get(f"{server.url}/completions"), 404, "not_found")
    error_of(httpx2.get(server.url.removesuffix("/v1") + "/"), 404, "not_found")
    error_of(httpx2.get(server.url.removesuffix("/v1") + "/docs"), 404, "not_found")
    error_of(httpx2.get(f"{server.url}/chat/completions"), 405, "method_not_allowed")
    normal_request_works(server)


def test_no_cors_headers_unless_an_origin_is_allowed(start_api: StartApi) -> None:
    closed = start_api(FakeService())
    for reply in (
        httpx2.get(f"{closed.url}/models", headers={"Origin": ORIGIN}),
        httpx2.post(f"{closed.url}/chat/completions", json=ask("x"), headers={"Origin": ORIGIN}),
        httpx2.options(
            f"{closed.url}/chat/completions",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
        ),
    ):
        assert not any(name.startswith("access-control-") for name in reply.headers)
        # A page of any site is refused outright: no generation for a drive-by POST.
        error_of(reply, 403, "origin_not_allowed")
    normal_request_works(closed)

    opened = start_api(FakeService(), ApiConfig(allowed_origin=ORIGIN + "/"))
    mine = httpx2.get(f"{opened.url}/models", headers={"Origin": ORIGIN})
    assert mine.headers["access-control-allow-origin"] == ORIGIN
    other = httpx2.get(f"{opened.url}/models", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    error_of(other, 403, "origin_not_allowed")
    preflight = httpx2.options(
        f"{opened.url}/chat/completions",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, x-stainless-os",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    answer = httpx2.post(
        f"{opened.url}/chat/completions", json=ask("x"), headers={"Origin": ORIGIN}
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    normal_request_works(opened)
