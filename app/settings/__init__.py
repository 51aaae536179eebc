"""The settings dialog: one page per group of settings, each with `load` and `apply`."""
