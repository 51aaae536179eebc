"""MarkdownView never fetches resources and opens only safe links, only on click."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QTextDocument

from app.chat.markdown import MarkdownRenderer
from app.chat.markdown_view import MarkdownView


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.fixture
def view(qtbot) -> MarkdownView:  # type: ignore[no-untyped-def]
    widget = MarkdownView(MarkdownRenderer())
    qtbot.addWidget(widget)
    widget.resize(500, 100)
    widget.show()
    return widget


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(url.toString()))
    return urls


def test_remote_and_local_resources_are_never_loaded(view: MarkdownView, tmp_path: Path) -> None:
    image = tmp_path / "secret.png"
    image.write_bytes(b"not really a png")
    kind = int(QTextDocument.ResourceType.ImageResource.value)
    assert view.loadResource(kind, QUrl("https://example.com/pixel.png")) is None
    assert view.loadResource(kind, QUrl.fromLocalFile(str(image))) is None
    assert not view.openExternalLinks() and not view.openLinks()


def test_http_links_open_in_the_browser_only_when_clicked(view: MarkdownView, opened) -> None:  # type: ignore[no-untyped-def]
    view.set_markdown("See [the docs](https://example.com/docs).")
    assert opened == []
    view.anchorClicked.emit(QUrl("https://example.com/docs"))
    assert opened == ["https://example.com/docs"]


def test_other_link_schemes_do_nothing(view: MarkdownView, opened) -> None:  # type: ignore[no-untyped-def]
    view.anchorClicked.emit(QUrl("file:///etc/passwd"))
    view.anchorClicked.emit(QUrl("javascript:alert(1)"))
    assert opened == []


def test_copy_links_copy_their_code_block(view: MarkdownView, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.set_markdown("```sh\necho one\n```\n\n```sh\necho two\n```")
    with qtbot.waitSignal(view.code_copied) as copied:
        view.anchorClicked.emit(QUrl("copy:1"))
    assert copied.args == ["echo two"]
    assert QGuiApplication.clipboard().text() == "echo two"


def test_the_view_grows_with_its_content(view: MarkdownView) -> None:
    view.set_markdown("One line.")
    short = view.height()
    view.set_markdown("\n\n".join(f"Paragraph {i}." for i in range(20)))
    assert view.height() > short * 5


def test_an_answer_streamed_in_pieces_shows_what_it_shows_set_at_once(  # type: ignore[no-untyped-def]
    view: MarkdownView, qtbot
) -> None:
    # Paragraphs that grow after finished blocks are replaced in place (with `code`, links,
    # a formula, hard and soft line breaks); everything else is set again.
    text = (
        "## Title\n\nSome **prose** with `code`, [a link](https://example.com) and $x^2$,\n"
        "a soft break, a hard one  \nand another\\\nto the end.\n\n```python\nx = 1\n```\n\n"
        "- a\n- b\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n\nThe *end* of it all."
    )
    fresh = MarkdownView(MarkdownRenderer())
    qtbot.addWidget(fresh)
    for cut in [*range(0, len(text), 5), len(text)]:
        view.set_markdown(text[:cut])
        fresh.set_markdown("")  # a fresh document each time
        fresh.set_markdown(text[:cut])
        assert view.toHtml() == fresh.toHtml(), text[:cut]
    assert view.code_blocks() == fresh.code_blocks() == ("x = 1",)


def test_text_that_renders_as_shown_does_not_set_the_document_again(
    view: MarkdownView, monkeypatch: pytest.MonkeyPatch
) -> None:
    view.set_markdown("A paragraph.\n\n```python\nx = 1\n```")
    calls: list[str] = []
    monkeypatch.setattr(view, "setHtml", calls.append)
    view.set_markdown("A paragraph.\n\n```python\nx = 1\n```\n")  # the saved answer, stripped
    assert calls == []
    view.set_markdown("Another answer.")
    assert len(calls) == 1
