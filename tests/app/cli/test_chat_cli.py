"""`python main.py chat` and `models list`, run as a person runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FRANCE, REPO


def run_main(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MINICPM_CHAT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["llama", "openvino"])
def test_chat_answers_paris(backend: str, _private_home: Path, starter_path: Path) -> None:
    done = run_main("chat", "--backend", backend, "--temperature", "0", FRANCE, home=_private_home)
    assert done.returncode == 0, done.stderr
    assert "Paris" in done.stdout


@pytest.mark.slow
def test_chat_json_prints_one_object(_private_home: Path, starter_path: Path) -> None:
    done = run_main(
        "chat", "--json", "--temperature", "0", "--max-tokens", "16", FRANCE, home=_private_home
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert "Paris" in payload["text"]
    assert payload["reasoning"] == ""
    stats = payload["stats"]
    assert stats["backend"] == "llama.cpp"
    assert stats["generated_tokens"] > 0
    for key in ("prompt_tokens", "time_to_first_token_s", "decode_tokens_per_s", "finish_reason"):
        assert key in stats


@pytest.mark.slow
def test_chat_precision_is_what_openvino_computed(_private_home: Path, starter_path: Path) -> None:
    """bf16 where the CPU has it; elsewhere OpenVINO keeps f32 and the output says so."""
    import openvino

    from engine.precision import cpu_has_bf16

    done = run_main(
        *("chat", "--json", "--backend", "openvino", "--precision", "bf16"),
        *("--temperature", "0", "--max-tokens", "8", FRANCE),
        home=_private_home,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    expected = "bf16" if cpu_has_bf16(openvino.Core()) else "f32"
    assert payload["precision"].split(",")[0] == expected
    assert payload["stats"]["generated_tokens"] > 0


def test_broken_model_is_a_one_line_error(_private_home: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 40)
    done = run_main("chat", "-m", str(broken), "hello", home=_private_home)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")


def test_unknown_model_name_is_a_clear_error(_private_home: Path) -> None:
    done = run_main("chat", "-m", "no-such-model", "hello", home=_private_home)
    assert done.returncode == 1
    assert "No model named 'no-such-model'" in done.stderr


def test_models_list_shows_the_starter(_private_home: Path, starter_path: Path) -> None:
    done = run_main("models", "list", home=_private_home)
    assert done.returncode == 0, done.stderr
    assert "SmolLM2-135M-Instruct.Q4_1 (bundled)" in done.stdout
    assert "llama" in done.stdout and "8192" in done.stdout
    rows = json.loads(run_main("models", "list", "--json", home=_private_home).stdout)
    starter = next(r for r in rows if r["name"] == "SmolLM2-135M-Instruct.Q4_1")
    assert starter["backends"] == ["llama", "openvino"]  # OpenVINO runs it exactly (rebuilt)
    assert starter["architecture"] == "llama"
    assert starter["context_length"] == 8192


def test_installed_model_is_found_by_name(
    _private_home: Path, starter_path: Path, tmp_path: Path
) -> None:
    models = _private_home / "models"
    models.mkdir(exist_ok=True)
    (models / "my-copy.gguf").symlink_to(starter_path)
    rows = json.loads(run_main("models", "list", "--json", home=_private_home).stdout)
    assert any(r["name"] == "my-copy" and not r["bundled"] for r in rows)


def test_cli_commands_do_not_import_qt(_private_home: Path) -> None:
    probe = (
        "import sys, main\n"
        "main.main(['models', 'list'])\n"
        "print('QT', any(m.startswith('PySide6') for m in sys.modules))\n"
    )
    env = {**os.environ, "MINICPM_CHAT_HOME": str(_private_home)}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("QT False")
