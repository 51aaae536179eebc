"""`python -m llama_cpp.server` on the starter model, for the GUI's remote-server tests: the
engine tests' fixture (tests/engine/backends/remote_servers.py), with the starter found here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.backends.remote_servers import STARTER_ID as MODEL_ID
from tests.engine.backends.remote_servers import ServedModel as LocalServer
from tests.engine.backends.remote_servers import free_port, run_llama_cpp_server

__all__ = ["MODEL_ID", "LocalServer", "free_port", "llama_cpp_server"]

STARTER = Path(__file__).resolve().parents[2] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="module")
def llama_cpp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    if not STARTER.is_file():
        pytest.skip("the starter model is not installed (make run installs it)")
    yield from run_llama_cpp_server(STARTER, tmp_path_factory)
