"""The chat tests' fixtures: `chat_app`, the real main window on a scripted backend."""

from tests.app.chat.chat_window import chat_app

__all__ = ["chat_app"]
