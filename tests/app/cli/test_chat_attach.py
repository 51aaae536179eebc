"""`python main.py chat --attach FILE`: the starter model answers from the document on both
backends; a file that cannot be read stops the command before any model loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.cli.test_chat_cli import run_main
from tests.app.core.attachments.attachment_files import pdf_bytes, write

# Lisbon, not Paris: the 135M starter names Paris for any capital it is asked about, so only
# Lisbon shows that it read the document.
NOTES = "The secret city is Lisbon.\n"
QUESTION = "What is the secret city?"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["llama", "openvino"])
def test_the_model_answers_from_an_attached_file(
    backend: str, _private_home: Path, starter_path: Path, tmp_path: Path
) -> None:
    notes = write(tmp_path, "notes.txt", NOTES)
    done = run_main(
        *("chat", "--backend", backend, "--attach", str(notes)),
        *("--temperature", "0", "--seed", "1", "--max-tokens", "32", QUESTION),
        home=_private_home,
    )
    assert done.returncode == 0, done.stderr
    assert "Lisbon" in done.stdout


@pytest.mark.slow
def test_the_model_answers_from_an_attached_pdf(
    _private_home: Path, starter_path: Path, tmp_path: Path
) -> None:
    pdf = write(tmp_path, "notes.pdf", pdf_bytes([[NOTES.strip()]]))
    done = run_main(
        *("chat", "--attach", str(pdf), "--temperature", "0", "--seed", "1"),
        *("--max-tokens", "32", QUESTION),
        home=_private_home,
    )
    assert done.returncode == 0, done.stderr
    assert "Lisbon" in done.stdout


def test_an_unreadable_file_sends_nothing(_private_home: Path, tmp_path: Path) -> None:
    fine = write(tmp_path, "notes.txt", NOTES)
    locked = write(tmp_path, "locked.pdf", b"%PDF-1.4\nnot really a pdf")
    done = run_main(
        *("chat", "--attach", str(fine), "--attach", str(locked), "--model", "no-such-model"),
        QUESTION,
        home=_private_home,
    )
    # The file is refused first: the unknown model is never looked for.
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == (
        "error: locked.pdf cannot be read: the file is damaged (PDFium: Data format error)."
    )


def test_a_missing_file_is_a_one_line_error(_private_home: Path, tmp_path: Path) -> None:
    done = run_main("chat", "--attach", str(tmp_path / "gone.md"), QUESTION, home=_private_home)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error: Could not open gone.md: the file is missing")
