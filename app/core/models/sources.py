"""The places a model is downloaded from: the Hugging Face Hub, a mirror of it, ModelScope.

A `Source` knows one site's API: how to list a repo's files (sizes and SHA-256) and the URL of
one file. Hugging Face and its mirrors go through huggingface_hub for the metadata; ModelScope
through its `/api/v1/models/...` HTTP API. A listing that is not what the site's API promises
(wrong types, negative sizes, a checksum that is not hex, an unsafe file name) is refused with a
`DownloadError`, never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx2
from huggingface_hub import HfApi, hf_hub_url
from huggingface_hub.errors import HfHubHTTPError, HFValidationError

from app.core.models.errors import AuthRequiredError, DownloadCode, DownloadError, NotFoundError
from app.core.models.layout import check_relative

MODELSCOPE_ENDPOINT = "https://www.modelscope.cn"
API_TIMEOUT_S = 30.0
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
SHA1_HEX = re.compile(r"[0-9a-fA-F]{40}")


@dataclass(frozen=True)
class RemoteFile:
    path: str  # relative to the repo root
    size: int
    sha256: str | None  # LFS files (every file on ModelScope)
    git_sha1: str | None  # small files kept in git: the blob id is a SHA-1 of the content
    url: str
    source: str = ""  # the name of the source that listed it


class Source(Protocol):
    """One place to download from. `name` keys the per-source repo ids and shows in progress."""

    @property
    def name(self) -> str: ...

    @property
    def endpoint(self) -> str: ...

    def list_files(self, repo_id: str) -> list[RemoteFile]:
        """Every file of the repo with size and checksum; raises `DownloadError`."""
        ...

    def url_for(self, repo_id: str, path: str) -> tuple[str, dict[str, str]]:
        """The URL of one file and the headers (auth) to send with it."""
        ...


class HuggingFaceSource:
    """The Hugging Face Hub, or a mirror of it when `endpoint` is given (same protocol)."""

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        token: str | None = None,
        revision: str = "main",
        name: str | None = None,
    ) -> None:
        self._endpoint = endpoint.rstrip("/") if endpoint else None
        self.token = token
        self.revision = revision
        self._name = name or ("mirror" if endpoint else "hf")

    @property
    def name(self) -> str:
        return self._name

    @property
    def endpoint(self) -> str:
        return self._endpoint or "https://huggingface.co"

    def list_files(self, repo_id: str) -> list[RemoteFile]:
        # token=False: never fall back to a token huggingface_hub finds on disk or in env.
        api = HfApi(endpoint=self._endpoint, token=self.token or False)
        host = self._endpoint or ""  # "": the Hugging Face Hub itself
        try:
            info = api.model_info(repo_id, revision=self.revision, files_metadata=True)
        except HFValidationError as exc:  # before any connection: the id has a bad character
            raise DownloadError(
                f"'{repo_id}' is not a valid Hugging Face repository id.",
                DownloadCode.INVALID_REPO_ID,
                {"repo": repo_id},
            ) from exc
        except HfHubHTTPError as exc:
            status = exc.response.status_code
            raise listing_http_error(status, host, repo_id, "hf", bool(self.token)) from exc
        except (httpx2.TransportError, httpx2.InvalidURL) as exc:
            raise unreachable(host, exc) from exc
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            # huggingface_hub builds its ModelInfo from whatever JSON came back.
            raise unexpected_listing(host, repo_id) from exc
        try:
            return [self._remote(repo_id, s) for s in info.siblings or [] if s.rfilename]
        except (ValueError, TypeError, AttributeError) as exc:
            raise unexpected_listing(host, repo_id) from exc

    def url_for(self, repo_id: str, path: str) -> tuple[str, dict[str, str]]:
        url = hf_hub_url(repo_id, path, revision=self.revision, endpoint=self._endpoint)
        return url, bearer(self.token)

    def _remote(self, repo_id: str, sibling: Any) -> RemoteFile:
        """One listed file; ValueError / TypeError when the listing says something impossible."""
        path = _listed_path(sibling.rfilename)
        lfs = sibling.lfs
        return RemoteFile(
            path=path,
            size=_listed_size(lfs.size if lfs else sibling.size or 0),
            sha256=_listed_digest(lfs.sha256, SHA256_HEX) if lfs else None,
            git_sha1=None if lfs else _listed_digest(sibling.blob_id, SHA1_HEX),
            url=self.url_for(repo_id, path)[0],
            source=self.name,
        )


class ModelScopeSource:
    """ModelScope (modelscope.cn), through the HTTP API its own SDK uses.

    Listing: `GET /api/v1/models/{id}/repo/files?Revision=master&Recursive=true`, answering
    `{"Code": 200, "Data": {"Files": [{"Path", "Name", "Size", "Sha256", "Type"}...]}}` where
    `Type` is "blob" for a file and "tree" for a folder. One file:
    `GET /api/v1/models/{id}/repo?Revision=master&FilePath={path}` (Range is honoured).
    """

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        token: str | None = None,
        revision: str = "master",
        name: str = "modelscope",
    ) -> None:
        self._endpoint = (endpoint or MODELSCOPE_ENDPOINT).rstrip("/")
        self.token = token
        self.revision = revision
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def list_files(self, repo_id: str) -> list[RemoteFile]:
        url = f"{self._endpoint}/api/v1/models/{quote(repo_id)}/repo/files"
        params = {"Revision": self.revision, "Recursive": "true"}
        timeout = httpx2.Timeout(API_TIMEOUT_S, connect=15.0)
        try:
            with httpx2.Client(timeout=timeout, follow_redirects=True) as client:
                response = client.get(url, params=params, headers=bearer(self.token))
        except (httpx2.TransportError, httpx2.InvalidURL) as exc:
            raise unreachable(self._endpoint, exc) from exc
        if response.status_code != 200:
            status = response.status_code
            raise listing_http_error(
                status, self._endpoint, repo_id, "modelscope", bool(self.token)
            )
        try:
            body = response.json()
        # Not JSON, absurdly nested JSON, or a body compressed in a way that cannot be undone.
        except (ValueError, RecursionError, httpx2.DecodingError) as exc:
            raise unexpected_listing(self._endpoint, repo_id) from exc
        return self.parse_listing(repo_id, body)

    def parse_listing(self, repo_id: str, body: object) -> list[RemoteFile]:
        """The files of a listing's JSON body; `DownloadError` for anything but the documented
        shape (any other value, of any type, is refused rather than guessed at)."""
        try:
            code = body.get("Code", 200) if isinstance(body, dict) else None
            files = body["Data"]["Files"] if code == 200 else None  # type: ignore[index]
        except (KeyError, TypeError):
            files = None
        if not isinstance(files, list):
            raise unexpected_listing(self._endpoint, repo_id)
        try:
            return [self._remote(repo_id, f) for f in files if f.get("Type", "blob") == "blob"]
        except (ValueError, TypeError, AttributeError) as exc:
            raise unexpected_listing(self._endpoint, repo_id) from exc

    def url_for(self, repo_id: str, path: str) -> tuple[str, dict[str, str]]:
        query = f"Revision={quote(self.revision, safe='')}&FilePath={quote(path, safe='')}"
        return f"{self._endpoint}/api/v1/models/{quote(repo_id)}/repo?{query}", bearer(self.token)

    def _remote(self, repo_id: str, entry: dict[str, Any]) -> RemoteFile:
        """One listed file; ValueError / TypeError when the listing says something impossible."""
        path = _listed_path(entry.get("Path") or entry.get("Name") or "")
        sha256 = _listed_digest(entry.get("Sha256") or None, SHA256_HEX)
        return RemoteFile(
            path=path,
            size=_listed_size(entry.get("Size") or 0),
            sha256=sha256.lower() if sha256 else None,
            git_sha1=None,
            url=self.url_for(repo_id, path)[0],
            source=self.name,
        )


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def host_name(host: str) -> str:
    """The English name of a host param ("" is the Hugging Face Hub itself)."""
    return host or "the Hugging Face Hub"


def unreachable(host: str, exc: Exception) -> DownloadError:
    return DownloadError(
        f"Cannot reach {host_name(host)}: {exc}",
        DownloadCode.UNREACHABLE,
        {"host": host, "reason": str(exc)},
    )


def listing_http_error(
    status: int, host: str, repo_id: str, site: str, has_token: bool
) -> DownloadError:
    """A listing answered `status`: refused (which token advice depends on the site), not
    found, or another HTTP error."""
    what = f"the repository {repo_id}"
    params: dict[str, str | int] = {"host": host, "repo": repo_id, "site": site, "status": status}
    if status in (401, 403):
        # The Hub says 401 for a private, gated or missing repo without a token.
        needed = not has_token and (status == 401 or site == "modelscope")
        code = DownloadCode.TOKEN_NEEDED if needed else DownloadCode.TOKEN_REFUSED
        return AuthRequiredError(f"{what} {_AUTH_ENGLISH[site, needed]}", code, params)
    if status == 404:
        return NotFoundError(
            f"Not found on {host_name(host)}: {what}. Check the name.",
            DownloadCode.REPO_NOT_FOUND,
            params,
        )
    return DownloadError(
        f"{host_name(host)} answered HTTP {status} for {what}.",
        DownloadCode.REPO_HTTP_STATUS,
        params,
    )


_AUTH_ENGLISH = {
    ("hf", True): (
        "needs a Hugging Face token (the repository is private or gated, or does not "
        "exist). Add a token in Settings and try again."
    ),
    ("hf", False): (
        "was refused with this token. Check the token, and accept the model's license on "
        "its Hub page if it is gated."
    ),
    ("modelscope", True): (
        "needs a ModelScope token (the repository is private or does not exist)."
    ),
    ("modelscope", False): "was refused with this ModelScope token. Check the token.",
}


def unexpected_listing(host: str, repo_id: str) -> DownloadError:
    return DownloadError(
        f"{host_name(host)} sent an unexpected file list for the repository {repo_id}.",
        DownloadCode.UNEXPECTED_LISTING,
        {"host": host, "repo": repo_id},
    )


def _listed_path(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"a file name must be text, not {type(value).__name__}")
    check_relative(value)
    return value


def _listed_size(value: object) -> int:
    # An integer, a float that is one (1e3) or a string of digits; never a bool or NaN.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)  # ValueError past 4300 digits
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"a size must be a number, not {type(value).__name__}")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"a size must be a whole number of bytes, not {value!r}")
    size = int(value)
    if size < 0:
        raise ValueError(f"a size cannot be negative ({size})")
    return size


def _listed_digest(value: object, pattern: re.Pattern[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{value!r} is not a checksum")
    return value
