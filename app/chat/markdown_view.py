"""`MarkdownView`: a read-only rich-text view of model output that never fetches anything."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QSize, QSizeF, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QDesktopServices,
    QFontInfo,
    QFontMetricsF,
    QGuiApplication,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from app.chat.markdown import COPY_SCHEME, MarkdownRenderer
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
        rendered = self._renderer.render(text, self._math_style)
        self._code_blocks = rendered.code_blocks
        self.setHtml(rendered.html)

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
