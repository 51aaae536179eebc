"""The conversation list: new, search, rename, pin, delete with Undo."""
