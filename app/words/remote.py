"""A remote server's errors (the REMOTE_* codes of engine.errors) in the person's language.

Each sentence names the server's address (`params["url"]`) and says what to do; where the
server gave its own words (`params["detail"]`), they follow in brackets, untranslated (no
translation knows a server's words).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication

from engine.errors import EngineError, ErrorCode, Problem

REMOTE_CODES = frozenset(
    {
        ErrorCode.REMOTE_UNREACHABLE,
        ErrorCode.REMOTE_TLS,
        ErrorCode.REMOTE_TIMEOUT,
        ErrorCode.REMOTE_AUTH,
        ErrorCode.REMOTE_MODEL_NOT_FOUND,
        ErrorCode.REMOTE_BUSY,
        ErrorCode.REMOTE_SERVER,
        ErrorCode.REMOTE_REFUSED,
        ErrorCode.REMOTE_INTERRUPTED,
    }
)
# Codes whose detail adds nothing a person can act on (the sentence says it all).
_NO_DETAIL = frozenset({ErrorCode.REMOTE_TIMEOUT, ErrorCode.REMOTE_BUSY})


def host_text(url: object) -> str:
    """The host (and port) of a server's address; "the server" when there is none."""
    if isinstance(url, str) and url:
        return urlsplit(url).netloc or url
    return QCoreApplication.translate("RemoteWords", "the server")


def remote_error_text(error: EngineError | Problem) -> str:
    """One REMOTE_* error as a sentence, with the server's own words after it."""
    sentence = _sentence(error)
    if not error.params.get("url"):  # "the server …" begins a sentence; a host name stays
        sentence = sentence[:1].upper() + sentence[1:]
    detail = error.params.get("detail")
    if error.code in _NO_DETAIL or not isinstance(detail, str) or not detail.strip():
        return sentence
    return QCoreApplication.translate("RemoteWords", "{sentence} ({detail})").format(
        sentence=sentence, detail=detail.strip().rstrip(".")
    )


def _sentence(error: EngineError | Problem) -> str:
    code = error.code
    host = host_text(error.params.get("url"))
    status = error.params.get("status", "")
    if code == ErrorCode.REMOTE_UNREACHABLE:
        text = QCoreApplication.translate(
            "RemoteWords",
            "Could not connect to {host}. Is the server running, and is the address right?",
        )
    elif code == ErrorCode.REMOTE_TLS:
        text = QCoreApplication.translate(
            "RemoteWords",
            "The secure connection to {host} failed. Check whether the address starts with "
            "http or https, and the server's certificate.",
        )
    elif code == ErrorCode.REMOTE_TIMEOUT:
        text = QCoreApplication.translate(
            "RemoteWords",
            "{host} did not answer within the read timeout; thinking models can take "
            "minutes: raise it in Settings → Servers.",
        )
    elif code == ErrorCode.REMOTE_AUTH:
        text = QCoreApplication.translate(
            "RemoteWords", "{host} refused the API key. Check the key in Settings → Servers."
        )
    elif code == ErrorCode.REMOTE_MODEL_NOT_FOUND:
        text = _not_found_text(error)
    elif code == ErrorCode.REMOTE_BUSY:
        text = QCoreApplication.translate(
            "RemoteWords", "{host} is busy (too many requests). Try again in a moment."
        )
    elif code == ErrorCode.REMOTE_SERVER and status:
        text = QCoreApplication.translate("RemoteWords", "{host} failed with error {status}.")
    elif code == ErrorCode.REMOTE_SERVER:
        text = QCoreApplication.translate("RemoteWords", "{host} reported an error.")
    elif code == ErrorCode.REMOTE_REFUSED:
        text = QCoreApplication.translate(
            "RemoteWords", "{host} refused the request (error {status})."
        )
    else:
        text = QCoreApplication.translate(
            "RemoteWords",
            "The answer from {host} stopped before it was finished. Regenerate to try again.",
        )
    return text.format(host=host, status=status, model=error.params.get("model", ""))


def _not_found_text(error: EngineError | Problem) -> str:
    if error.params.get("model"):
        return QCoreApplication.translate(
            "RemoteWords",
            "{host} does not serve the model {model}. Pick another one in Settings → Model.",
        )
    return QCoreApplication.translate(
        "RemoteWords",
        "{host} has no such model or address. Check the address in Settings → Servers "
        "(it usually ends in /v1).",
    )
