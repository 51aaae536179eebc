"""The failover policy: which source a job uses, and when it moves on to the next one.

- dropped / stalled connection, HTTP 5xx or 429: retried on the same source; after
  `failover_retries` such failures in a row the next source takes over (the last source gets
  `max_retries`).
- 401 / 403 / 404, a failed listing, a hash mismatch: the next source at once; raised when none
  is left (one source: its own error; several: `all_failed` names each).
- offline, disk full, cancel and pause are never failed over: no other source would help.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from app.core.models.errors import DownloadCode, DownloadError, Sentence
from app.core.models.layout import split_repo
from app.core.models.progress import Progress, ProgressCallback
from app.core.models.sources import RemoteFile, Source


class Failover:
    """The ordered sources of one job: which one is in use, their listings, their failures.

    Moving on is sticky for the rest of the job: a source that failed once is not asked again.
    """

    def __init__(
        self,
        sources: Sequence[Source],
        repo_id: str,
        repo_ids: Mapping[str, str] | None,
        on_progress: ProgressCallback | None,
    ) -> None:
        split_repo(repo_id)
        self.sources = list(sources)
        self.repo_id = repo_id
        self.repo_ids = dict(repo_ids or {})
        for repo in self.repo_ids.values():
            split_repo(repo)
        # Where failover notes go; the job takes over once it exists (it knows the byte counts).
        self.on_note: Callable[[Sentence], None] = lambda note: _note_only(on_progress, note)
        self.index = 0
        self.errors: list[tuple[str, DownloadError]] = []
        self._listings: dict[str, dict[str, RemoteFile]] = {}

    @property
    def is_last(self) -> bool:
        return self.index >= len(self.sources) - 1

    def repo_for(self, source: Source) -> str:
        return self.repo_ids.get(source.name, self.repo_id)

    def current(self) -> Source:
        if self.index < len(self.sources):
            return self.sources[self.index]
        raise all_failed(self.errors)

    def listing(self, source: Source) -> dict[str, RemoteFile]:
        if source.name not in self._listings:
            remotes = source.list_files(self.repo_for(source))
            self._listings[source.name] = {r.path: replace(r, source=source.name) for r in remotes}
        return self._listings[source.name]

    def failed(self, source: Source, error: DownloadError) -> None:
        self.errors.append((source.name, error))
        self.index += 1
        if self.index < len(self.sources):
            following = self.sources[self.index].name
            self.on_note(
                Sentence(
                    DownloadCode.SWITCHED_SOURCE,
                    {"source": source.name, "next": following},
                    f"{source.name} failed ({error}) Switching to {following}.",
                    ((source.name, error.sentence),),
                )
            )


def _note_only(on_progress: ProgressCallback | None, note: Sentence) -> None:
    if on_progress:
        on_progress(Progress("", 0, 0, 0.0, None, note=note))


def all_failed(errors: list[tuple[str, DownloadError]]) -> DownloadError:
    """One error for a job no source could serve: the only one's own, or one naming each (of
    their common kind when they agree, so `except NotFoundError` still works)."""
    if len(errors) == 1:
        return errors[0][1]  # one source: its own error, unchanged
    kinds = {type(e) for _, e in errors}
    kind = kinds.pop() if len(kinds) == 1 else DownloadError
    details = " ".join(f"[{name}] {e}" for name, e in errors)
    causes = tuple((name, e.sentence) for name, e in errors)
    return kind(f"Every download source failed. {details}", DownloadCode.ALL_FAILED, {}, causes)
