"""The Hugging Face token, kept only in the system keyring.

The token never goes to settings files, logs or the database: this module is the only place that
touches it, and it never logs it. When no usable keyring exists (a headless box, a locked or
missing Secret Service collection), saving raises `KeyringUnavailableError` with a message the
app can show as is, and `HF_TOKEN` in the environment still works for the session. Downloads,
in the GUI and in `python main.py models pull`, get their token only from `token_for_hub`.
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
TOKEN_ENV = "HF_TOKEN"
NO_KEYRING_MESSAGE = (
    "No system keyring is available, so the token can't be saved; "
    "set HF_TOKEN for this session instead"
)

log = logging.getLogger(__name__)


class KeyringUnavailableError(RuntimeError):
    """No usable system keyring; the message is written for the person using the app."""


def keyring_status() -> tuple[bool, str]:
    """(available, message): whether a token can be stored, in words the settings page shows."""
    available, _saved, message = token_state()
    return available, message


def token_state() -> tuple[bool, bool, str]:
    """(available, saved, message) from one keyring read: the settings page needs all three,
    and each read may reach the Secret Service over D-Bus (or prompt to unlock it)."""
    backend = keyring.get_keyring()
    if not _usable(backend):
        return False, False, NO_KEYRING_MESSAGE
    try:
        # A read reaches the Secret Service, so a locked or absent collection shows up here.
        token = backend.get_password(SERVICE, USERNAME)
    except Exception as exc:  # backends leak their own D-Bus errors, not only KeyringError
        log.info("The keyring %s is not usable: %s", _name(backend), type(exc).__name__)
        return False, False, NO_KEYRING_MESSAGE
    return True, bool(token), f"The token is kept in the system keyring ({_name(backend)})."


def save_token(token: str) -> None:
    token = token.strip()
    if not token:
        raise ValueError("The token is empty.")
    backend = _backend_or_raise()
    try:
        backend.set_password(SERVICE, USERNAME, token)
    except Exception as exc:
        # Only the error's type: some backends echo what they were given.
        log.info("Saving the token failed: %s", type(exc).__name__)
        raise KeyringUnavailableError(NO_KEYRING_MESSAGE) from None


def load_token() -> str | None:
    """The stored token, or None when there is none or no keyring; never raises."""
    try:
        # Choosing the backend reads keyring's config and imports backends, which can fail too.
        backend = keyring.get_keyring()
        if not _usable(backend):
            return None
        token = backend.get_password(SERVICE, USERNAME)
    except Exception as exc:
        log.info("Reading the token failed: %s", type(exc).__name__)
        return None
    return token or None


def delete_token() -> None:
    """Removes the stored token; no token stored is not an error."""
    backend = _backend_or_raise()
    try:
        if backend.get_password(SERVICE, USERNAME) is not None:
            backend.delete_password(SERVICE, USERNAME)
    except keyring.errors.PasswordDeleteError:
        pass
    except Exception as exc:
        log.info("Deleting the token failed: %s", type(exc).__name__)
        raise KeyringUnavailableError(NO_KEYRING_MESSAGE) from None


def token_for_hub() -> str | None:
    """What every download (GUI and CLI) sends: HF_TOKEN from the environment, else the stored
    token; None when neither is there. HF_TOKEN wins, as in `huggingface_hub`, so a token set
    for one session or one command overrides the saved one. Never raises."""
    return os.environ.get(TOKEN_ENV) or load_token() or None


def _backend_or_raise() -> keyring.backend.KeyringBackend:
    backend = keyring.get_keyring()
    if not _usable(backend):
        raise KeyringUnavailableError(NO_KEYRING_MESSAGE)
    return backend


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    # keyring.backends.null.Keyring "stores" nothing; it would lose the token silently.
    return type(backend).__module__ != "keyring.backends.null"


def _name(backend: keyring.backend.KeyringBackend) -> str:
    return str(getattr(backend, "name", type(backend).__name__))
