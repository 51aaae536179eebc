"""Shared fixtures: every test runs with its own data dir, never the user's."""

from __future__ import annotations

import gc
from collections.abc import Iterator
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
def _collect_garbage_on_the_main_thread() -> Iterator[None]:
    """As in the app (app/garbage.py): a worker thread must never run the cyclic collector
    over Qt objects of the GUI thread (a segfault in the engine worker was seen). Automatic
    collection stays off once a window was built; this collects between tests instead."""
    yield
    if gc.isenabled():
        return
    counts, thresholds = gc.get_count(), gc.get_threshold()
    due = [g for g in (2, 1, 0) if counts[g] > thresholds[g]]
    if due:
        gc.collect(due[0])


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
    from engine.types import LoadRequest

    engine = Engine()
    engine.load(LoadRequest(starter_path, "llama", n_ctx=4096))
    yield engine
    engine.unload()


@pytest.fixture(scope="session")
def openvino_engine(starter_path: Path, openvino_cache: Path):  # type: ignore[no-untyped-def]
    from engine.session import Engine
    from engine.types import LoadRequest

    engine = Engine()
    engine.load(LoadRequest(starter_path, "openvino", n_ctx=4096, cache_dir=str(openvino_cache)))
    yield engine
    engine.unload()
