"""Real servers on 127.0.0.1 for the remote backend's tests, as pytest fixtures.

- `scripted_server`: a stdlib HTTP server in a thread that plays what a test scripts (SSE
  events, or a status and an error body) and records every request it received.
- `llama_cpp_server`: `python -m llama_cpp.server` on the starter model.
- `llama_server_binary` / `llama_server`: llama.cpp's own `llama-server`, built once from the
  source vendored in the llama-cpp-python sdist into a cache folder.
- `app_api_server`: the app's own API (`python main.py serve`), when it exists.

Every process is started on a free port, waited for by polling its /v1/models (no fixed
sleeps), and killed and waited at teardown.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen

import pytest

REPO = Path(__file__).resolve().parents[3]
STARTER_ID = "SmolLM2-135M-Instruct"
LLAMA_CPP_VERSION = "0.3.36"
CACHE = Path(os.environ.get("MINICPM_CHAT_TEST_CACHE", Path.home() / ".cache/minicpm-chat-tests"))
SERVER_DIR = CACHE / f"llama-server-{LLAMA_CPP_VERSION}"
START_TIMEOUT_S = 120.0


# ---------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port() -> int:
    """A port nothing listens on (bound and released; nothing else takes it that fast)."""
    return free_port()


@dataclass(frozen=True)
class ServedModel:
    """A running server: its OpenAI base URL (…/v1) and the id it serves the model as."""

    base_url: str
    model: str
    name: str


def wait_for_models(base_url: str, process: subprocess.Popen[bytes], log: Path) -> list[str]:
    """Polls GET /v1/models until it answers; the served ids. Fails with the log's tail if the
    process dies or it takes too long."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{tail(log)}")
        try:
            with urlopen(f"{base_url}/models", timeout=2) as reply:
                listing = json.load(reply)
            return [str(item["id"]) for item in listing.get("data", [])]
        except (URLError, OSError, ValueError):
            time.sleep(0.1)  # polling interval, not a wait for a guessed start time
    pytest.fail(f"server did not answer /v1/models in {START_TIMEOUT_S:.0f} s:\n{tail(log)}")


def tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    log: Path


def start(command: list[str], log: Path, env: dict[str, str] | None = None) -> Started:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    return Started(process, log)


# ---------------------------------------------------------------------------------------------
# llama-server built from the llama-cpp-python sdist
# ---------------------------------------------------------------------------------------------


def build_llama_server(cache: Path = CACHE) -> Path:
    """The llama-server binary, built once into `cache` (a killed build is never reused: it is
    built in a temporary folder and renamed when complete). Raises RuntimeError with a reason
    when a tool is missing or a step fails."""
    final = cache / f"llama-server-{LLAMA_CPP_VERSION}-O1"
    binary = final / "llama-server"
    if binary.is_file():
        return binary
    for tool in ("cmake", "ninja"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed")
    if shutil.which("c++") is None and shutil.which("g++") is None:
        raise RuntimeError("no C++ compiler")
    cache.mkdir(parents=True, exist_ok=True)
    source = unpacked_source(cache)
    work = Path(tempfile.mkdtemp(prefix=f"{final.name}.", dir=cache))
    try:
        build = work / "build"
        configure = [
            "cmake", "-S", str(source), "-B", str(build), "-G", "Ninja",
            # -O1: a third of -O3's build time (4 instead of 12 minutes on 2 cores); the
            # tests need a correct server, not its top speed.
            "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG",
            "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG", "-DBUILD_SHARED_LIBS=OFF",
            "-DGGML_NATIVE=OFF", "-DGGML_AVX2=ON", "-DLLAMA_CURL=OFF",
            "-DLLAMA_BUILD_SERVER=ON", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
        ]  # fmt: skip
        run_logged(configure, work / "configure.log")
        run_logged(
            ["cmake", "--build", str(build), "--target", "llama-server", "-j2"],
            work / "build.log",
        )
        built = next(build.rglob("llama-server"), None)
        if built is None or not built.is_file():
            raise RuntimeError("the build made no llama-server")
        done = work / "out"
        done.mkdir()
        shutil.copy2(built, done / "llama-server")
        done.rename(final)
        return binary
    finally:
        shutil.rmtree(work, ignore_errors=True)


def unpacked_source(cache: Path) -> Path:
    """llama.cpp's source from the llama-cpp-python sdist (downloaded once with pip)."""
    sdists = cache / "sdist"
    sdist = sdists / f"llama_cpp_python-{LLAMA_CPP_VERSION}.tar.gz"
    if not sdist.is_file():
        sdists.mkdir(parents=True, exist_ok=True)
        download = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
            f"llama-cpp-python=={LLAMA_CPP_VERSION}", "-d", str(sdists),
        ]  # fmt: skip
        run_logged(download, sdists / "download.log")
        found = sorted(sdists.glob(f"llama*cpp*python-{LLAMA_CPP_VERSION}.tar.gz"))
        if not found:
            raise RuntimeError("pip downloaded no sdist")
        sdist = found[0]
    unpacked = cache / f"src-{LLAMA_CPP_VERSION}"
    source = next(unpacked.glob("*/vendor/llama.cpp"), None) if unpacked.is_dir() else None
    if source is None:
        scratch = Path(tempfile.mkdtemp(prefix="src.", dir=cache))
        with tarfile.open(sdist) as archive:
            archive.extractall(scratch, filter="data")
        shutil.rmtree(unpacked, ignore_errors=True)
        scratch.rename(unpacked)
        source = next(unpacked.glob("*/vendor/llama.cpp"), None)
    if source is None or not (source / "CMakeLists.txt").is_file():
        raise RuntimeError("the sdist holds no vendor/llama.cpp")
    return source


