"""Shared fixtures: every test runs with its own data dir, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
STARTER = REPO / "resources" / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
FRANCE = "What is the capital of France?"

# Fuzzing (Hypothesis) is deterministic here: the same examples on every run and machine, no
# example database written into the checkout, no per-example deadline on a busy 2-core CI.
settings.register_profile("minicpm", derandomize=True, database=None, deadline=None)
settings.load_profile("minicpm")


@pytest.fixture(autouse=True)
def _private_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def starter_path() -> Path:
    if not STARTER.is_file():
        pytest.fail("The starter model is missing: run 'make setup' first.")
    return STARTER


@pytest.fixture(scope="session")
def openvino_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("openvino-cache")


@pytest.fixture(scope="session")
def llama_engine(starter_path: Path):  # type: ignore[no-untyped-def]
    from engine.session import Engine
    from engine.types import LoadOptions

    engine = Engine()
    engine.load(starter_path, "llama", LoadOptions(n_ctx=4096))
    yield engine
    engine.unload()


@pytest.fixture(scope="session")
def openvino_engine(starter_path: Path, openvino_cache: Path):  # type: ignore[no-untyped-def]
    from engine.session import Engine
    from engine.types import LoadOptions

    engine = Engine()
    engine.load(starter_path, "openvino", LoadOptions(n_ctx=4096, cache_dir=str(openvino_cache)))
    yield engine
    engine.unload()
