"""OpenVINO GenAI: IR folders, GGUF through a crash-proof child process, privacy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.backends import openvino_export
from engine.errors import CorruptModelError, UnsupportedModelError
from engine.model_info import inspect_model
from engine.session import Engine
from engine.types import GenerationParams, LoadOptions, Message
from tests.conftest import FRANCE, REPO

GREEDY = GenerationParams(temperature=0.0, max_new_tokens=16)
SYSTEM = Message("system", "You are a helpful AI assistant.")


@pytest.mark.slow
def test_ir_folder_loads_and_answers(
    openvino_engine: Engine, starter_path: Path, openvino_cache: Path
) -> None:
    folder = openvino_export.export_gguf(starter_path, openvino_cache)  # cached by the fixture
    assert openvino_export.is_complete(folder)
    info = inspect_model(folder)
    assert info.format == "openvino"
    engine = Engine()
    loaded = engine.load(folder, "auto", LoadOptions(n_ctx=2048))
    try:
        assert loaded.backend == "openvino"
        result = engine.generate([SYSTEM, Message("user", FRANCE)], GREEDY)
        assert "Paris" in result.text
    finally:
        engine.unload()


def test_crash_while_reading_gguf_is_an_error_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, starter_path: Path, tmp_path: Path
) -> None:
    segfault = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    monkeypatch.setattr(
        openvino_export, "child_command", lambda work: [sys.executable, "-c", segfault]
    )
    with pytest.raises(CorruptModelError, match="crashed"):
        openvino_export.export_gguf(starter_path, tmp_path)
    # Nothing half-written is left to be mistaken for a model.
    assert list(tmp_path.iterdir()) == []


def test_child_failure_gives_its_reason(
    monkeypatch: pytest.MonkeyPatch, starter_path: Path, tmp_path: Path
) -> None:
    failing = "import sys; sys.exit('Unsupported quantization type')"
    monkeypatch.setattr(
        openvino_export, "child_command", lambda work: [sys.executable, "-c", failing]
    )
    with pytest.raises(UnsupportedModelError, match="Unsupported quantization type"):
        openvino_export.export_gguf(starter_path, tmp_path)


def test_minicpm_gguf_is_refused_with_a_reason(minicpm_gguf: Path) -> None:
    with pytest.raises(UnsupportedModelError, match="architecture 'minicpm'"):
        Engine().load(minicpm_gguf, "openvino")


PRIVACY_PROBE = """
import json, os, sys
from engine.backends.openvino import import_openvino_genai
from engine.model_info import inspect_model
from engine.session import Engine
from engine.types import LoadOptions
engine = Engine()
engine.load(sys.argv[1], "openvino", LoadOptions(n_ctx=512, cache_dir=sys.argv[2]))
print(json.dumps({
    "telemetry_loaded": any(m.startswith("openvino_telemetry") for m in sys.modules),
    "intel_dir": os.path.exists(os.path.expanduser("~/intel")),
}))
"""


@pytest.mark.slow
def test_openvino_sends_no_telemetry(
    starter_path: Path, openvino_cache: Path, tmp_path: Path
) -> None:
    # openvino_telemetry is silent under CI=true, so the check must run without it.
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(HOME=str(tmp_path), PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", PRIVACY_PROBE, str(starter_path), str(openvino_cache)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"telemetry_loaded": False, "intel_dir": False}
