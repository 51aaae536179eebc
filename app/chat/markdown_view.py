"""`MarkdownView`: a read-only rich-text view of model output that never fetches anything."""

from __future__ import annotations

import math

from PySide6.QtCore import QSize, QSizeF, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication, QTextDocument
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from app.chat.markdown import COPY_SCHEME, MarkdownRenderer

# Links people may open from an answer; anything else (file:, javascript:, ...) does nothing.
OPENABLE_SCHEMES = frozenset({"http", "https", "mailto"})


class MarkdownView(QTextBrowser):
    """Shows rendered Markdown at the height of its content (the transcript scrolls, not it).

    Remote resources are never loaded: `loadResource` answers only data: URLs. Links open in
    the browser only when clicked, and only for http(s) and mailto. Signals:
        code_copied(str code)   # a code block's "Copy" link was clicked (already copied)
    """

    code_copied = Signal(str)

    def __init__(self, renderer: MarkdownRenderer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._renderer = renderer
        self._code_blocks: tuple[str, ...] = ()
        self._markdown = ""
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.setStyleSheet("QTextBrowser { background: transparent; }")
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(
            self._on_layout_document_size_changed
        )
        self.anchorClicked.connect(self._on_self_anchor_clicked)
        self.setFixedHeight(self._content_height())

    @property
    def markdown(self) -> str:
        return self._markdown

    def set_markdown(self, text: str) -> None:
        self._markdown = text
        rendered = self._renderer.render(text)
        self._code_blocks = rendered.code_blocks
        self.setHtml(rendered.html)

    def code_blocks(self) -> tuple[str, ...]:
        return self._code_blocks

    def loadResource(self, kind: int, url: QUrl | str) -> object:  # noqa: N802 (Qt override)
        if QUrl(url).scheme() == "data":
            return super().loadResource(kind, url)
        return None

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(super().sizeHint().width(), self._content_height())

    @Slot(QSizeF)
    def _on_layout_document_size_changed(self, _size: QSizeF) -> None:
        self.setFixedHeight(self._content_height())

    @Slot(QUrl)
    def _on_self_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == COPY_SCHEME:
            try:
                code = self._code_blocks[int(url.path())]
            except (ValueError, IndexError):
                return
            QGuiApplication.clipboard().setText(code)
            self.code_copied.emit(code)
        elif url.scheme() in OPENABLE_SCHEMES:
            QDesktopServices.openUrl(url)

    def _content_height(self) -> int:
        document: QTextDocument = self.document()
        margins = self.contentsMargins()
        return math.ceil(document.size().height()) + margins.top() + margins.bottom()
