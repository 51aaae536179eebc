"""Fuzz the file lists the Hugging Face Hub and ModelScope send (issue 15): whatever they
hold, the result is files that are safe to write or a clean `DownloadError`, never another
exception.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from app.core.models.errors import DownloadError
from app.core.models.layout import check_relative
from app.core.models.sources import HuggingFaceSource, ModelScopeSource, RemoteFile
from tests.fakehub import git_blob_sha1
from tests.json_strategies import (
    HEX40,
    HEX64,
    NASTY_NAME,
    SAFE_NAME,
    field,
    maybe,
    rarely,
)

REPO = "test-org/Tiny-GGUF"
NAME = "tiny.gguf"
DATA = random.Random(5).randbytes(100_000)
SHA256 = hashlib.sha256(DATA).hexdigest()

# -- ModelScope file lists ----------------------------------------------------------------

MS_FILE = st.fixed_dictionaries(
    {},
    optional={
        "Path": field(rarely(SAFE_NAME, NASTY_NAME)),
        "Name": field(SAFE_NAME),
        "Size": field(rarely(st.integers(0, 10**12), st.integers(-5, -1) | st.floats(0, 1e12))),
        "Sha256": field(rarely(HEX64 | st.none(), st.sampled_from(["", "not-a-hash"]))),
        "Type": field(st.sampled_from(["blob", "blob", "tree", "commit"])),
    },
)
MS_BODY = st.fixed_dictionaries(
    {
        "Code": field(rarely(st.just(200), st.integers(0, 600) | st.just(200.0))),
        "Data": field(st.fixed_dictionaries({"Files": maybe(st.lists(MS_FILE, max_size=4))})),
    }
)


def check_listing(files: list[RemoteFile]) -> None:
    for remote in files:
        check_relative(remote.path)
        assert isinstance(remote.size, int) and remote.size >= 0
        assert remote.sha256 is None or re.fullmatch("[0-9a-f]{64}", remote.sha256)
        assert remote.git_sha1 is None or re.fullmatch("[0-9a-fA-F]{40}", remote.git_sha1)


@given(body=maybe(MS_BODY))
def test_modelscope_listing_of_any_json_is_files_or_a_download_error(body: object) -> None:
    source = ModelScopeSource("http://127.0.0.1:9")
    try:
        files = source.parse_listing("OpenBMB/x", body)
    except DownloadError as exc:
        assert str(exc)
        event("refused")
        return
    check_listing(files)
    event("listed")


# -- any bytes from the server, through the real clients ---------------------------------------


class _Canned:
    """A local server that answers every GET with the same 200 body (set per example)."""

    def __init__(self) -> None:
        self.body = b""
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def canned() -> Iterator[_Canned]:
    server = _Canned()
    yield server
    server.stop()


HF_SIBLING = st.fixed_dictionaries(
    {"rfilename": field(rarely(SAFE_NAME, NASTY_NAME))},
    optional={
        "size": field(rarely(st.integers(0, 10**12), st.integers(-5, -1))),
        "blobId": field(rarely(HEX40, st.just("zz"))),
        "lfs": field(
            st.fixed_dictionaries(
                {"size": field(st.integers(0, 10**12)), "sha256": field(HEX64)},
                optional={"pointerSize": field(st.integers(0, 200))},
            )
        ),
    },
)
HF_BODY = st.fixed_dictionaries(
    {"id": field(st.just(REPO)), "siblings": field(st.lists(HF_SIBLING, max_size=4))},
    optional={"sha": field(HEX40), "private": field(st.booleans())},
)


def as_bytes(draw: st.DrawFn, value: object) -> bytes:
    data = json.dumps(value).encode()
    if draw(st.integers(0, 3)) == 3:  # cut off, as a dropped connection leaves it
        data = data[: draw(st.integers(0, len(data)))]
    return data


@st.composite
def hf_bytes(draw: st.DrawFn) -> bytes:
    return as_bytes(draw, draw(maybe(HF_BODY)))


@st.composite
def ms_bytes(draw: st.DrawFn) -> bytes:
    return as_bytes(draw, draw(maybe(MS_BODY)))


BYTES = st.binary(max_size=64) | st.just(b"[" * 100_000)


@settings(max_examples=60)
@given(body=st.one_of(hf_bytes(), hf_bytes(), BYTES))
def test_hub_answer_of_any_bytes_is_files_or_a_download_error(canned: _Canned, body: bytes) -> None:
    """Through huggingface_hub itself: it builds its ModelInfo from whatever came back."""
    canned.body = body
    try:
        files = HuggingFaceSource(canned.url).list_files(REPO)
    except DownloadError as exc:
        assert str(exc)
        event("refused")
        return
    check_listing(files)
    event("listed")


@settings(max_examples=60)
@given(body=st.one_of(ms_bytes(), ms_bytes(), BYTES))
def test_modelscope_answer_of_any_bytes_is_files_or_a_download_error(
    canned: _Canned, body: bytes
) -> None:
    canned.body = body
    try:
        files = ModelScopeSource(canned.url).list_files("OpenBMB/x")
    except DownloadError as exc:
        assert str(exc)
        event("refused")
        return
    check_listing(files)
    event("listed")


def test_hub_sizes_and_checksums_are_taken_as_listed(canned: _Canned) -> None:
    """The validation keeps a well-formed listing exactly as it was."""
    small = b"{}"
    canned.body = json.dumps(
        {
            "id": REPO,
            "siblings": [
                {"rfilename": "config.json", "size": 2, "blobId": git_blob_sha1(small)},
                {
                    "rfilename": NAME,
                    "size": 9,  # the pointer's size; the file's own is in lfs
                    "lfs": {"size": len(DATA), "sha256": SHA256, "pointerSize": 134},
                },
            ],
        }
    ).encode()
    small_file, model = HuggingFaceSource(canned.url).list_files(REPO)
    assert (small_file.path, small_file.size, small_file.git_sha1) == (
        "config.json", 2, git_blob_sha1(small)
    )  # fmt: skip
    assert (model.path, model.size, model.sha256, model.git_sha1) == (
        NAME, len(DATA), SHA256, None
    )  # fmt: skip
