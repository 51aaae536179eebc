"""The names people know a model by, in the window, the toolbar and the status bar."""

from __future__ import annotations

from pathlib import Path

from app.core.models.store import model_name
from engine.backends.remote import host_of
from engine.types import LoadedModel, LoadRequest

__all__ = ["model_display_name", "remote_display_name", "request_display_name"]


def model_display_name(loaded: LoadedModel) -> str:
    """The name people know a model by: its file or folder name (as in the model list); a
    remote model's id with its server ("MiniCPM4.1-8B (gpu-box)")."""
    if loaded.info.format == "remote":
        return remote_display_name(loaded.info.name, loaded.device)
    return model_name(loaded.info.path)


def remote_display_name(model: str, server: str) -> str:
    return f"{model} ({server})" if server else model


def request_display_name(request: LoadRequest) -> str:
    """The name of the model a load request asks for, as `model_display_name` will show it."""
    remote = request.remote
    if remote is not None:
        return remote_display_name(remote.model, remote.server_name or host_of(remote.base_url))
    return model_name(Path(request.model))
