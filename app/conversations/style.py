"""The chat list's look, scoped to `ConversationPanel` by object names."""

PANEL_STYLE = """
#conversationPanel { background: palette(window); }
#conversationList { background: transparent; border: none; outline: none; }
#conversationList::item { padding: 7px 8px; border-radius: 6px; }
#conversationList::item:hover { background: palette(midlight); }
#conversationList::item:selected { background: palette(mid); color: palette(text); }
#searchBox { padding: 5px 8px; border: 1px solid palette(mid); border-radius: 8px; }
QPushButton#newChatButton {
    padding: 7px;
    border: 1px solid palette(mid);
    border-radius: 8px;
    background: palette(base);
    font-weight: 600;
}
QPushButton#newChatButton:hover { background: palette(alternate-base); }
QToolButton#moreButton {
    padding: 4px 8px;
    border: 1px solid palette(mid);
    border-radius: 8px;
    background: palette(base);
    font-weight: 600;
}
QToolButton#moreButton:hover { background: palette(alternate-base); }
QToolButton#moreButton::menu-indicator { image: none; width: 0; }
#undoBar { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }
#emptyList { color: palette(placeholder-text); }
"""
