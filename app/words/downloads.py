"""Download errors and progress notes in the person's language.

The downloader reports what went wrong, and what it did on its own (a failover, a file started
over), as codes with parameters (`app.core.models.errors.Sentence`); this module turns them into
sentences through `QCoreApplication.translate("DownloadWords", ...)`, each with a literal string
so lupdate finds it. The English sources say what the downloader's own English says (what the
CLI prints), with source names spelled for people ("Hugging Face" rather than "hf").
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from app.core.models.errors import DownloadCode, DownloadError, Sentence
from engine.sizes import format_size


def error_text(error: DownloadError) -> str:
    """A download error as a sentence in the person's language."""
    return sentence_text(error.sentence)


def sentence_text(sentence: Sentence) -> str:
    """Any download sentence (error or note); one without a code of its own keeps its English
    (the CLI's own checks; a model-store refusal, which has no code yet)."""
    maker = _MAKERS.get(sentence.code)
    return maker(sentence) if maker else sentence.english


def source_text(name: str) -> str:
    """A source's name as people say it; "" is whichever server answered."""
    if name == "hf":
        return QCoreApplication.translate("DownloadWords", "Hugging Face")
    if name == "mirror":
        return QCoreApplication.translate("DownloadWords", "the mirror")
    if name == "modelscope":
        return QCoreApplication.translate("DownloadWords", "ModelScope")
    if not name:
        return QCoreApplication.translate("DownloadWords", "the server")
    return name


def host_text(host: str) -> str:
    """A host's address; "" is the Hugging Face Hub itself."""
    return host or QCoreApplication.translate("DownloadWords", "the Hugging Face Hub")


def _text(sentence: Sentence, key: str) -> str:
    return str(sentence.params.get(key, ""))


def _size(sentence: Sentence, key: str) -> str:
    value = sentence.params.get(key, 0)
    return format_size(value if isinstance(value, int) else 0)


def _first_cause(sentence: Sentence) -> str:
    return sentence_text(sentence.causes[0][1]) if sentence.causes else ""


# -- the repository and its listing ------------------------------------------------------------


def _invalid_repo_id(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "'{repo}' is not a valid Hugging Face repository id."
    ).format(repo=_text(s, "repo"))


def _not_a_repo_id(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "'{repo}' is not a repository id (owner/name)."
    ).format(repo=_text(s, "repo"))


def _unreachable(s: Sentence) -> str:
    return QCoreApplication.translate("DownloadWords", "Cannot reach {host}: {reason}").format(
        host=host_text(_text(s, "host")), reason=_text(s, "reason")
    )


def _token_needed(s: Sentence) -> str:
    if _text(s, "site") == "modelscope":
        text = QCoreApplication.translate(
            "DownloadWords",
            "The repository {repo} needs a ModelScope token (it is private or does not exist).",
        )
    else:
        text = QCoreApplication.translate(
            "DownloadWords",
            "The repository {repo} needs a Hugging Face token (it is private or gated, or does "
            "not exist). Add a token in Settings and try again.",
        )
    return text.format(repo=_text(s, "repo"))


def _token_refused(s: Sentence) -> str:
    if _text(s, "site") == "modelscope":
        text = QCoreApplication.translate(
            "DownloadWords",
            "The repository {repo} was refused with this ModelScope token. Check the token.",
        )
    else:
        text = QCoreApplication.translate(
            "DownloadWords",
            "The repository {repo} was refused with this token. Check the token, and accept the "
            "model's license on its Hub page if it is gated.",
        )
    return text.format(repo=_text(s, "repo"))


def _repo_not_found(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "Not found on {host}: the repository {repo}. Check the name."
    ).format(host=host_text(_text(s, "host")), repo=_text(s, "repo"))


def _repo_http_status(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "{host} answered HTTP {status} for the repository {repo}."
    ).format(host=host_text(_text(s, "host")), status=_text(s, "status"), repo=_text(s, "repo"))


def _unexpected_listing(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "{host} sent an unexpected file list for the repository {repo}."
    ).format(host=host_text(_text(s, "host")), repo=_text(s, "repo"))


def _unsafe_file_name(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "The repository lists an unsafe file name: {file}."
    ).format(file=_text(s, "file"))


