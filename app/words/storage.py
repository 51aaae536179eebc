"""Chat-database errors, the disk-space warning and refused history files in the person's
language.

The store and the history importer report codes with parameters (`StorageError.code/params`,
`StorageNote`, `HistoryFormatError.code/params`); this module turns them into sentences through
`QCoreApplication.translate("StorageWords", ...)`, each with a literal string so lupdate finds
it. The English sources say what the store's own English says (what the CLI prints).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication

from app.core.exporting import HistoryCode, HistoryFormatError
from app.core.storage_errors import StorageCode, StorageError, StorageNote
from engine.sizes import format_size

Params = Mapping[str, str | int]


def storage_error_text(error: StorageError) -> str:
    """A chat-database error as a sentence; one without a code keeps its English."""
    params = error.params
    code = error.code
    if code == StorageCode.UPGRADE_FAILED:
        return _upgrade_failed(params, storage_error_text(error.cause) if error.cause else "")
    if code in (StorageCode.OPEN_FAILED, StorageCode.DAMAGED, StorageCode.TOO_NEW):
        return _opening_text(code, params)
    text = _saving_text(code, params)
    return text if text is not None else str(error)


def disk_warning_text(note: StorageNote) -> str:
    """The disk-space warning as a sentence."""
    free = _size(note.params, "free")
    if note.code == StorageCode.DISK_ALMOST_FULL:
        return QCoreApplication.translate(
            "StorageWords",
            "The disk is almost full ({free} free): new messages cannot be saved until you free "
            "up some space.",
        ).format(free=free)
    if note.code == StorageCode.DISK_FILLING_UP:
        return QCoreApplication.translate(
            "StorageWords",
            "The disk that holds your chats is almost full ({free} free). Free up some space "
            "soon: below {needed} new messages cannot be saved.",
        ).format(free=free, needed=_size(note.params, "needed"))
    return note.english


def reason_text(error: Exception) -> str:
    """Why an import or export of chats failed: a storage error, a refused file, or the OS's
    own words (which it gives in the system's language)."""
    if isinstance(error, StorageError):
        return storage_error_text(error)
    if isinstance(error, HistoryFormatError):
        return history_error_text(error)
    if isinstance(error, OSError) and error.strerror and error.filename:
        return f"{error.filename}: {error.strerror}"
    return str(error)


def _text(params: Params, key: str) -> str:
    return str(params.get(key, ""))


def _size(params: Params, key: str) -> str:
    value = params.get(key, 0)
    return format_size(value if isinstance(value, int) else 0)


def _opening_text(code: StorageCode, params: Params) -> str:
    if code == StorageCode.OPEN_FAILED:
        return QCoreApplication.translate(
            "StorageWords", "Could not open the chat database {path} ({reason})."
        ).format(path=_text(params, "path"), reason=_text(params, "reason"))
    if code == StorageCode.DAMAGED:
        return QCoreApplication.translate(
            "StorageWords", "{path} is not a MiniCPM Chat database or is damaged ({reason})."
        ).format(path=_text(params, "path"), reason=_text(params, "reason"))
    return QCoreApplication.translate(
        "StorageWords",
        "{path} was saved by a newer version of MiniCPM Chat (database version {version}, this "
        "app knows up to {known}). Update the app; the file was not changed.",
    ).format(
        path=_text(params, "path"), version=_text(params, "version"), known=_text(params, "known")
    )


def _upgrade_failed(params: Params, reason: str) -> str:
    version = _text(params, "version")
    if _text(params, "backup"):
        return QCoreApplication.translate(
            "StorageWords",
            "Upgrading the chat database to version {version} failed: {reason} A copy from "
            "before the upgrade is in {backup}.",
        ).format(version=version, reason=reason, backup=_text(params, "backup"))
    return QCoreApplication.translate(
        "StorageWords", "Upgrading the chat database to version {version} failed: {reason}"
    ).format(version=version, reason=reason)


def _saving_text(code: StorageCode, params: Params) -> str | None:
    if code == StorageCode.BACKUP_FAILED:
        return QCoreApplication.translate(
            "StorageWords",
            "Could not back up the chat database before upgrading it ({reason}); nothing was "
            "changed.",
        ).format(reason=_text(params, "reason"))
    if code == StorageCode.LOW_DISK:
        return QCoreApplication.translate(
            "StorageWords",
            "The disk is almost full ({free} free in {folder}), so the chat was not saved. Free "
            "up some space: saving needs at least {needed}.",
        ).format(
            free=_size(params, "free"),
            folder=_text(params, "folder"),
            needed=_size(params, "needed"),
        )
    if code == StorageCode.DISK_FULL:
        return QCoreApplication.translate(
            "StorageWords",
            "The disk is full, so the chat was not saved (nothing was half-saved). Free up some "
            "disk space and try again.",
        )
    if code == StorageCode.BUSY:
        return QCoreApplication.translate(
            "StorageWords",
            "The chat database is busy (is MiniCPM Chat running twice?); nothing was saved.",
        )
    if code == StorageCode.READ_ONLY:
        return QCoreApplication.translate(
            "StorageWords", "The chat database is read-only, so nothing can be saved."
        )
    if code == StorageCode.SAVE_FAILED:
        return QCoreApplication.translate(
            "StorageWords", "The chat could not be saved ({reason})."
        ).format(reason=_text(params, "reason"))
    return None


# -- refused history files ----------------------------------------------------------------------


def history_error_text(error: HistoryFormatError) -> str:
    """Why a history file was refused, naming the bad spot."""
    text = _file_text(error.code, error.params) or _field_text(error.code, error.params)
    if text is None:
        return str(error)
    where = _where_text(error.params)
    if not where:
        return text
    return QCoreApplication.translate("StorageWords", "{where}: {problem}").format(
        where=where, problem=text
    )


def _where_text(params: Params) -> str:
    chat, message = params.get("conversation", 0), params.get("message", 0)
    if not chat:
        return ""
    if message:
        return QCoreApplication.translate(
            "StorageWords", "conversation {conversation}, message {message}"
        ).format(conversation=chat, message=message)
    return QCoreApplication.translate("StorageWords", "conversation {conversation}").format(
        conversation=chat
    )


def _file_text(code: HistoryCode, params: Params) -> str | None:
    """The file as a whole (no bad spot to name)."""
    if code == HistoryCode.NOT_AN_EXPORT:
        return QCoreApplication.translate(
            "StorageWords", "not a MiniCPM Chat history export (expected format '{format}')"
        ).format(format=_text(params, "format"))
    if code == HistoryCode.NO_VERSION:
        return QCoreApplication.translate("StorageWords", "the export has no valid version number")
    if code == HistoryCode.NEWER_EXPORT:
        return QCoreApplication.translate(
            "StorageWords",
            "the export is version {version}, made by a newer MiniCPM Chat; update the app",
        ).format(version=_text(params, "version"))
    if code == HistoryCode.CONVERSATIONS_NOT_LIST:
        return QCoreApplication.translate("StorageWords", "'conversations' must be a list")
    if code == HistoryCode.NOT_UTF8:
        return QCoreApplication.translate("StorageWords", "{file} is not a UTF-8 text file").format(
            file=_text(params, "file")
        )
    if code == HistoryCode.TOO_DEEP:
        return QCoreApplication.translate(
            "StorageWords",
            "{file} nests lists or objects more than {depth} levels deep; a chat history export "
            "never does",
        ).format(file=_text(params, "file"), depth=_text(params, "depth"))
    if code == HistoryCode.NOT_JSON:
        return QCoreApplication.translate(
            "StorageWords", "{file} is not valid JSON ({reason})"
        ).format(file=_text(params, "file"), reason=_text(params, "reason"))
    return None


def _field_text(code: HistoryCode, params: Params) -> str | None:
    """One chat or message (the caller names which)."""
    key = _text(params, "key")
    if code == HistoryCode.NOT_AN_OBJECT:
        return QCoreApplication.translate("StorageWords", "must be an object")
    if code == HistoryCode.MESSAGES_NOT_LIST:
        return QCoreApplication.translate("StorageWords", "'messages' must be a list")
    if code == HistoryCode.UNKNOWN_ROLE:
        return QCoreApplication.translate("StorageWords", "unknown role '{role}'").format(
            role=_text(params, "role")
        )
    if code == HistoryCode.FIELD_MISSING:
        return QCoreApplication.translate("StorageWords", "'{key}' is missing").format(key=key)
    if code == HistoryCode.FIELD_WRONG_TYPE:
        return QCoreApplication.translate("StorageWords", "'{key}' must be of type {type}").format(
            key=key, type=_text(params, "type")
        )
    if code == HistoryCode.NOT_A_NUMBER:
        return QCoreApplication.translate("StorageWords", "'{key}' must be a number").format(
            key=key
        )
    if code == HistoryCode.LONE_SURROGATE:
        return QCoreApplication.translate(
            "StorageWords",
            "'{key}' is not valid Unicode text (it holds a lone surrogate, a broken \\uXXXX "
            "escape)",
        ).format(key=key)
    if code == HistoryCode.DUPLICATE_ID:
        return QCoreApplication.translate("StorageWords", "two messages share an id")
    if code == HistoryCode.UNKNOWN_PARENT:
        return QCoreApplication.translate(
            "StorageWords", "message {id} has an unknown parent"
        ).format(id=_text(params, "id"))
    if code == HistoryCode.PARENT_LOOP:
        return QCoreApplication.translate("StorageWords", "the parent links form a loop")
    return None
