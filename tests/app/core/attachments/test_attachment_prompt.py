"""The user message the model reads when documents are attached."""

from __future__ import annotations

from app.core.attachments import Attachment, with_attachments

NOTES = Attachment("notes.txt", "text", "The secret city is Lisbon.", 27)


def test_without_attachments_the_text_is_unchanged() -> None:
    assert with_attachments("Hi there", []) == "Hi there"


def test_each_document_comes_fenced_under_its_name_before_the_question() -> None:
    other = Attachment("b.md", "markdown", "# B", 3)
    text = with_attachments("What is the secret city?", [NOTES, other])
    assert text == (
        "## Attached: notes.txt\n\n```\nThe secret city is Lisbon.\n```\n\n"
        "## Attached: b.md\n\n```\n# B\n```\n\n"
        "What is the secret city?"
    )


def test_a_fence_inside_the_document_cannot_end_its_block() -> None:
    readme = Attachment("README.md", "markdown", "Run:\n````sh\nmake\n````", 20)
    text = with_attachments("How do I build it?", [readme])
    assert "\n`````\nRun:\n````sh\nmake\n````\n`````\n" in text


def test_a_document_without_a_question() -> None:
    assert with_attachments("", [NOTES]).endswith("The secret city is Lisbon.\n```")
