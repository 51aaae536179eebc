"""Stop strings for streamed text: nothing past a stop string ever reaches the user."""

from __future__ import annotations


class StopMatcher:
    """Holds back the tail that could be the start of a stop string.

    `feed` returns the text that is safe to show; once a stop string is seen, `stopped`
    becomes true and everything from it on is dropped.
    """

    def __init__(self, stop_strings: tuple[str, ...]) -> None:
        self._stops = tuple(s for s in stop_strings if s)
        self._pending = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        if self.stopped:
            return ""
        self._pending += text
        cut = self._first_stop()
        if cut is not None:
            self.stopped = True
            safe, self._pending = self._pending[:cut], ""
            return safe
        keep = self._partial_tail()
        safe = self._pending[: len(self._pending) - keep]
        self._pending = self._pending[len(self._pending) - keep :]
        return safe

    def flush(self) -> str:
        rest, self._pending = ("" if self.stopped else self._pending), ""
        return rest

    def _first_stop(self) -> int | None:
        hits = [i for i in (self._pending.find(s) for s in self._stops) if i >= 0]
        return min(hits) if hits else None

    def _partial_tail(self) -> int:
        longest = 0
        for stop in self._stops:
            for size in range(min(len(stop) - 1, len(self._pending)), longest, -1):
                if stop.startswith(self._pending[-size:]):
                    longest = size
                    break
        return longest
