"""ApiServer: uvicorn on a thread, a clear error for a busy port, a prompt and clean stop."""

from __future__ import annotations

import json
import socket
import time

import httpx2
import pytest

from app.core.api.runner import (
    ApiServer,
    ApiServerError,
    is_loopback,
    port_in_use,
    url_host,
)
from app.core.api.server import create_app
from tests.app.core.api.helpers import (
    FakeService,
    PacedBackend,
    ServiceFor,
    StartApi,
    ask,
    turns_of,
    wait_until,
)


def test_start_listens_and_stop_frees_the_port(start_api: StartApi) -> None:
    server = start_api(FakeService())
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}/v1"
    assert server.running
    assert httpx2.get(f"{server.url}/models").json()["data"][0]["id"] == "fake-model"
    assert port_in_use("127.0.0.1", server.port)
    server.start()  # again: nothing happens
    server.stop()
    server.stop()  # again: nothing happens
    assert not server.running
    assert not port_in_use("127.0.0.1", server.port)


def test_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert port_in_use("127.0.0.1", port)
        server = ApiServer(create_app(FakeService()), port=port)
        with pytest.raises(ApiServerError, match=f"Port {port} on 127.0.0.1 is already in use"):
            server.start()
        assert not server.running


def test_an_address_that_is_not_ours_is_a_clear_error() -> None:
    server = ApiServer(create_app(FakeService()), host="203.0.113.7", port=0)
    with pytest.raises(ApiServerError, match="Cannot listen on 203.0.113.7"):
        server.start()


def test_stop_ends_an_open_stream_promptly(service_for: ServiceFor, start_api: StartApi) -> None:
    words = " ".join(f"w{i}" for i in range(500))
    backend = PacedBackend([words], delay_s=0.05)
    server = start_api(service_for(backend))
    sock = post(server, json.dumps(ask("long", stream=True)).encode())
    seen = read_until(sock, b'"content": "w0"')
    began = time.monotonic()
    server.stop()
    assert time.monotonic() - began < 2
    seen += read_all(sock)
    assert backend.finishes == ["stopped"]
    assert len(backend.token_times) < 60  # of 500
    payload = seen.split(b"\r\n\r\n", 1)[1]
    # Chunked transfer framing aside, the stream ends as stopped, then [DONE].
    assert b'"finish_reason": "abort"' in payload
    assert b"data: [DONE]" in payload


def test_url_and_loopback_helpers() -> None:
    assert url_host("::1") == "[::1]"
    assert url_host("127.0.0.1") == "127.0.0.1"
    assert url_host("localhost") == "localhost"
    assert is_loopback("localhost") and is_loopback("127.0.0.2") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert not is_loopback("example.com")


def test_stop_turns_the_waiting_requests_away_with_503(
    service_for: ServiceFor, start_api: StartApi
) -> None:
    words = " ".join(f"w{i}" for i in range(500))
    backend = PacedBackend([words], delay_s=0.05)
    server = start_api(service_for(backend))
    running = post(server, json.dumps(ask("long", stream=True)).encode())
    read_until(running, b'"content": "w0"')
    waiting = post(server, json.dumps(ask("next")).encode())
    turns = turns_of(server)
    wait_until(lambda: turns.waiting == 1)
    server.stop()
    answer = read_all(waiting)
    assert answer.startswith(b"HTTP/1.1 503")
    assert b'"code": "shutting_down"' in answer
    assert b"data: [DONE]" in read_all(running)
    assert len(backend.prompts) == 1  # the waiting one never reached the engine


def post(server: ApiServer, body: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return sock


def read_until(sock: socket.socket, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        data = sock.recv(4096)
        assert data, seen
        seen += data
    return seen


def read_all(sock: socket.socket) -> bytes:
    with sock:
        seen = b""
        while data := sock.recv(4096):
            seen += data
        return seen
