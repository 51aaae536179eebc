"""Stop strings for streamed text: nothing past a stop string ever reaches the user."""

from __future__ import annotations


class StopMatcher:
    """Holds back the tail that could be the start of a stop string.

    `feed` returns the text that is safe to show; once a stop string is seen, `stopped`
    becomes true and everything from it on is dropped. Where the text is cut does not depend
    on how it was chunked (tests/engine/test_stops_fuzz.py).
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
        """Where the first stop string to be complete begins (of two ending together, the
        longer). Not the earliest start: a streamed answer stops as soon as any stop string is
        complete, so "abcd" and "c" must cut "abcd" at "c" however the text was chunked."""
        first: tuple[int, int] | None = None
        for stop in self._stops:
            start = self._pending.find(stop)
            if start >= 0 and (first is None or (start + len(stop), start) < first):
                first = (start + len(stop), start)
        return None if first is None else first[1]

    def _partial_tail(self) -> int:
        longest = 0
        for stop in self._stops:
            for size in range(min(len(stop) - 1, len(self._pending)), longest, -1):
                if stop.startswith(self._pending[-size:]):
                    longest = size
                    break
        return longest
