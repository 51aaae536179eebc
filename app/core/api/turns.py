"""Whose turn it is to generate: one request at a time, the rest wait in arrival order.

Lives on the server's event loop only (no locks): every call comes from the loop's thread,
the service's events reach it through `loop.call_soon_threadsafe`."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable


def _nothing() -> None:
    return None


class Turn:
    """One request's place: waiting, then holding the turn, then gone. `leave()` gives the turn
    to the next in line (or leaves the line); it may be called more than once."""

    def __init__(self, turns: Turns) -> None:
        self._turns = turns
        self._granted = asyncio.Event()
        self.left = False
        # What stops this turn's generation once it runs (its cancel function).
        self.interrupt: Callable[[], None] = _nothing

    @property
    def granted(self) -> bool:
        return self._granted.is_set()

    async def wait(self) -> None:
        await self._granted.wait()

    def leave(self) -> None:
        if not self.left:
            self.left = True
            self._turns._release(self)

    def _grant(self) -> None:
        self._granted.set()


class Turns:
    """At most one turn held and `max_waiting` waiting; `join()` says None past that.
    `close()` (the server stopping) interrupts the running generation and wakes everyone
    waiting; they see `closed` and leave."""

    def __init__(self, max_waiting: int) -> None:
        self._max_waiting = max_waiting
        self._holder: Turn | None = None
        self._line: deque[Turn] = deque()
        self.closed = False

    @property
    def waiting(self) -> int:
        return len(self._line)

    def join(self) -> Turn | None:
        turn = Turn(self)
        if self._holder is None:
            self._holder = turn
            turn._grant()
        elif len(self._line) >= self._max_waiting:
            return None
        else:
            self._line.append(turn)
        return turn

    def close(self) -> None:
        self.closed = True
        for turn in list(self._line):
            turn._grant()
        if self._holder is not None:
            self._holder.interrupt()

    def _release(self, turn: Turn) -> None:
        if turn is not self._holder:
            self._line.remove(turn)
            return
        self._holder = self._line.popleft() if self._line else None
        if self._holder is not None:
            self._holder._grant()
