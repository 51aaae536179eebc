"""Fuzz the `.part.meta` resume record (issue 15): whatever it holds, it is read as a record
`_write_meta` could have written or ignored, and a resume still ends with the right file.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from app.core.models import part_record
from app.core.models.downloads import Downloader
from app.core.models.errors import DownloadError
from app.core.models.layout import meta_path
from app.core.models.store import part_path
from tests.fakehub import FakeHub
from tests.json_strategies import (
    HEX40,
    HEX64,
    TEXT,
    field,
    maybe,
)

REPO = "test-org/Tiny-GGUF"
NAME = "tiny.gguf"
DATA = random.Random(5).randbytes(100_000)
SHA256 = hashlib.sha256(DATA).hexdigest()

# -- .part.meta -----------------------------------------------------------------------------

META = st.fixed_dictionaries(
    {},
    optional={
        "size": field(st.integers(0, 200_000) | st.just(len(DATA))),
        "sha256": field(st.none() | HEX64 | st.just(SHA256)),
        "git_sha1": field(st.none() | HEX40),
        "source": field(TEXT | st.just("hf")),
    },
)
META_BYTES = st.one_of(
    maybe(META).map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
    st.binary(max_size=64),
    st.just(b"[" * 100_000),
)


@given(raw=META_BYTES)
def test_any_meta_file_is_read_or_ignored(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        part = Path(folder) / ".tiny.gguf.part"
        meta_path(part).write_bytes(raw)
        held = part_record.read_meta(part)
    event("ignored" if held is None else "read")
    if held is not None:  # only a record of the shape _write_meta writes
        assert isinstance(held.size, int) and held.size >= 0
        for digest in (held.sha256, held.git_sha1):
            assert digest is None or re.fullmatch("[0-9a-fA-F]+", digest)
        assert isinstance(held.source, str)


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    """One fake Hub for all examples (Hypothesis reruns a test, not its function fixtures)."""
    server = FakeHub()
    server.add_repo(REPO, {NAME: DATA})
    server.start()
    yield server
    server.stop()


@settings(max_examples=40)  # each example is a real (local) download
@given(raw=META_BYTES, kept=st.integers(0, len(DATA)), junk=st.booleans())
def test_a_resume_with_any_meta_ends_with_the_right_file(
    hub: FakeHub, raw: bytes, kept: int, junk: bool
) -> None:
    """Whatever the record says, the download resumes or starts over and the result is the
    file itself: the record can cost bytes, never correctness."""
    with tempfile.TemporaryDirectory() as folder:
        models = Path(folder)
        part = part_path(models / "test-org" / "Tiny-GGUF" / NAME)
        part.parent.mkdir(parents=True)
        part.write_bytes(bytes(kept) if junk else DATA[:kept])
        meta_path(part).write_bytes(raw)
        loader = Downloader(models, endpoint=hub.url, backoff_s=0.0, max_retries=0)
        try:
            path = loader.download_file(REPO, NAME)
        except DownloadError as exc:  # wrong bytes kept: the hash check catches them
            assert junk and kept and "checksum" in str(exc)
            assert not part.exists() and not meta_path(part).exists()
            event("refused")
            return
        assert path.read_bytes() == DATA
        assert not part.exists() and not meta_path(part).exists()
        event("installed")
