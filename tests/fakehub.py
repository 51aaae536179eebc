"""Local stand-ins for the Hugging Face Hub and ModelScope file protocols, on 127.0.0.1 only.

`FakeHub` speaks enough of the Hub's protocol for the real `huggingface_hub` client and for our
downloader: `/api/models/{repo}[/revision/{rev}]` (with `siblings`, sizes and LFS sha256 when
`blobs=true`), HEAD/GET `/{repo}/resolve/{rev}/{path}` with the Hub's headers (`X-Repo-Commit`,
`ETag`, `X-Linked-Size`, `X-Linked-Etag`), `Range: bytes=N-` answered with 206, 401 for a private
repo without the right bearer token and 404 with the Hub's `X-Error-Code`.

`FakeModelScope` speaks the ModelScope API its SDK uses (`modelscope/hub/api.py`):
`GET /api/v1/models/{repo}/repo/files?Revision=master&Recursive=true` answering
`{"Code": 200, "Data": {"Files": [{"Name", "Path", "Size", "Sha256", "Type", ...}]}}`, and
HEAD/GET `/api/v1/models/{repo}/repo?Revision=master&FilePath={path}` for one file, with Range.

Both share the switches that simulate trouble: a slow line (`throttle_bps`), a dropped connection
(`die_after`), a stalled one (`stall_after`), a server that dies mid-body and then refuses every
connection (`kill_after`), and a server that answers every request with an error (`error_status`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

COMMIT = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "hf_fake_test_token"
LFS_SUFFIXES = (".gguf", ".bin", ".safetensors")
_SLICE = 16 * 1024


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class HubRepo:
    files: dict[str, bytes]
    private: bool = False
    # Advertise this sha256 instead of the real one (to test that a mismatch is caught).
    fake_sha256: dict[str, str] = field(default_factory=dict)

    def is_lfs(self, name: str) -> bool:
        return name.endswith(LFS_SUFFIXES)

    def sha256(self, name: str) -> str:
        return self.fake_sha256.get(name) or hashlib.sha256(self.files[name]).hexdigest()

    def sibling(self, name: str, blobs: bool) -> dict[str, object]:
        if not blobs:
            return {"rfilename": name}
        data = self.files[name]
        entry: dict[str, object] = {
            "rfilename": name,
            "size": len(data),
            "blobId": git_blob_sha1(data),
        }
        if self.is_lfs(name):
            entry["lfs"] = {"size": len(data), "sha256": self.sha256(name), "pointerSize": 134}
        return entry


@dataclass
class Logged:
    method: str
    path: str
    range: str | None
    authorization: str | None
    file: str | None = None  # the repo file this request asked for, if any


class _FakeServer:
    """A threaded HTTP server on 127.0.0.1 with a request log and fault switches."""

    def __init__(self) -> None:
        self.repos: dict[str, HubRepo] = {}
        self.log: list[Logged] = []
        self.throttle_bps: int | None = None
        self.die_after: int | None = None  # drop the connection after this many body bytes
        self.die_times = 0  # ... for this many GETs
        self.stall_after: int | None = None  # stop sending (keep the socket) after N bytes
        self.stall_times = 0
        self.kill_after: int | None = None  # die after N body bytes, then refuse connections
        self.kill_times = 0
        self.error_status: int | None = None  # answer every request with this status
        self._release = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add_repo(self, repo_id: str, files: dict[str, bytes], **options: object) -> HubRepo:
        repo = HubRepo(dict(files), **options)  # type: ignore[arg-type]
        self.repos[repo_id] = repo
        return repo

    def file_gets(self, name: str) -> list[Logged]:
        return [e for e in self.log if e.method == "GET" and e.file == name]

    def start(self) -> None:
        self._thread.start()

    def kill(self) -> None:
        """The server goes away: from now on connections are refused."""
        self._server.shutdown()
        self._server.server_close()

    def stop(self) -> None:
        self._release.set()  # wake stalled responses so their threads end
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def route(self, handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
        raise NotImplementedError

    def which_file(self, path: str, query: dict[str, list[str]]) -> str | None:
        raise NotImplementedError


class FakeHub(_FakeServer):
    def which_file(self, path: str, query: dict[str, list[str]]) -> str | None:
        if "/resolve/" not in path:
            return None
        return path.partition("/resolve/")[2].partition("/")[2]

    def route(self, handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
        if path.startswith("/api/models/"):
            self._api(handler, path.removeprefix("/api/models/"), query)
        elif "/resolve/" in path:
            repo_id = path.lstrip("/").partition("/resolve/")[0]
            repo = self._repo(handler, repo_id)
            if repo is not None:
                self._file(handler, repo, self.which_file(path, query) or "")
        else:
            handler.send_error_json(404, {"error": "Not found"}, _hub_error("RepoNotFound"))

    def _repo(self, handler: _Handler, repo_id: str) -> HubRepo | None:
        repo = self.repos.get(repo_id)
        if repo is None:
            message = "Repository not found"
            handler.send_error_json(404, {"error": message}, _hub_error("RepoNotFound", message))
            return None
        if repo.private and handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            # What the Hub answers for a private repo without a valid token.
            message = "Invalid username or password."
            handler.send_error_json(401, {"error": message}, _hub_error("RepoNotFound", message))
            return None
        return repo

    def _api(self, handler: _Handler, rest: str, query: dict[str, list[str]]) -> None:
        repo_id, _, _revision = rest.partition("/revision/")
        repo = self._repo(handler, repo_id)
        if repo is None:
            return
        blobs = query.get("blobs", ["false"])[0].lower() == "true"
        handler.send_json(
            {
                "_id": "0" * 24,
                "id": repo_id,
                "modelId": repo_id,
                "sha": COMMIT,
                "private": repo.private,
                "tags": [],
                "siblings": [repo.sibling(n, blobs) for n in repo.files],
            }
        )

    def _file(self, handler: _Handler, repo: HubRepo, name: str) -> None:
        if name not in repo.files:
            message = f"{name} does not exist"
            handler.send_error_json(404, {"error": message}, _hub_error("EntryNotFound", message))
            return
        data = repo.files[name]
        headers = {"X-Repo-Commit": COMMIT}
        if repo.is_lfs(name):
            sha = repo.sha256(name)
            headers |= {"ETag": f'"{sha}"', "X-Linked-Etag": f'"{sha}"'}
            headers["X-Linked-Size"] = str(len(data))
        else:
            headers["ETag"] = f'"{git_blob_sha1(data)}"'
        handler.send_file(data, headers)


class FakeModelScope(_FakeServer):
    PREFIX = "/api/v1/models/"

    def which_file(self, path: str, query: dict[str, list[str]]) -> str | None:
        if path.startswith(self.PREFIX) and path.endswith("/repo"):
            return query.get("FilePath", [None])[0]
        return None

    def route(self, handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
        if not path.startswith(self.PREFIX):
            self._not_found(handler, "no such API")
            return
        rest = path.removeprefix(self.PREFIX)
        if rest.endswith("/repo/files"):
            repo = self._repo(handler, rest.removesuffix("/repo/files"))
            if repo is not None:
                self._files(handler, repo, query.get("Revision", ["master"])[0])
        elif rest.endswith("/repo"):
            repo = self._repo(handler, rest.removesuffix("/repo"))
            name = self.which_file(path, query)
            if repo is None:
                return
            if name not in repo.files:
                self._not_found(handler, f"file {name} not found")
                return
            handler.send_file(repo.files[name], {})
        else:
            self._not_found(handler, "no such API")

    def _repo(self, handler: _Handler, repo_id: str) -> HubRepo | None:
        repo = self.repos.get(repo_id)
        if repo is None:
            self._not_found(handler, f"model {repo_id} not found")
            return None
        if repo.private and handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            handler.send_error_json(401, _ms_body(401, "not authorised"), {})
            return None
        return repo

    def _files(self, handler: _Handler, repo: HubRepo, revision: str) -> None:
        entries: list[dict[str, object]] = []
        folders = sorted({n.rsplit("/", 1)[0] for n in repo.files if "/" in n})
        for folder in folders:  # a recursive listing names folders too, as "tree"
            entries.append({"Name": folder.rsplit("/", 1)[-1], "Path": folder, "Type": "tree"})
        for name, data in repo.files.items():
            entries.append(
                {
                    "Id": git_blob_sha1(data),
                    "Name": name.rsplit("/", 1)[-1],
                    "Path": name,
                    "Size": len(data),
                    "Sha256": repo.sha256(name),
                    "Type": "blob",
                    "IsLFS": repo.is_lfs(name),
                    "Revision": revision,
                }
            )
        handler.send_json({**_ms_body(200, "success"), "Data": {"Files": entries}})

    def _not_found(self, handler: _Handler, message: str) -> None:
        handler.send_error_json(404, _ms_body(10010205001, message), {})


def _hub_error(code: str, message: str = "Not found") -> dict[str, str]:
    return {"X-Error-Code": code, "X-Error-Message": message}


def _ms_body(code: int, message: str) -> dict[str, object]:
    return {"Code": code, "Message": message, "RequestId": "fake", "Success": code == 200}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up mid-body (pause, cancel, kill) is what the tests do


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: _FakeServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep pytest output clean

    def do_HEAD(self) -> None:  # noqa: N802
        self._route()

    def do_GET(self) -> None:  # noqa: N802
        self._route()

    def _route(self) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query)
        self.fake.log.append(
            Logged(
                self.command,
                path,
                self.headers.get("Range"),
                self.headers.get("Authorization"),
                self.fake.which_file(path, query),
            )
        )
        if self.fake.error_status is not None:
            status = self.fake.error_status
            self.send_error_json(status, {"error": "simulated failure"}, {})
            return
        self.fake.route(self, path, query)

    def send_json(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_error_json(self, status: int, body: object, headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_file(self, data: bytes, headers: dict[str, str]) -> None:
        start = _range_start(self.headers.get("Range"))
        if start is not None and start >= len(data):
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(206 if start else 200)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        begin = start or 0
        if start:
            self.send_header("Content-Range", f"bytes {begin}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(data) - begin))
        self.end_headers()
        if self.command != "HEAD":
            self._send_body(data[begin:])

    def _send_body(self, body: bytes) -> None:
        fake = self.fake
        die_at = _take(fake, "die")
        stall_at = _take(fake, "stall")
        kill_at = _take(fake, "kill")
        sent = 0
        started = time.monotonic()
        for piece in _slices(body):
            if kill_at is not None and sent + len(piece) > kill_at:
                self.wfile.write(piece[: max(kill_at - sent, 0)])
                self.wfile.flush()
                fake.kill()  # before the client sees the drop: its retry is refused
                self._hang_up()
                return
            if die_at is not None and sent + len(piece) > die_at:
                self.wfile.write(piece[: max(die_at - sent, 0)])
                self.wfile.flush()
                self._hang_up()  # a killed transfer: fewer bytes than promised
                return
            if stall_at is not None and sent + len(piece) > stall_at:
                fake._release.wait(30)
                self.close_connection = True
                return
            self.wfile.write(piece)
            sent += len(piece)
            if fake.throttle_bps:
                ahead = sent / fake.throttle_bps - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)

    def _hang_up(self) -> None:
        self.close_connection = True
        self.connection.close()


def _make_handler(fake: _FakeServer) -> type[_Handler]:
    return type("Handler", (_Handler,), {"fake": fake})


def _range_start(header: str | None) -> int | None:
    if not header or not header.startswith("bytes="):
        return None
    first = header.removeprefix("bytes=").split("-", 1)[0]
    return int(first) if first.isdigit() else None


def _take(fake: _FakeServer, kind: str) -> int | None:
    """Arms a one-shot fault for this response if any are left."""
    limit = getattr(fake, f"{kind}_after")
    times = getattr(fake, f"{kind}_times")
    if limit is None or times <= 0:
        return None
    setattr(fake, f"{kind}_times", times - 1)
    return int(limit)


def _slices(body: bytes) -> Iterator[bytes]:
    for offset in range(0, len(body), _SLICE):
        yield body[offset : offset + _SLICE]


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    hub = FakeHub()
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture
def mirror_hub() -> Iterator[FakeHub]:
    """A second, independent server: stands in for a Hub mirror endpoint."""
    hub = FakeHub()
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture
def fake_modelscope() -> Iterator[FakeModelScope]:
    server = FakeModelScope()
    server.start()
    yield server
    server.stop()