def run_logged(command: list[str], log: Path) -> None:
    with log.open("wb") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} {command[1]} failed ({done.returncode}):\n{tail(log)}")


# ---------------------------------------------------------------------------------------------
# The scripted server
# ---------------------------------------------------------------------------------------------

SCRIPTED_MODEL = "scripted-model"
Event = dict[str, Any] | str  # a chunk (sent as `data: <json>`) or a raw SSE line


@dataclass
class Reply:
    """What the server answers one chat request with: a stream of `events` (paced
    `pace_s` apart, after `silence_s` of saying nothing; `done` ends it with `data: [DONE]`,
    `abort` drops the connection without ending the chunked body), or `status` with a JSON
    error body `{"error": {"message": error}}`. `headers_late` holds back the response
    headers too during the silence."""

    events: list[Event] = field(default_factory=list)
    status: int = 200
    error: str = ""
    pace_s: float = 0.0
    silence_s: float = 0.0
    headers_late: bool = False
    done: bool = True
    abort: bool = False


@dataclass
class Received:
    """One request the server got, and whether its client hung up before the reply ended."""

    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    client_closed: threading.Event = field(default_factory=threading.Event)


class ScriptedServer:
    """An OpenAI-compatible server that plays scripted replies (`replies`, one per chat
    request in order; the last one repeats) and records what it got (`received`)."""

    def __init__(self) -> None:
        self.models: list[dict[str, Any]] = [
            {"id": SCRIPTED_MODEL, "object": "model", "owned_by": "tests", "max_model_len": 8192}
        ]
        self.replies: list[Reply] = [Reply([content_chunk("Hello."), finish_chunk("stop")])]
        self.received: list[Received] = []
        self.finished = threading.Event()  # set at teardown: ends every silence at once
        self.chat_arrived = threading.Event()  # a chat request reached the server
        self.connections: set[socket.socket] = set()  # open ones, shut down at close
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.scripted = self  # type: ignore[attr-defined]
        self.port = int(self._httpd.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self.finished.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:  # also the kept-alive connections: the server is gone
            for connection in self.connections:
                with contextlib.suppress(OSError):  # already gone
                    connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=10)

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    def chats(self) -> list[Received]:
        """The chat requests so far (not the model listings)."""
        return [r for r in self.received if r.path.endswith("/chat/completions")]

    def _record(self, received: Received) -> Reply | None:
        with self._lock:
            self.received.append(received)
            if not received.path.endswith("/chat/completions"):
                return None
            index = len(self.chats()) - 1
            self.chat_arrived.set()
            return self.replies[min(index, len(self.replies) - 1)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked SSE like uvicorn, keep-alive between requests

    def setup(self) -> None:
        super().setup()
        with self._scripted._lock:
            self._scripted.connections.add(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        pass  # quiet: pytest shows failures, not every request

    @property
    def _scripted(self) -> ScriptedServer:
        return self.server.scripted  # type: ignore[attr-defined, no-any-return]

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        received = Received("GET", self.path, {}, dict(self.headers))
        self._scripted._record(received)
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": self._scripted.models})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"unparsed": raw.decode(errors="replace")}
        received = Received("POST", self.path, body, dict(self.headers))
        reply = self._scripted._record(received)
        if reply is None:
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        if reply.status != 200:
            self._json(reply.status, {"error": {"message": reply.error, "type": "scripted"}})
            return
        try:
            self._stream(reply, received)
        except (BrokenPipeError, ConnectionResetError):
            received.client_closed.set()
        self.close_connection = True

    def _stream(self, reply: Reply, received: Received) -> None:
        if reply.headers_late and not self._quiet(reply.silence_s, received):
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        if not reply.headers_late and not self._quiet(reply.silence_s, received):
            return
        for number, event in enumerate(reply.events):
            if number and not self._quiet(reply.pace_s, received):
                return
            self._chunk(sse(event))
        if reply.abort:
            self.wfile.flush()
            return  # no terminating chunk: the client sees the body break off
        if reply.done:
            self._chunk("data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _chunk(self, text: str) -> None:
        data = text.encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()  # one event per write: the client must see each as it comes

    def _quiet(self, seconds: float, received: Received) -> bool:
        """Says nothing for `seconds`, watching the socket: False (and recorded) as soon as the
        client hangs up, or when the server is shutting down."""
        deadline = time.monotonic() + seconds
        connection = self.connection
        while (left := deadline - time.monotonic()) > 0:
            if self._scripted.finished.is_set():
                return False
            ready = select_readable(connection, min(left, 0.02))
            if ready and peek_closed(connection):
                received.client_closed.set()
                return False
        return True

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def select_readable(connection: socket.socket, timeout: float) -> bool:
    import select

    readable, _, _ = select.select([connection], [], [], timeout)
    return bool(readable)


def peek_closed(connection: socket.socket) -> bool:
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except (ConnectionResetError, OSError):
        return True


def sse(event: Event) -> str:
    """One SSE event: a dict as `data: <json>`, a string as it is (one blank line ends it)."""
    if isinstance(event, str):
        return event if event.endswith("\n\n") else event.rstrip("\n") + "\n\n"
    return f"data: {json.dumps(event)}\n\n"


# Chunk shapes ---------------------------------------------------------------------------------


def chunk(
    delta: dict[str, Any] | None = None,
    finish: str | None = None,
    usage: dict[str, int] | None = None,
    model: str = SCRIPTED_MODEL,
) -> dict[str, Any]:
    """A `chat.completion.chunk` with one choice (none when `delta` is None and no finish)."""
    choices = []
    if delta is not None or finish is not None:
        choices = [{"index": 0, "delta": delta or {}, "finish_reason": finish, "logprobs": None}]
    event: dict[str, Any] = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": choices,
    }
    if usage is not None:
        event["usage"] = usage
    return event


def role_chunk() -> dict[str, Any]:
    return chunk({"role": "assistant", "content": ""})


def content_chunk(text: str) -> dict[str, Any]:
    return chunk({"content": text})


def vllm_reasoning_chunk(text: str) -> dict[str, Any]:
    """vLLM (0.10+) and Ollama's OpenAI API: `delta.reasoning`."""
    return chunk({"reasoning": text})


def sglang_reasoning_chunk(text: str) -> dict[str, Any]:
    """SGLang, DeepSeek's API, llama-server with --reasoning-format: `delta.reasoning_content`."""
    return chunk({"reasoning_content": text, "content": None})


def thinking_chunk(text: str) -> dict[str, Any]:
    """Ollama's native field name, which some proxies pass on: `delta.thinking`."""
    return chunk({"thinking": text})


def finish_chunk(reason: str = "stop") -> dict[str, Any]:
    return chunk({}, finish=reason)


def usage_chunk(prompt: int, completion: int) -> dict[str, Any]:
    """The usage-only chunk `stream_options.include_usage` asks for: no choices."""
    total = prompt + completion
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}
    return chunk(None, usage=usage)


def error_event(message: str) -> dict[str, Any]:
    """An error in the middle of a stream, as vLLM and llama-server send it."""
    return {"error": {"message": message, "type": "server_error", "code": 500}}


def answer(*pieces: str, finish: str = "stop") -> Reply:
    """A plain streamed answer, one content delta per piece."""
    return Reply([role_chunk(), *(content_chunk(p) for p in pieces), finish_chunk(finish)])


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


# ---------------------------------------------------------------------------------------------
# Real servers
# ---------------------------------------------------------------------------------------------


def _served(started: Started, base_url: str, name: str) -> ServedModel:
    ids = wait_for_models(base_url, started.process, started.log)
    if not ids:
        pytest.fail(f"{name} lists no model:\n{tail(started.log)}")
    return ServedModel(base_url, ids[0], name)


@pytest.fixture(scope="module")
def llama_cpp_server(
    starter_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedModel]:
    """`python -m llama_cpp.server` on the starter model (n_ctx 2048)."""
    yield from run_llama_cpp_server(starter_model, tmp_path_factory)


def run_llama_cpp_server(
    starter_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedModel]:
    """`llama_cpp_server`'s body; the GUI's tests use it too (tests/app/remote_server.py)."""
    missing = [m for m in ("uvicorn", "fastapi", "sse_starlette", "starlette_context",
                           "pydantic_settings") if not _importable(m)]  # fmt: skip
    if missing:
        pytest.skip(f"llama_cpp.server's extras are missing: {', '.join(missing)}")
    port = free_port()
    log = tmp_path_factory.mktemp("llama-cpp-server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(starter_model),
        "--model_alias", STARTER_ID, "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "2048",
    ]  # fmt: skip
    started = start(command, log)
    try:
        yield _served(started, f"http://127.0.0.1:{port}/v1", "llama_cpp.server")
    finally:
        stop_process(started.process)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@pytest.fixture(scope="session")
def llama_server_binary() -> Path:
    """llama.cpp's llama-server, built once (minutes) from the llama-cpp-python sdist."""
    try:
        return build_llama_server()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"could not build llama-server: {exc}")


