"""One `/v1/chat/completions` answer, from its place in line to its last byte.

The response waits for its turn (app/core/api/turns.py), starts the generation on the
`ChatService`, and relays the service's events, which arrive on the service's own thread,
through `loop.call_soon_threadsafe` into an `asyncio.Queue`. The whole time, a second task
listens for the client going away: a disconnect cancels the generation at once (it ends
within one token) or takes the request out of the line. No status is sent before the first
event, so a generation that fails before its first token is an HTTP error (400 / 500), not a
stream that breaks off."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.core.api.parsing import Completion
from app.core.api.problems import ApiError, error_body, error_bytes, generation_error
from app.core.api.service import ChatService
from app.core.api.shapes import DONE, Shapes, delta, finish_reason, sse
from app.core.api.turns import Turn, Turns
from engine.errors import Problem
from engine.reasoning import TextPiece
from engine.types import GenerationResult

Event = TextPiece | GenerationResult | Problem
_SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    # A reverse proxy (nginx) in front must not hold the tokens back.
    (b"x-accel-buffering", b"no"),
]


def _nothing() -> None:
    return None


class _Run:
    """`GenerationEvents` for one request: the service's thread posts, the loop reads. The
    last event (finished or failed) also calls `on_end`, on the loop, whether or not anyone
    still reads: that is what hands the turn on after a client went away."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_end: Callable[[], None]) -> None:
        self._loop = loop
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._on_end = on_end
        self.cancel: Callable[[], None] = _nothing
        self.ended = False

    def piece(self, piece: TextPiece) -> None:
        self._post(piece)

    def finished(self, result: GenerationResult) -> None:
        self._post(result)

    def failed(self, problem: Problem) -> None:
        self._post(problem)

    async def next(self) -> Event:
        return await self._events.get()

    def _post(self, event: Event) -> None:
        # A closed loop raises: the server stopped and nobody listens any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._arrive, event)

    def _arrive(self, event: Event) -> None:
        if not isinstance(event, TextPiece) and not self.ended:
            self.ended = True
            self._on_end()
        self._events.put_nowait(event)


class GenerationResponse(Response):
    """The ASGI response of one completion, streamed or whole."""

    def __init__(
        self,
        completion: Completion,
        model: str,
        service: ChatService,
        turns: Turns,
        retry_after_s: int,
    ) -> None:
        super().__init__()
        self._completion = completion
        self._model = model
        self._service = service
        self._turns = turns
        self._retry_after_s = retry_after_s
        self._run: _Run | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(self._watch_disconnect, receive, group.cancel_scope)
            try:
                await self._respond(send)
            finally:
                group.cancel_scope.cancel()

    async def _watch_disconnect(self, receive: Receive, scope: anyio.CancelScope) -> None:
        """The body was read already: the next message is the client going away."""
        while (await receive())["type"] != "http.disconnect":
            pass
        # Stop the generation now, before the cancellation below reaches the sender.
        if self._run is not None and not self._run.ended:
            self._run.cancel()
        scope.cancel()

    async def _respond(self, send: Send) -> None:
        turn = None if self._turns.closed else self._turns.join()
        if turn is None:
            await _send_error(send, self._queue_full())
            return
        try:
            await turn.wait()
            self._check_open()
            run = self._start(turn)
            first = await run.next()
            if self._failed(first):
                raise self._failure(first)
            if self._completion.stream:
                await self._stream(send, run, first)
            else:
                await self._whole(send, run, first)
        except ApiError as exc:
            await _send_error(send, exc)
        except OSError:
            pass  # the client went away while we sent: as a disconnect
        finally:
            self._finish(turn)

    def _check_open(self) -> None:
        if self._turns.closed:
            raise _shutting_down()

    @staticmethod
    def _failure(event: Event) -> ApiError:
        if isinstance(event, Problem):
            return generation_error(event)
        return ApiError(500, "The generation failed.", "generation")

    def _start(self, turn: Turn) -> _Run:
        run = _Run(asyncio.get_running_loop(), turn.leave)
        self._run = run
        try:
            run.cancel = self._service.start(
                self._completion.messages, self._completion.params, run
            )
        except Exception as exc:
            run.ended = True
            turn.leave()
            raise ApiError(500, f"The generation could not start: {exc}", "engine") from exc
        turn.interrupt = run.cancel
        return run

    @staticmethod
    def _failed(event: Event) -> bool:
        return isinstance(event, Problem) or (
            isinstance(event, GenerationResult) and event.stats.finish_reason == "error"
        )

    def _finish(self, turn: Turn) -> None:
        """Leaves the line, or stops a generation still running. A running generation keeps
        the turn until the service says it ended: never two at once."""
        run = self._run
        if run is None:
            turn.leave()
        elif not run.ended:
            run.cancel()

    def _queue_full(self) -> ApiError:
        if self._turns.closed:
            return _shutting_down()
        return ApiError(
            429,
            f"The server is busy: {self._turns.waiting} requests are waiting already. "
            f"Try again in {self._retry_after_s} s.",
            "queue_full",
            {"Retry-After": str(self._retry_after_s)},
        )

    async def _stream(self, send: Send, run: _Run, event: Event) -> None:
        shapes = Shapes(self._model, self._completion.include_usage)
        await send({"type": "http.response.start", "status": 200, "headers": _SSE_HEADERS})
        await _send_body(send, sse(shapes.chunk({"role": "assistant", "content": ""})))
        while isinstance(event, TextPiece):
            await _send_body(send, sse(shapes.chunk(delta(event))))
            event = await run.next()
        if isinstance(event, GenerationResult) and not self._failed(event):
            await _send_body(send, sse(shapes.chunk({}, finish_reason(event.stats))))
            if shapes.include_usage:
                await _send_body(send, sse(shapes.usage_chunk(event.stats)))
        else:
            # As vLLM: the error as one more event, then [DONE].
            await _send_body(send, sse(error_body(self._failure(event))))
        await _send_body(send, DONE, more=False)

    async def _whole(self, send: Send, run: _Run, event: Event) -> None:
        while isinstance(event, TextPiece):
            event = await run.next()
        if not isinstance(event, GenerationResult) or self._failed(event):
            raise self._failure(event)
        body = Shapes(self._model).completion(event)
        await _send_json(send, 200, json.dumps(body, ensure_ascii=False).encode("utf-8"))


def _shutting_down() -> ApiError:
    return ApiError(503, "The server is shutting down.", "shutting_down")


async def _send_body(send: Send, body: bytes, more: bool = True) -> None:
    await send({"type": "http.response.body", "body": body, "more_body": more})


async def _send_error(send: Send, error: ApiError) -> None:
    await _send_json(send, error.status, error_bytes(error), error.headers)


async def _send_json(
    send: Send, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await _send_body(send, body, more=False)
