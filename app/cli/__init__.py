"""Command-line commands. Qt-free: they use the same engine and core services as the GUI."""
