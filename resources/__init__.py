"""Data files that ship with the app, found through one accessor."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    return ROOT.joinpath(*parts)


def bundled_models_dir() -> Path:
    """Models installed by set-up (the starter); git ignores the folder's contents."""
    return resource_path("models")


def app_icon_path() -> Path:
    return resource_path("icons", "minicpm-chat.svg")
