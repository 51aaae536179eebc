"""Attachments as chips: in the composer (name, size, tokens, a remove button; busy while the
file is read) and on a sent message (name and size; a click shows the text the model read)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QCoreApplication, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.chat.draft import DraftItem
from app.core.chat_records import Attachment
from engine.sizes import format_size

# The start of a document shown in a chip's tooltip.
TOOLTIP_CHARS = 400

ATTACHMENT_STYLE = """
#attachmentChip, QToolButton#messageAttachment {
    background: palette(alternate-base);
    border: 1px solid palette(midlight);
    border-radius: 10px;
    padding: 2px 4px 2px 8px;
    font-size: 9pt;
}
QToolButton#messageAttachment { padding: 3px 10px; }
QToolButton#messageAttachment:hover { border-color: palette(mid); }
QToolButton#chipRemove { border: none; padding: 0 2px; font-size: 10pt; }
#contextUsage { color: palette(placeholder-text); font-size: 8.5pt; }
#leftOutNote { color: palette(placeholder-text); font-size: 8.5pt; font-style: italic; }
"""
# The usage line when the draft does not fit (readable on light and dark backgrounds).
OVERFLOW_STYLE = "color: #dc2626; font-weight: 600;"


# A paper clip, drawn here rather than as an emoji: not every system has an emoji font.
_PAPERCLIP_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" '
    'fill="none" '
    'stroke="{color}" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
    '<path d="M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2'
    'a2 2 0 0 1-2.8-2.8l8.5-8.5"/></svg>'
)


def paperclip_icon(color: QColor, size: int = 18) -> QIcon:
    renderer = QSvgRenderer(QByteArray(_PAPERCLIP_SVG.format(color=color.name()).encode()))
    pixmap = QPixmap(QSize(size, size) * 2)  # sharp on high-DPI screens
    pixmap.setDevicePixelRatio(2)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QIcon(pixmap)


def chip_text(item: DraftItem) -> str:
    """ "report.pdf · 120 KB · ≈ 1,234 tokens" (or "reading…" while it is read)."""
    size = format_size(item.size_bytes)
    if item.reading:
        return QCoreApplication.translate("AttachmentChip", "{name} · {size} · reading…").format(
            name=item.name, size=size
        )
    if item.tokens is None:
        return QCoreApplication.translate("AttachmentChip", "{name} · {size}").format(
            name=item.name, size=size
        )
    return QCoreApplication.translate(
        "AttachmentChip", "{name} · {size} · ≈ {tokens} tokens"
    ).format(name=item.name, size=size, tokens=f"{item.tokens:,}")


def text_start(text: str, limit: int = TOOLTIP_CHARS) -> str:
    start = text[:limit].strip()
    return start + " …" if len(text) > limit else start


class DraftChip(QFrame):
    """One attachment of the draft. Signals:
    remove_clicked(int key)
    """

    remove_clicked = Signal(int)

    def __init__(self, item: DraftItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentChip")
        self.key = item.key
        self.label = QLabel(chip_text(item), self)
        self.label.setObjectName("chipLabel")
        if item.attachment is not None:
            self.setToolTip(text_start(item.attachment.text))
        self.remove = QToolButton(self)
        self.remove.setObjectName("chipRemove")
        self.remove.setText("×")
        self.remove.setAutoRaise(True)
        self.remove.setToolTip(self.tr("Remove {name}").format(name=item.name))
        self.remove.clicked.connect(self._on_remove_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addWidget(self.remove)

    @Slot()
    def _on_remove_clicked(self) -> None:
        self.remove_clicked.emit(self.key)


class MessageAttachmentChip(QToolButton):
    """An attachment of a sent message; a click shows the text the model read."""

    def __init__(self, attachment: Attachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageAttachment")
        self.attachment = attachment
        self.viewer: AttachmentViewer | None = None
        self.setText(
            self.tr("{name} · {size}").format(
                name=attachment.name, size=format_size(attachment.size_bytes)
            )
        )
        self.setToolTip(text_start(attachment.text))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.clicked.connect(self._on_clicked)

    @Slot()
    def _on_clicked(self) -> None:
        self.open_viewer()

    def open_viewer(self) -> AttachmentViewer:
        if self.viewer is None:
            self.viewer = AttachmentViewer(self.attachment, self.window())
            self.viewer.finished.connect(self._on_viewer_finished)
        self.viewer.show()
        self.viewer.raise_()
        return self.viewer

    @Slot(int)
    def _on_viewer_finished(self, _result: int) -> None:
        if self.viewer is not None:
            self.viewer.deleteLater()
            self.viewer = None


class AttachmentViewer(QDialog):
    """The text read from an attached document, read-only (what the model was given)."""

    def __init__(self, attachment: Attachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentViewer")
        self.setWindowTitle(attachment.name)
        self.resize(640, 520)
        note = QLabel(
            self.tr("The text the model reads from {name} ({size}).").format(
                name=attachment.name, size=format_size(attachment.size_bytes)
            ),
            self,
        )
        note.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText(attachment.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