def _empty_repo(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "The repository {repo} has no files."
    ).format(repo=_text(s, "repo"))


def _no_such_file(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "The repository {repo} has no file named {file}."
    ).format(repo=_text(s, "repo"), file=_text(s, "file"))


def _source_lacks_file(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "{source} has no file {file} in {repo}."
    ).format(source=source_text(_text(s, "source")), file=_text(s, "file"), repo=_text(s, "repo"))


# -- one file's transfer -----------------------------------------------------------------------


def _file_refused(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "{source} refused {file} (HTTP {status})."
    ).format(
        source=source_text(_text(s, "source")), file=_text(s, "file"), status=_text(s, "status")
    )


def _file_not_found(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "Not found on {source}: {file}. Check the name."
    ).format(source=source_text(_text(s, "source")), file=_text(s, "file"))


def _file_http_status(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "{source} answered HTTP {status} for {file}."
    ).format(
        source=source_text(_text(s, "source")), status=_text(s, "status"), file=_text(s, "file")
    )


def _transfer_failed(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "Cannot download {file} from {source}: {reason}"
    ).format(
        file=_text(s, "file"), source=source_text(_text(s, "source")), reason=_text(s, "reason")
    )


def _retries_exhausted(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords",
        "Downloading {file} from {source} failed {failures} times in a row ({reason}). The "
        "partial file is kept: run the download again to resume.",
    ).format(
        file=_text(s, "file"),
        source=source_text(_text(s, "source")),
        failures=_text(s, "failures"),
        reason=_first_cause(s),
    )


def _stalled(s: Sentence) -> str:
    return QCoreApplication.translate("DownloadWords", "no data for {seconds} s").format(
        seconds=_text(s, "seconds")
    )


def _connection_lost(s: Sentence) -> str:
    return QCoreApplication.translate("DownloadWords", "connection lost: {reason}").format(
        reason=_text(s, "reason")
    )


def _retryable_status(s: Sentence) -> str:
    return QCoreApplication.translate("DownloadWords", "HTTP {status}").format(
        status=_text(s, "status")
    )


def _hash_mismatch(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords",
        "{file} is corrupt: its checksum does not match the Hub's ({got}… instead of "
        "{expected}…). The partial file was deleted; download it again.",
    ).format(file=_text(s, "file"), got=_text(s, "got"), expected=_text(s, "expected"))


def _not_enough_space(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords",
        "Not enough disk space in {folder}: the download needs {needed} more and {free} is "
        "free, and the app keeps {reserve} free for your chats and settings. Free at least "
        "{short} and try again.",
    ).format(
        folder=_text(s, "folder"),
        needed=_size(s, "needed"),
        free=_size(s, "free"),
        reserve=_size(s, "reserve"),
        short=_size(s, "short"),
    )


def _disk_full(_: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords",
        "The disk filled up during the download. The partial file is kept: free some space and "
        "run the download again to resume.",
    )


def _offline(s: Sentence) -> str:
    if _text(s, "variable"):
        return QCoreApplication.translate(
            "DownloadWords",
            "Offline mode is on, so nothing is downloaded. Turn it off in Settings (or unset "
            "{variable}) to download models.",
        ).format(variable=_text(s, "variable"))
    return QCoreApplication.translate(
        "DownloadWords",
        "Offline mode is on, so nothing is downloaded. Turn it off in Settings to download models.",
    )


def _cancelled(_: Sentence) -> str:
    return QCoreApplication.translate("DownloadWords", "Download cancelled.")


def _paused(_: Sentence) -> str:
    return QCoreApplication.translate("DownloadWords", "Download paused; run it again to resume.")


def _all_failed(s: Sentence) -> str:
    details = " ".join(
        QCoreApplication.translate("DownloadWords", "[{source}] {reason}").format(
            source=source_text(name), reason=sentence_text(cause)
        )
        for name, cause in s.causes
    )
    return QCoreApplication.translate(
        "DownloadWords", "Every download source failed. {details}"
    ).format(details=details)


# -- the settings' sources, notes, the last resort ---------------------------------------------


