"""Every path the app writes to. `MINICPM_CHAT_HOME` moves all of them (tests use a temp dir)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "MiniCPM Chat"
HOME_ENV = "MINICPM_CHAT_HOME"


def data_dir() -> Path:
    override = os.environ.get(HOME_ENV)
    path = Path(override).expanduser() if override else Path(user_data_dir(APP_NAME, False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    return _subdir("models")


def cache_dir() -> Path:
    return _subdir("cache")


def settings_path() -> Path:
    return data_dir() / "settings.json"


def database_path() -> Path:
    return data_dir() / "chat.sqlite3"


def _subdir(name: str) -> Path:
    path = data_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path
