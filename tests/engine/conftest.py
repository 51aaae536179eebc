"""Model files for engine tests: tiny random-weight GGUFs that llama.cpp runs, broken copies."""

from __future__ import annotations

from pathlib import Path

import pytest
from gguf_factory import write_broken_variants, write_llama_gguf, write_minicpm_gguf

STARTER_MODEL = (
    Path(__file__).resolve().parents[2] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
)


@pytest.fixture(scope="session")
def tiny_llama_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Architecture llama, F16 matrices, byte-level BPE vocabulary with ChatML (~260 KB)."""
    return write_llama_gguf(tmp_path_factory.mktemp("gguf") / "tiny-llama-F16.gguf")


@pytest.fixture(scope="session")
def minicpm_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Architecture minicpm (muP scales, LongRoPE, SentencePiece, thinking template)."""
    return write_minicpm_gguf(tmp_path_factory.mktemp("gguf") / "MiniCPM4.1-tiny-F16.gguf")


@pytest.fixture(scope="session")
def broken_ggufs(
    tmp_path_factory: pytest.TempPathFactory, tiny_llama_gguf: Path
) -> dict[str, Path]:
    """Every gguf_factory.BROKEN_VARIANTS file, made from tiny_llama_gguf; name -> path."""
    return write_broken_variants(tiny_llama_gguf, tmp_path_factory.mktemp("broken"))


@pytest.fixture(scope="session")
def starter_model() -> Path:
    """The real starter model; tests using it skip when it has not been downloaded."""
    if not STARTER_MODEL.is_file():
        pytest.skip(f"starter model not downloaded ({STARTER_MODEL})")
    return STARTER_MODEL
