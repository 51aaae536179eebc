"""A local stand-in for the Hugging Face Hub's file protocol, on 127.0.0.1 only.

It speaks enough of the protocol for the real `huggingface_hub` client and for our downloader:
`/api/models/{repo}[/revision/{rev}]` (with `siblings`, sizes and LFS sha256 when `blobs=true`),
HEAD/GET `/{repo}/resolve/{rev}/{path}` with the Hub's headers (`X-Repo-Commit`, `ETag`,
`X-Linked-Size`, `X-Linked-Etag`), `Range: bytes=N-` answered with 206, 401 for a private repo
without the right bearer token and 404 with the Hub's `X-Error-Code`. Switches simulate a slow
line (`throttle_bps`), a killed connection (`die_after`) and a stalled one (`stall_after`).
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


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, HubRepo] = {}
        self.log: list[Logged] = []
        self.throttle_bps: int | None = None
        self.die_after: int | None = None  # drop the connection after this many body bytes
        self.die_times = 0  # ... for this many GETs
        self.stall_after: int | None = None  # stop sending (keep the socket) after N bytes
        self.stall_times = 0
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
        return [e for e in self.log if e.method == "GET" and e.path.endswith("/" + name)]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._release.set()  # wake stalled responses so their threads end
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up mid-body (pause, cancel, kill) is what the tests do


def _make_handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep pytest output clean

        def do_HEAD(self) -> None:  # noqa: N802
            self._route(head=True)

        def do_GET(self) -> None:  # noqa: N802
            self._route(head=False)

        def _route(self, head: bool) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            hub.log.append(
                Logged(
                    self.command,
                    path,
                    self.headers.get("Range"),
                    self.headers.get("Authorization"),
                )
            )
            if path.startswith("/api/models/"):
                self._api(path.removeprefix("/api/models/"), parse_qs(parts.query), head)
            elif "/resolve/" in path:
                repo_id, _, rest = path.lstrip("/").partition("/resolve/")
                _revision, _, name = rest.partition("/")
                self._file(repo_id, name, head)
            else:
                self._error(404, "RepoNotFound", "Not found")

        def _repo(self, repo_id: str) -> HubRepo | None:
            repo = hub.repos.get(repo_id)
            if repo is None:
                self._error(404, "RepoNotFound", "Repository not found")
                return None
            if repo.private and self.headers.get("Authorization") != f"Bearer {TOKEN}":
                # What the Hub answers for a private repo without a valid token.
                self._error(401, "RepoNotFound", "Invalid username or password.")
                return None
            return repo

        def _api(self, rest: str, query: dict[str, list[str]], head: bool) -> None:
            repo_id, _, _revision = rest.partition("/revision/")
            repo = self._repo(repo_id)
            if repo is None:
                return
            blobs = query.get("blobs", ["false"])[0].lower() == "true"
            body = json.dumps(
                {
                    "_id": "0" * 24,
                    "id": repo_id,
                    "modelId": repo_id,
                    "sha": COMMIT,
                    "private": repo.private,
                    "tags": [],
                    "siblings": [repo.sibling(n, blobs) for n in repo.files],
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _file(self, repo_id: str, name: str, head: bool) -> None:
            repo = self._repo(repo_id)
            if repo is None:
                return
            if name not in repo.files:
                self._error(404, "EntryNotFound", f"{name} does not exist")
                return
            data = repo.files[name]
            start = _range_start(self.headers.get("Range"))
            if start is not None and start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206 if start else 200)
            self._file_headers(repo, name, data)
            begin = start or 0
            if start:
                self.send_header("Content-Range", f"bytes {begin}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(data) - begin))
            self.end_headers()
            if not head:
                self._send_body(data[begin:])

        def _file_headers(self, repo: HubRepo, name: str, data: bytes) -> None:
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Type", "application/octet-stream")
            if repo.is_lfs(name):
                sha = repo.sha256(name)
                self.send_header("ETag", f'"{sha}"')
                self.send_header("X-Linked-Etag", f'"{sha}"')
                self.send_header("X-Linked-Size", str(len(data)))
            else:
                self.send_header("ETag", f'"{git_blob_sha1(data)}"')

        def _send_body(self, body: bytes) -> None:
            die_at = _take(hub, "die")
            stall_at = _take(hub, "stall")
            sent = 0
            started = time.monotonic()
            for piece in _slices(body):
                if die_at is not None and sent + len(piece) > die_at:
                    self.wfile.write(piece[: max(die_at - sent, 0)])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.close()  # a killed transfer: fewer bytes than promised
                    return
                if stall_at is not None and sent + len(piece) > stall_at:
                    hub._release.wait(30)
                    self.close_connection = True
                    return
                self.wfile.write(piece)
                sent += len(piece)
                if hub.throttle_bps:
                    ahead = sent / hub.throttle_bps - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)

        def _error(self, status: int, code: str, message: str) -> None:
            body = json.dumps({"error": message}).encode()
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("X-Error-Message", message)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return Handler


def _range_start(header: str | None) -> int | None:
    if not header or not header.startswith("bytes="):
        return None
    first = header.removeprefix("bytes=").split("-", 1)[0]
    return int(first) if first.isdigit() else None


def _take(hub: FakeHub, kind: str) -> int | None:
    """Arms a one-shot fault for this response if any are left."""
    limit = getattr(hub, f"{kind}_after")
    times = getattr(hub, f"{kind}_times")
    if limit is None or times <= 0:
        return None
    setattr(hub, f"{kind}_times", times - 1)
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