def _unknown_source(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "Unknown source '{name}'; use {known}."
    ).format(name=_text(s, "name"), known=_text(s, "known"))


def _mirror_needs_endpoint(_: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "The 'mirror' source needs the mirror's address (a Hub endpoint)."
    )


def _only_modelscope(_: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords",
        "This model is not on ModelScope, the only download source in Settings. Add Hugging "
        "Face or a mirror there.",
    )


def _switched_source(s: Sentence) -> str:
    return QCoreApplication.translate(
        "DownloadWords", "{source} failed ({reason}). Switching to {next}."
    ).format(
        source=source_text(_text(s, "source")),
        reason=_first_cause(s),
        next=source_text(_text(s, "next")),
    )


def _started_over(s: Sentence) -> str:
    new = _text(s, "sha256") or QCoreApplication.translate("DownloadWords", "unknown")
    old = _text(s, "held_sha256") or QCoreApplication.translate("DownloadWords", "unknown")
    names = {"source": source_text(_text(s, "source")), "file": _text(s, "file")}
    if _text(s, "before"):
        text = QCoreApplication.translate(
            "DownloadWords",
            "{source} has a different {file} than {before} (SHA-256 {new} vs {old}): starting "
            "this file over rather than mixing bytes of two files.",
        )
        return text.format(before=source_text(_text(s, "before")), new=new, old=old, **names)
    text = QCoreApplication.translate(
        "DownloadWords",
        "{source} has a different {file} than before (SHA-256 {new} vs {old}): starting this "
        "file over rather than mixing bytes of two files.",
    )
    return text.format(new=new, old=old, **names)


def _unexpected(s: Sentence) -> str:
    return QCoreApplication.translate("DownloadWords", "Unexpected error: {error}").format(
        error=_text(s, "error")
    )


_MAKERS: dict[DownloadCode, Callable[[Sentence], str]] = {
    DownloadCode.INVALID_REPO_ID: _invalid_repo_id,
    DownloadCode.NOT_A_REPO_ID: _not_a_repo_id,
    DownloadCode.UNREACHABLE: _unreachable,
    DownloadCode.TOKEN_NEEDED: _token_needed,
    DownloadCode.TOKEN_REFUSED: _token_refused,
    DownloadCode.REPO_NOT_FOUND: _repo_not_found,
    DownloadCode.REPO_HTTP_STATUS: _repo_http_status,
    DownloadCode.UNEXPECTED_LISTING: _unexpected_listing,
    DownloadCode.UNSAFE_FILE_NAME: _unsafe_file_name,
    DownloadCode.EMPTY_REPO: _empty_repo,
    DownloadCode.NO_SUCH_FILE: _no_such_file,
    DownloadCode.SOURCE_LACKS_FILE: _source_lacks_file,
    DownloadCode.FILE_REFUSED: _file_refused,
    DownloadCode.FILE_NOT_FOUND: _file_not_found,
    DownloadCode.FILE_HTTP_STATUS: _file_http_status,
    DownloadCode.TRANSFER_FAILED: _transfer_failed,
    DownloadCode.RETRIES_EXHAUSTED: _retries_exhausted,
    DownloadCode.STALLED: _stalled,
    DownloadCode.CONNECTION_LOST: _connection_lost,
    DownloadCode.RETRYABLE_STATUS: _retryable_status,
    DownloadCode.HASH_MISMATCH: _hash_mismatch,
    DownloadCode.NOT_ENOUGH_SPACE: _not_enough_space,
    DownloadCode.DISK_FULL: _disk_full,
    DownloadCode.OFFLINE: _offline,
    DownloadCode.CANCELLED: _cancelled,
    DownloadCode.PAUSED: _paused,
    DownloadCode.ALL_FAILED: _all_failed,
    DownloadCode.UNKNOWN_SOURCE: _unknown_source,
    DownloadCode.MIRROR_NEEDS_ENDPOINT: _mirror_needs_endpoint,
    DownloadCode.ONLY_MODELSCOPE: _only_modelscope,
    DownloadCode.SWITCHED_SOURCE: _switched_source,
    DownloadCode.STARTED_OVER: _started_over,
    DownloadCode.UNEXPECTED: _unexpected,
}