@pytest.fixture(scope="module")
def llama_server(
    llama_server_binary: Path, starter_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedModel]:
    """llama-server on the starter model: two parallel slots, Jinja templates, 4096 context."""
    yield from run_llama_server(llama_server_binary, starter_model, tmp_path_factory)


# A ChatML template that reads `enable_thinking` the way Qwen3's and MiniCPM4.1's do: off
# pre-fills an empty think block (which the prompt's token count shows).
THINKING_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n"
    "{% if enable_thinking is defined and not enable_thinking %}<think>\n\n</think>\n\n"
    "{% endif %}{% endif %}"
)


@pytest.fixture(scope="module")
def llama_server_thinking_template(
    llama_server_binary: Path, starter_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedModel]:
    """llama-server as `llama_server`, with THINKING_TEMPLATE in place of the starter's."""
    folder = tmp_path_factory.mktemp("template")
    (folder / "thinking.jinja").write_text(THINKING_TEMPLATE, encoding="utf-8")
    extra = ["--chat-template-file", str(folder / "thinking.jinja")]
    yield from run_llama_server(llama_server_binary, starter_model, tmp_path_factory, extra)


def run_llama_server(
    binary: Path,
    model: Path,
    tmp_path_factory: pytest.TempPathFactory,
    extra: tuple[str, ...] | list[str] = (),
) -> Iterator[ServedModel]:
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        str(binary), "-m", str(model), "--alias", STARTER_ID, "--host", "127.0.0.1",
        "--port", str(port), "-np", "2", "--jinja", "-c", "4096", *extra,
    ]  # fmt: skip
    started = start(command, log)
    try:
        yield _served(started, f"http://127.0.0.1:{port}/v1", "llama-server")
    finally:
        stop_process(started.process)


