"""`MarkdownView`: a read-only rich-text view of model output that never fetches anything."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QEvent, QSize, QSizeF, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QDesktopServices,
    QFontInfo,
    QFontMetricsF,
    QGuiApplication,
    QPalette,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from app.chat.markdown import COPY_SCHEME, GrowingMarkdown, MarkdownRenderer
from app.chat.math import MathStyle

# Links people may open from an answer; anything else (file:, javascript:, ...) does nothing.
OPENABLE_SCHEMES = frozenset({"http", "https", "mailto"})
DATA_RESOURCE_CACHE = 64
_STYLE_EVENTS = (
    QEvent.Type.PaletteChange,
    QEvent.Type.FontChange,
    QEvent.Type.DevicePixelRatioChange,
    QEvent.Type.ScreenChangeInternal,
)
# The HTML of one paragraph and nothing else: its text can be replaced in place. (A heading's
# size and weight are in its characters' format, which insertHtml would not keep.)
_PARAGRAPH = re.compile(
    r"<p>((?:(?!</?(?:p|h[1-6]|table|ul|ol|li|pre|blockquote|hr)\b).)*)</p>\n", re.S
)


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
        # A streaming answer grows at its end: only its last blocks are parsed again.
        self._growing = GrowingMarkdown(renderer)
        self._code_blocks: tuple[str, ...] = ()
        self._markdown = ""
        # What the document shows: (finished blocks' HTML, the growing block's HTML).
        self._shown = ("", "")
        self._math_style: MathStyle | None = None
        self._data_resources: dict[tuple[int, str], object] = {}
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
        self._math_style = self._current_math_style()
        rendered = self._growing.render(text, self._math_style)
        self._code_blocks = rendered.code_blocks
        finished = self._growing.finished_html
        growing = rendered.html[len(finished) :]
        # The saved answer often differs from the last streamed text only by the whitespace at
        # its end, which renders the same: then the document already shows it.
        if rendered.html != "".join(self._shown) and not self._replace_growing_text(
            finished, growing
        ):
            self.setHtml(rendered.html)
        self._shown = (finished, growing)

    def _replace_growing_text(self, finished: str, growing: str) -> bool:
        """While a paragraph after finished blocks grows, replace only its text: setting the
        whole answer again lays all of it out again, which costs more as the answer grows.
        (With nothing before it, Qt would give the paragraph the fragment's margins.)"""
        if not finished or finished != self._shown[0] or not _PARAGRAPH.fullmatch(self._shown[1]):
            return False
        new = _PARAGRAPH.fullmatch(growing)
        if new is None:
            return False
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock, QTextCursor.MoveMode.KeepAnchor)
        # setHtml ends the last block with a space (the newline after "</p>"): so does this.
        cursor.insertHtml(new[1] + " ")
        return True

    def code_blocks(self) -> tuple[str, ...]:
        return self._code_blocks

    def loadResource(self, kind: int, url: QUrl | str) -> object:  # noqa: N802 (Qt override)
        qurl = QUrl(url)
        if qurl.scheme() != "data":
            return None
        # A streaming answer is re-set 20 times a second; decode each formula's PNG once.
        key = (kind, qurl.toString())
        if key not in self._data_resources:
            if len(self._data_resources) >= DATA_RESOURCE_CACHE:
                self._data_resources.clear()
            self._data_resources[key] = super().loadResource(kind, qurl)
        return self._data_resources[key]

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        # Formulas are pictures in the text colour, size and pixel ratio: redraw when those change.
        if (
            event.type() in _STYLE_EVENTS
            and self._math_style is not None
            and self._math_style != self._current_math_style()
        ):
            self.set_markdown(self._markdown)

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

    def _current_math_style(self) -> MathStyle:
        font = self.document().defaultFont()
        return MathStyle(
            font_px=float(QFontInfo(font).pixelSize()),
            color=self.palette().color(QPalette.ColorRole.Text).name(),
            dpr=self.devicePixelRatioF(),
            x_height=QFontMetricsF(font).xHeight(),
        )

    def _content_height(self) -> int:
        document: QTextDocument = self.document()
        margins = self.contentsMargins()
        return math.ceil(document.size().height()) + margins.top() + margins.bottom()
