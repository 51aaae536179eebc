"""Two pure ASGI middlewares that refuse a request before the app reads it, with error JSON:

- `BodyLimit`: bodies over a size limit (413), never read into memory. A declared
  `Content-Length` over the limit is refused before the app runs; a chunked body (no length)
  is counted as it arrives and refused at the first byte over the limit.
- `OriginCheck`: requests a web page sent (they carry `Origin`) from any origin but the one
  allowed (403). Without it a page on any site could make the model generate with a "simple"
  POST that needs no CORS preflight, or read answers after rebinding its DNS name to
  127.0.0.1. Programs (the `openai` package, curl) send no `Origin` and are not affected.

(Starlette's BaseHTTPMiddleware would buffer streamed answers; its TrustedHost and CORS
refusals are plain text.)"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.api.problems import ApiError, error_bytes


class _TooLarge(Exception):
    """Raised from `receive` into whatever reads the body; caught below."""


class BodyLimit:
    """413 for a body over `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        error = ApiError(
            413,
            f"The request body is larger than {self.max_bytes:,} bytes.",
            "request_too_large",
        )
        await _refuse(send, error)


class OriginCheck:
    """403 for a request whose `Origin` is not `allowed` (None: no web page at all; "*": any
    page, as CORS spells it)."""

    def __init__(self, app: ASGIApp, allowed: str | None) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = _header(scope, b"origin") if scope["type"] == "http" else None
        if origin is None or self.allowed in (origin, "*"):
            await self.app(scope, receive, send)
            return
        error = ApiError(
            403,
            f"Web pages from {origin} may not use this API. Allow that origin in MiniCPM Chat "
            "(or with serve --allow-origin) if you trust it.",
            "origin_not_allowed",
        )
        await _refuse(send, error)


async def _refuse(send: Send, error: ApiError) -> None:
    body = error_bytes(error)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        # Any body is left unread: the connection cannot carry another request.
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return bytes(value).decode("latin-1")
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None