def app_serve_exists() -> bool:
    return (REPO / "app/cli/serve.py").is_file()


@pytest.fixture(scope="module")
def app_api_server(
    starter_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedModel]:
    """The app's own API: `python main.py serve -m <starter> --port <free>` in a fresh home."""
    if not app_serve_exists():
        pytest.skip("app/cli/serve.py does not exist yet (the app's API is being written)")
    port = free_port()
    home = tmp_path_factory.mktemp("app-home")
    log = home / "serve.log"
    env = {**os.environ, "MINICPM_CHAT_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    command = [
        sys.executable, "main.py", "serve", "-m", str(starter_model), "--port", str(port),
    ]  # fmt: skip
    started = start(command, log, env)
    try:
        listening = wait_for_line(started, "Listening on http://")
        base = listening.split("Listening on ", 1)[1].split()[0].rstrip("/")
        base_url = base if base.endswith("/v1") else f"{base}/v1"
        yield _served(started, base_url, "minicpm-chat serve")
    finally:
        stop_process(started.process)


def wait_for_line(started: Started, prefix: str) -> str:
    """The first log line starting with `prefix`, polled as the process writes it."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in started.log.read_text(errors="replace").splitlines():
            if line.startswith(prefix):
                return line
        if started.process.poll() is not None:
            pytest.fail(f"serve exited with {started.process.returncode}:\n{tail(started.log)}")
        time.sleep(0.1)  # polling interval
    pytest.fail(f"serve printed no '{prefix}' line:\n{tail(started.log)}")


if (
    __name__ == "__main__"
):  # build ahead of the tests: python tests/engine/backends/remote_servers.py
    began = time.monotonic()
    print(build_llama_server(), f"{time.monotonic() - began:.0f} s")
