"""Combo boxes of (label, value) choices, shared by the settings pages."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox


def fill(combo: QComboBox, items: tuple[tuple[object, str], ...], context: str) -> None:
    """Adds the (label, value) pairs, labels translated in `context` (unmarked ones come back
    unchanged)."""
    for label, value in items:
        # str(): PySide6 types QT_TRANSLATE_NOOP as returning object; it returns the str.
        combo.addItem(QCoreApplication.translate(context, str(label)), value)


def select(combo: QComboBox, value: object) -> None:
    """Chooses the item holding `value`, or the first one."""
    index = combo.findData(value)
    combo.setCurrentIndex(index if index >= 0 else 0)
