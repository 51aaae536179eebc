"""Secrets, kept only in the system keyring: the Hugging Face token, each remote server's API
key (`server_key_name`) and the local API's key (`LOCAL_API_KEY`).

A secret never goes to settings files, logs or the database: this module is the only place that
touches one, and it never logs one. When no usable keyring exists (a headless box, a locked or
missing Secret Service collection), saving raises `KeyringUnavailableError` with a message the
app can show as is; for the token, `HF_TOKEN` in the environment still works for the session.
Downloads, in the GUI and in `python main.py models pull`, get their token only from
`token_for_hub`.
"""

from __future__ import annotations

import logging
import os

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail

SERVICE = "MiniCPM Chat"
USERNAME = "huggingface-token"
# The app's own OpenAI-compatible API (app/core/api).
LOCAL_API_KEY = "local-api-key"
SERVER_KEY_PREFIX = "server-key:"
TOKEN_ENV = "HF_TOKEN"
NO_KEYRING_MESSAGE = (
    "No system keyring is available, so the token can't be saved; "
    "set HF_TOKEN for this session instead"
)
NO_KEYRING_KEY_MESSAGE = "No system keyring is available, so the API key can't be saved"

log = logging.getLogger(__name__)


class KeyringUnavailableError(RuntimeError):
    """No usable system keyring; the message is written for the person using the app."""


def server_key_name(server: str) -> str:
    """The keyring user name of the API key of the server named `server`."""
    return f"{SERVER_KEY_PREFIX}{server}"


# -- any secret ----------------------------------------------------------------------------


def secret_state(name: str) -> tuple[bool, bool]:
    """(available, saved) from one keyring read: whether a secret can be stored, and whether
    `name` is. Never raises."""
    try:
        backend = keyring.get_keyring()
        if not _usable(backend):
            return False, False
        # A read reaches the Secret Service, so a locked or absent collection shows up here.
        value = backend.get_password(SERVICE, name)
    except Exception as exc:  # backends leak their own D-Bus errors, not only KeyringError
        log.info("The keyring is not usable: %s", type(exc).__name__)
        return False, False
    return True, bool(value)


def keyring_name() -> str:
    """The keyring backend's name, for "kept in the system keyring (…)"."""
    try:
        return _name(keyring.get_keyring())
    except Exception:  # noqa: BLE001 (a name for a sentence; never worth an error)
        return ""


def save_secret(name: str, value: str, *, unavailable: str = NO_KEYRING_KEY_MESSAGE) -> None:
    """Stores `value` (stripped) under `name`; `ValueError` when it is empty,
    `KeyringUnavailableError(unavailable)` when no keyring can take it."""
    value = value.strip()
    if not value:
        raise ValueError("The secret is empty.")
    backend = _backend_or_raise(unavailable)
    try:
        backend.set_password(SERVICE, name, value)
    except Exception as exc:
        # Only the error's type: some backends echo what they were given.
        log.info("Saving a secret failed: %s", type(exc).__name__)
        raise KeyringUnavailableError(unavailable) from None


def load_secret(name: str) -> str | None:
    """The secret stored under `name`, or None when there is none or no keyring; never
    raises."""
    try:
        # Choosing the backend reads keyring's config and imports backends, which can fail too.
        backend = keyring.get_keyring()
        if not _usable(backend):
            return None
        value = backend.get_password(SERVICE, name)
    except Exception as exc:
        log.info("Reading a secret failed: %s", type(exc).__name__)
        return None
    return value or None


def delete_secret(name: str, *, unavailable: str = NO_KEYRING_KEY_MESSAGE) -> None:
    """Removes the secret stored under `name`; none stored is not an error."""
    backend = _backend_or_raise(unavailable)
    try:
        if backend.get_password(SERVICE, name) is not None:
            backend.delete_password(SERVICE, name)
    except keyring.errors.PasswordDeleteError:
        pass
    except Exception as exc:
        log.info("Deleting a secret failed: %s", type(exc).__name__)
        raise KeyringUnavailableError(unavailable) from None


def move_secret(old: str, new: str) -> None:
    """The secret of `old` now belongs to `new` (a server was renamed); nothing stored under
    `old` leaves `new` as it is."""
    if old == new:
        return
    value = load_secret(old)
    if value is None:
        return
    save_secret(new, value)
    delete_secret(old)


# -- the Hugging Face token ----------------------------------------------------------------


def keyring_status() -> tuple[bool, str]:
    """(available, message): whether a token can be stored, in words the settings page shows."""
    available, _saved, message = token_state()
    return available, message


def token_state() -> tuple[bool, bool, str]:
    """(available, saved, message) from one keyring read: the settings page needs all three,
    and each read may reach the Secret Service over D-Bus (or prompt to unlock it)."""
    available, saved = secret_state(USERNAME)
    if not available:
        return False, False, NO_KEYRING_MESSAGE
    return True, saved, f"The token is kept in the system keyring ({keyring_name()})."


def save_token(token: str) -> None:
    if not token.strip():
        raise ValueError("The token is empty.")
    save_secret(USERNAME, token, unavailable=NO_KEYRING_MESSAGE)


def load_token() -> str | None:
    """The stored token, or None when there is none or no keyring; never raises."""
    return load_secret(USERNAME)


def delete_token() -> None:
    """Removes the stored token; no token stored is not an error."""
    delete_secret(USERNAME, unavailable=NO_KEYRING_MESSAGE)


def token_for_hub() -> str | None:
    """What every download (GUI and CLI) sends: HF_TOKEN from the environment, else the stored
    token; None when neither is there. HF_TOKEN wins, as in `huggingface_hub`, so a token set
    for one session or one command overrides the saved one. Never raises."""
    return os.environ.get(TOKEN_ENV) or load_token() or None


def _backend_or_raise(unavailable: str) -> keyring.backend.KeyringBackend:
    try:
        backend = keyring.get_keyring()
    except Exception as exc:
        log.info("Choosing the keyring failed: %s", type(exc).__name__)
        raise KeyringUnavailableError(unavailable) from None
    if not _usable(backend):
        raise KeyringUnavailableError(unavailable)
    return backend


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    # keyring.backends.null.Keyring "stores" nothing; it would lose the secret silently.
    return type(backend).__module__ != "keyring.backends.null"


def _name(backend: keyring.backend.KeyringBackend) -> str:
    return str(getattr(backend, "name", type(backend).__name__))
