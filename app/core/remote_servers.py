"""Remote servers, Qt-free: what a server entry may hold (`server_problem`), the address as
the API wants it (`normalized_base_url`), their API keys in the keyring when servers are
renamed or removed (`move_keys`), and "Test connection" / the Model page's listing as a task
for the TaskRunner (`list_server_models`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from app.core import secrets
from app.core.settings import ServerSettings
from app.core.tasks import TaskState
from engine.backends.remote import list_models, make_client


class ServerProblem(StrEnum):
    """Why a server entry cannot be kept; the Servers page words each."""

    EMPTY_NAME = "empty_name"
    SLASH_IN_NAME = "slash_in_name"
    DUPLICATE_NAME = "duplicate_name"
    EMPTY_URL = "empty_url"
    NOT_HTTP = "not_http"


@dataclass(frozen=True)
class ServerModels:
    """What a server lists: the task's result."""

    server: str
    models: tuple[str, ...]


def normalized_base_url(text: str) -> str:
    """The address as typed, trimmed, with "http://" added when it has no scheme and "/v1"
    when it names only the host ("gpu-box:8000" -> "http://gpu-box:8000/v1"). A path the
    person typed stays as it is: some servers serve the API elsewhere."""
    url = text.strip()
    if url and "://" not in url:
        url = f"http://{url}"  # "gpu-box:8000" means the plain-HTTP server there
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc and parts.path.strip("/") == "":
        return urlunsplit((parts.scheme, parts.netloc, "/v1", parts.query, parts.fragment))
    return url.rstrip("/") if parts.path.strip("/") else url


def server_problem(server: ServerSettings, others: Iterable[str]) -> ServerProblem | None:
    """What is wrong with `server` next to the servers named `others`; None when nothing."""
    name = server.name.strip()
    if not name:
        return ServerProblem.EMPTY_NAME
    if "/" in name:
        return ServerProblem.SLASH_IN_NAME
    if name in set(others):
        return ServerProblem.DUPLICATE_NAME
    url = server.base_url.strip()
    if not url:
        return ServerProblem.EMPTY_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ServerProblem.NOT_HTTP
    return None


def move_keys(renamed: Sequence[tuple[str, str]], removed: Iterable[str]) -> None:
    """Keeps each API key with its server: `renamed` (old, new) pairs take their keys along,
    `removed` servers lose theirs. Keyring errors propagate (KeyringUnavailableError)."""
    for name in removed:
        secrets.delete_secret(secrets.server_key_name(name))
    # Through temporary names first: two servers may swap names.
    moving = [(old, new) for old, new in renamed if old != new]
    for old, _new in moving:
        secrets.move_secret(secrets.server_key_name(old), _temporary(old))
    for old, new in moving:
        secrets.move_secret(_temporary(old), secrets.server_key_name(new))


def _temporary(name: str) -> str:
    return f"{secrets.SERVER_KEY_PREFIX}renaming:{name}"


def list_server_models(
    server: ServerSettings,
    api_key: str | None,
    _state: TaskState,
    *,
    saved_as: str | None = None,
) -> ServerModels:
    """The ids of the models `server` serves (GET /v1/models), sorted; a task for the
    TaskRunner. `api_key` None reads the key saved for the server named `saved_as` (default:
    its own name; a server renamed but not yet saved has its key under the old one) from the
    keyring here, off the GUI thread. Raises `engine.errors.RemoteError` with the code the GUI
    words."""
    key = api_key
    if key is None:
        key = secrets.load_secret(secrets.server_key_name(saved_as or server.name))
    remote = server.remote_model("", key or None)
    client = make_client(remote)
    try:
        served = list_models(client, remote.base_url)
    finally:
        client.close()
    return ServerModels(server.name, tuple(sorted(served)))
