"""Local inference for MiniCPM Chat. Plain Python: never imports Qt or the app."""
