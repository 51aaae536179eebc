"""Done when: a person attaches a PDF and a Word document in the real window, sees each one's
token count and the context it would take, asks about them on the starter model on both
backends, and finds the answer and the documents in the exported history."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.application import build_main_window, build_services
from app.core.settings import Settings
from tests.app.chat.document_files import write_docx, write_pdf

STARTER = Path(__file__).resolve().parents[3] / "resources/models/SmolLM2-135M-Instruct.Q4_1.gguf"
PDF_LINES = [
    "Launch checklist for the Orion rocket.",
    "The launch code is BLUE-42.",
    "Launch is planned for Friday at dawn.",
]
READING_TIME = re.compile(r"· (about \d+( min \d+)? s|under a second) to read$")
DOCX_PARAGRAPHS = [
    "Minutes of the team meeting.",
    "The next meeting is on Tuesday in room 7.",
    "Anna brings the budget sheet.",
]


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "stats_name"), [("llama", "llama.cpp"), ("openvino", "openvino")]
)
def test_a_pdf_and_a_docx_are_counted_asked_about_and_exported(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, backend: str, stats_name: str
) -> None:
    pdf = write_pdf(tmp_path / "launch.pdf", PDF_LINES)
    docx = write_docx(tmp_path / "minutes.docx", DOCX_PARAGRAPHS)
    settings = Settings(backend=backend, temperature=0.0, max_new_tokens=24)
    services = build_services(settings=settings)
    try:
        window = build_main_window(services)
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitSignal(services.client.model_loaded, timeout=300_000) as loaded:
            services.client.load(services.settings.current.load_request(STARTER))
        assert loaded.args[1].backend == backend
        chat, composer = window.chat, window.chat.composer

        chat.attach_files([pdf, docx])
        qtbot.waitUntil(
            lambda: (
                len(composer.chip_widgets()) == 2
                and all("tokens" in chip.label.text() for chip in composer.chip_widgets())
            ),
            timeout=120_000,
        )
        chips = [chip.label.text() for chip in composer.chip_widgets()]
        assert chips[0].startswith("launch.pdf · ") and chips[1].startswith("minutes.docx · ")
        counts = [item.tokens or 0 for item in services.controller.draft.items()]
        assert all(count > 10 for count in counts)

        composer.edit.setFocus()
        with qtbot.waitSignal(chat._meter.reading_changed, timeout=60_000) as measured:
            composer.edit.setPlainText("What is the launch code?")
        reading = measured.args[0]
        usage = composer.usage.text()
        assert usage.startswith(f"Context: {reading.use.prompt_tokens:,} of 4,096 tokens")
        assert "time to read known after the first answer" in usage  # a fresh home

        with qtbot.waitSignal(services.controller.answer_finished, timeout=300_000) as done:
            qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
        stats = done.args[1]
        assert stats.backend == stats_name and stats.generated_tokens > 0
        # What the usage line measured is what the model read, both documents included.
        assert stats.prompt_tokens == reading.use.prompt_tokens > sum(counts)
        assert composer.chip_widgets() == [] and composer.text() == ""
        # The reading speed was measured on this answer: the next estimate says a time.
        qtbot.waitUntil(
            lambda: READING_TIME.search(composer.usage.text()) is not None, timeout=60_000
        )

        conversation_id = services.controller.conversation_id
        data = json.loads(json.dumps(services.store.export_data([conversation_id])))
        [exported] = data["conversations"]
        question, answer = exported["messages"]
        assert question["content"] == "What is the launch code?"
        names = [a["name"] for a in question["attachments"]]
        assert names == ["launch.pdf", "minutes.docx"]
        assert "BLUE-42" in question["attachments"][0]["text"]
        assert "room 7" in question["attachments"][1]["text"]
        assert answer["role"] == "assistant" and answer["content"].strip()
        assert answer["content"] == services.store.active_path(conversation_id)[-1].content
    finally:
        services.shutdown()
