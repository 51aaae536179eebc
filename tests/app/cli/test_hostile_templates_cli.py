"""Issue 15 from the command line: a model whose chat template hangs, or reaches outside its
sandbox, is refused by `models import`, by `models pull` and by `chat`, in words and quickly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import main
from app.core import paths
from app.core.models.store import IMPORTED_DIR
from tests import fakehub
from tests.conftest import REPO
from tests.engine.gguf_factory import CHATML_TEMPLATE, write_llama_gguf
from tests.fakehub import FakeHub

fake_hub = fakehub.fake_hub

HANGING = (
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    + CHATML_TEMPLATE
)
ESCAPING = "{{ ''.__class__.__mro__[1].__subclasses__() }}" + CHATML_TEMPLATE
TEMPLATES = {"hanging": HANGING, "escaping": ESCAPING}
REASONS = {
    "hanging": "chat template ran for more than 2 seconds",
    "escaping": "chat template tried to reach outside its sandbox",
}
# The time limit (2 s) plus loading the file and the app's modules.
QUICKLY_S = 6.0


def listed_names(capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert main.main(["models", "list", "--json"]) == 0
    return [row["name"] for row in json.loads(capsys.readouterr().out)]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", TEMPLATES)
def test_models_import_refuses_the_model_and_copies_nothing(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 15: the file was imported and listed as usable."""
    source = write_llama_gguf(tmp_path / f"{kind}.gguf", chat_template=TEMPLATES[kind])
    start = time.monotonic()
    assert main.main(["models", "import", str(source)]) == 1
    assert time.monotonic() - start < QUICKLY_S
    err = capsys.readouterr().err
    assert err.startswith("error: The model's ")
    assert REASONS[kind] in err
    imported = paths.models_dir() / IMPORTED_DIR
    assert not imported.exists() or list(imported.iterdir()) == []
    assert kind not in listed_names(capsys)


@pytest.mark.timeout(60)
def test_a_download_with_a_hanging_template_is_refused_and_deleted(
    fake_hub: FakeHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Registering a finished download runs the same check as an import."""
    hostile = write_llama_gguf(tmp_path / "hostile.gguf", chat_template=HANGING).read_bytes()
    fake_hub.add_repo("test-org/Hostile-GGUF", {"hostile.gguf": hostile})
    assert main.main(["models", "pull", "test-org/Hostile-GGUF", "--endpoint", fake_hub.url]) == 1
    last = capsys.readouterr().err.splitlines()[-1]
    assert "hostile.gguf was downloaded and matches the source's checksum" in last
    assert REASONS["hanging"] in last
    assert "hostile" not in listed_names(capsys)
    assert not (paths.models_dir() / "test-org").exists()


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize("backend", ["llama", "openvino"])
def test_chat_refuses_the_model_instead_of_hanging(
    backend: str, tmp_path: Path, _private_home: Path
) -> None:
    """Issue 15: `python main.py chat` ran until it was killed, on both backends."""
    model = write_llama_gguf(tmp_path / "hostile.gguf", chat_template=HANGING)
    env = {**os.environ, "MINICPM_CHAT_HOME": str(_private_home)}
    command = [sys.executable, "main.py", "chat", "-m", str(model), "--backend", backend, "Hi"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "error: The model's chat template ran for more than 2 seconds" in done.stderr
    assert "Traceback" not in done.stderr
