"""Light and dark: follow the OS colour scheme unless Settings.theme overrides it.

The app runs under Fusion with an explicit palette for each scheme. Asking Qt for a colour
scheme (`styleHints().setColorScheme`) is also done, so native title bars follow, but not every
platform plugin honours it (offscreen and some Linux desktops ignore it), so the palette is what
makes the widgets dark or light everywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from app.core.settings import Settings

THEMES = ("system", "light", "dark")

_Role = QPalette.ColorRole
_Group = QPalette.ColorGroup

_LIGHT = {
    _Role.Window: "#f3f4f6",
    _Role.WindowText: "#1f2937",
    _Role.Base: "#ffffff",
    _Role.AlternateBase: "#f1f3f7",
    _Role.ToolTipBase: "#ffffff",
    _Role.ToolTipText: "#1f2937",
    _Role.PlaceholderText: "#6b7280",
    _Role.Text: "#111827",
    _Role.Button: "#f3f4f6",
    _Role.ButtonText: "#1f2937",
    _Role.BrightText: "#ffffff",
    _Role.Light: "#ffffff",
    _Role.Midlight: "#e5e7eb",
    _Role.Mid: "#d1d5db",
    _Role.Dark: "#9ca3af",
    _Role.Shadow: "#6b7280",
    _Role.Highlight: "#2563eb",
    _Role.HighlightedText: "#ffffff",
    _Role.Link: "#2563eb",
    _Role.LinkVisited: "#7c3aed",
}

_DARK = {
    _Role.Window: "#1f2024",
    _Role.WindowText: "#e5e7eb",
    _Role.Base: "#17181b",
    _Role.AlternateBase: "#2a2c31",
    _Role.ToolTipBase: "#2a2c31",
    _Role.ToolTipText: "#e5e7eb",
    _Role.PlaceholderText: "#9ca3af",
    _Role.Text: "#e5e7eb",
    _Role.Button: "#2a2c31",
    _Role.ButtonText: "#e5e7eb",
    _Role.BrightText: "#ffffff",
    _Role.Light: "#3a3d44",
    _Role.Midlight: "#33363c",
    _Role.Mid: "#44474f",
    _Role.Dark: "#111214",
    _Role.Shadow: "#000000",
    _Role.Highlight: "#3b82f6",
    _Role.HighlightedText: "#ffffff",
    _Role.Link: "#60a5fa",
    _Role.LinkVisited: "#a78bfa",
}


def make_palette(dark: bool) -> QPalette:
    palette = QPalette()
    for role, color in (_DARK if dark else _LIGHT).items():
        palette.setColor(role, QColor(color))
    disabled = QColor("#6b7280") if dark else QColor("#9ca3af")
    for role in (_Role.WindowText, _Role.Text, _Role.ButtonText):
        palette.setColor(_Group.Disabled, role, disabled)
    return palette


def is_dark(theme: str) -> bool:
    """Whether `theme` ("system", "light" or "dark") means dark right now."""
    if theme == "dark":
        return True
    if theme == "light":
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


class ThemeController(QObject):
    """Applies Settings.theme to the application and follows the OS while it is "system".
    No signals."""

    def __init__(self, app: QApplication, theme: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self._theme = ""
        app.setStyle("Fusion")
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            self._on_style_hints_color_scheme_changed
        )
        self.apply(theme)

    @property
    def theme(self) -> str:
        return self._theme

    @Slot(str)
    def apply(self, theme: str) -> None:
        theme = theme if theme in THEMES else "system"
        self._theme = theme
        hints = QGuiApplication.styleHints()
        if theme == "system":
            hints.unsetColorScheme()
        else:
            hints.setColorScheme(Qt.ColorScheme.Dark if theme == "dark" else Qt.ColorScheme.Light)
        self._set_palette(is_dark(theme))

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        if settings.theme != self._theme:
            self.apply(settings.theme)

    @Slot(Qt.ColorScheme)
    def _on_style_hints_color_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._theme == "system":
            self._set_palette(is_dark("system"))

    def _set_palette(self, dark: bool) -> None:
        self._app.setPalette(make_palette(dark))
        # Style sheets resolve palette(...) when a widget is polished; polish again so the
        # chat and chat list pick up the new colours.
        for widget in self._app.allWidgets():
            if widget.styleSheet():
                widget.setStyleSheet(widget.styleSheet())
