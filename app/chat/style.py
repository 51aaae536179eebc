"""The chat's look, scoped to `ChatView` by object names. Colours come from the palette where
they can, so a dark palette stays readable; themes in resources/ can override all of it."""

CHAT_STYLE = """
#chatView, #transcript, #transcriptContainer, #transcriptColumn { background: palette(base); }
#chatTitle { font-size: 11pt; font-weight: 600; padding: 4px 0; }
#messageRole { color: palette(placeholder-text); font-size: 8.5pt; font-weight: 600; }
#messageStats { color: palette(placeholder-text); font-size: 8.5pt; }
#thinkingChoice { color: palette(placeholder-text); font-size: 8.5pt; padding-left: 8px; }
#versionLabel { color: palette(placeholder-text); font-size: 8.5pt; }
#userBubble {
    background: palette(alternate-base);
    border: 1px solid palette(midlight);
    border-radius: 14px;
    padding: 8px 12px;
}
QToolButton#messageAction {
    color: palette(placeholder-text);
    border: none;
    border-radius: 4px;
    padding: 2px 6px;
    font-size: 8.5pt;
}
QToolButton#messageAction:hover { background: palette(alternate-base); color: palette(text); }
QToolButton#thinkingToggle { color: palette(placeholder-text); border: none; font-size: 9pt; }
#thinkingText {
    color: palette(placeholder-text);
    border-left: 3px solid palette(midlight);
    padding: 2px 0 2px 10px;
}
#interruptedBanner, #banner, #unfinishedThinkingNote {
    background: rgba(245, 158, 11, 0.14);
    border: 1px solid rgba(217, 119, 6, 0.55);
    border-radius: 6px;
    color: palette(text);
}
#waitingLabel { color: palette(placeholder-text); font-style: italic; padding: 2px; }
#previewNote { color: palette(placeholder-text); font-size: 8.5pt; }
#emptyState { color: palette(placeholder-text); }
#composer {
    background: palette(base);
    border: 1px solid palette(mid);
    border-radius: 14px;
}
#composerEdit { background: transparent; border: none; font-size: 10.5pt; }
QToolButton#thinkingButton {
    border: 1px solid palette(midlight);
    border-radius: 10px;
    padding: 3px 10px;
}
QToolButton#thinkingButton:checked {
    background: rgba(59, 130, 246, 0.18);
    border-color: #60a5fa;
    color: palette(text);
}
QToolButton#systemPromptToggle { color: palette(placeholder-text); border: none; }
QPushButton#sendButton {
    background: #2563eb;
    color: white;
    border: none;
    border-radius: 8px;
    padding: 5px 18px;
    font-weight: 600;
}
QPushButton#sendButton:disabled { background: rgba(37, 99, 235, 0.4); }
QPushButton#regenerateButton { border: none; color: palette(placeholder-text); padding: 5px 10px; }
QPushButton#regenerateButton:hover { color: palette(text); }
"""
