"""The scrolling list of message widgets for the shown branch of one conversation."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.chat.controller import MessageView
from app.chat.markdown import MarkdownRenderer
from app.chat.message_widget import MessageWidget

# Within this many pixels of the bottom, new text keeps the view scrolled to the end.
STICKY_BOTTOM_PX = 48
COLUMN_MAX_WIDTH = 860


class TranscriptView(QScrollArea):
    """Keeps one `MessageWidget` per shown message and reuses them across updates, so a
    structural change rebuilds only what changed and streaming touches one widget.

    Signals (forwarded from the message widgets):
        regenerate_requested(int message_id)
        regenerate_with_thinking_requested(int message_id, bool thinking)
        continue_requested(int message_id)
        edit_submitted(int message_id, str text)
        version_selected(int message_id)
    """

    regenerate_requested = Signal(int)
    regenerate_with_thinking_requested = Signal(int, bool)
    continue_requested = Signal(int)
    edit_submitted = Signal(int, str)
    version_selected = Signal(int)

    def __init__(self, renderer: MarkdownRenderer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transcript")
        self._renderer = renderer
        self._widgets: dict[int, MessageWidget] = {}
        self._stick_to_bottom = True
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        container = QWidget(self)
        container.setObjectName("transcriptContainer")
        # A column of readable width, centred however wide the window is.
        column = QWidget(container)
        column.setObjectName("transcriptColumn")
        column.setMaximumWidth(COLUMN_MAX_WIDTH)
        outer = QHBoxLayout(container)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(column)
        self._column = column
        self._layout = QVBoxLayout(column)
        self._layout.setContentsMargins(24, 16, 24, 16)
        self._layout.setSpacing(6)
        self._empty = QLabel(
            "<div style='font-size:20pt; font-weight:600;'>What can I help with?</div>"
            "<p>Your chats and the model run on this computer; nothing is sent anywhere.</p>",
            column,
        )
        self._empty.setObjectName("emptyState")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._layout.addStretch(1)
        self._layout.addWidget(self._empty)
        self._layout.addStretch(1)
        self.setWidget(container)
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrollbar_value_changed)
        bar.rangeChanged.connect(self._on_scrollbar_range_changed)

    def message_widgets(self) -> list[MessageWidget]:
        widgets = []
        for index in range(self._layout.count()):
            item = self._layout.itemAt(index)
            widget = item.widget() if item is not None else None
            if isinstance(widget, MessageWidget):
                widgets.append(widget)
        return widgets

    def show_messages(self, views: list[MessageView], *, scroll_to_end: bool = False) -> None:
        wanted = {view.message.id for view in views}
        for message_id in list(self._widgets):
            if message_id not in wanted:
                widget = self._widgets.pop(message_id)
                self._layout.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
        # Messages sit between the top stretch and the empty-state label.
        for position, view in enumerate(views):
            existing = self._widgets.get(view.message.id)
            if existing is None:
                widget = self._new_widget(view)
            else:
                widget = existing
                widget.update_view(view)
            if self._layout.indexOf(widget) != position + 1:
                self._layout.removeWidget(widget)
                self._layout.insertWidget(position + 1, widget)
        self._empty.setVisible(not views)
        # With messages, they start at the top; the empty state sits in the middle.
        self._layout.setStretch(0, 0 if views else 1)
        if scroll_to_end:
            self._stick_to_bottom = True
            self.scroll_to_end()

    def stream(
        self, message_id: int, reasoning: str, answer: str, thinking_s: float | None = None
    ) -> None:
        widget = self._widgets.get(message_id)
        if widget is not None:
            widget.stream(reasoning, answer, thinking_s)

    def scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _new_widget(self, view: MessageView) -> MessageWidget:
        widget = MessageWidget(view, self._renderer, self._column)
        widget.regenerate_requested.connect(self.regenerate_requested)
        widget.regenerate_with_thinking_requested.connect(self.regenerate_with_thinking_requested)
        widget.continue_requested.connect(self.continue_requested)
        widget.edit_submitted.connect(self.edit_submitted)
        widget.version_selected.connect(self.version_selected)
        self._widgets[view.message.id] = widget
        return widget

    @Slot(int)
    def _on_scrollbar_value_changed(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._stick_to_bottom = value >= bar.maximum() - STICKY_BOTTOM_PX

    @Slot(int, int)
    def _on_scrollbar_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._stick_to_bottom:
            self.verticalScrollBar().setValue(maximum)
