"""Runs the API app with uvicorn on one background thread, for the GUI and `main.py serve`.

The listening sockets are bound here, before uvicorn starts: a port in use is a clear
`ApiServerError` at `start()`, never a log line on a thread nobody reads. uvicorn gets the
sockets and installs no signal handlers (they belong to the process's main thread)."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import logging
import socket
import sys
import threading
from collections.abc import Generator, Sequence

import uvicorn
from starlette.applications import Starlette

from app.core.api.server import DEFAULT_PORT, close_streams

log = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"
# After stop(), how long an answer that is still being sent may take to finish (the open
# streams are told to end within a token at once: this is only a safety net).
GRACE_S = 3


class ApiServerError(Exception):
    """The server could not start; the message says why, in one sentence."""


class _ThreadServer(uvicorn.Server):
    """uvicorn on a thread that is not the main thread: no signal handlers, a `ready` event
    once it listens (or failed to), and open streams told to end when it stops."""

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self._app = app

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        close_streams(self._app)
        await super().shutdown(sockets)


class ApiServer:
    """`start()` listens on `host:port` (port 0: any free one, `port` says which after start),
    `stop()` ends open streams, shuts down and joins; both idempotent."""

    def __init__(self, app: Starlette, host: str = LOOPBACK, port: int = DEFAULT_PORT) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: _ThreadServer | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def url(self) -> str:
        """The base URL an OpenAI client takes: http://127.0.0.1:8321/v1."""
        return f"http://{url_host(self.host)}:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            return
        sockets = listening_sockets(self.host, self.port)
        self.port = sockets[0].getsockname()[1]
        config = uvicorn.Config(
            self.app,
            # The process's own logging stays as it is: uvicorn's records go to the root
            # logger (the GUI's log file, the CLI's stderr), warnings and above only.
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            loop="asyncio",
            ws="none",
            timeout_graceful_shutdown=GRACE_S,
        )
        server = _ThreadServer(config, self.app)
        thread = threading.Thread(
            target=self._serve, args=(server, sockets), name="api-server", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        server.ready.wait()
        if not server.started:
            thread.join()
            self._server = self._thread = None
            raise ApiServerError(_start_failure(self.host, self.port, self._failure))

    def stop(self, timeout_s: float = 10.0) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout_s)
        if thread.is_alive():
            log.warning("the API server did not stop in %s s: forcing it", timeout_s)
            server.force_exit = True
            thread.join(timeout_s)
        self._server = self._thread = None

    def _serve(self, server: _ThreadServer, sockets: list[socket.socket]) -> None:
        try:
            server.run(sockets=sockets)
        except BaseException as exc:  # noqa: BLE001 (uvicorn exits a failed start with SystemExit)
            self._failure = exc
            log.exception("the API server stopped with an error")
        finally:
            server.ready.set()
            for sock in sockets:
                sock.close()


def _start_failure(host: str, port: int, failure: BaseException | None) -> str:
    # uvicorn logs why and exits with SystemExit(1): its number says nothing.
    reason = "" if failure is None or isinstance(failure, SystemExit) else f": {failure}"
    return f"The API server could not start on {host}:{port}{reason}."


def url_host(host: str) -> str:
    """`host` as it goes in a URL: an IPv6 address in brackets."""
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host` ("localhost", 127.x, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on `host:port` (a bind fails with "in use")."""
    try:
        sockets = listening_sockets(host, port, listen=False)
    except ApiServerError as exc:
        return port_in_use_error(exc)
    for sock in sockets:
        sock.close()
    return False


def port_in_use_error(exc: ApiServerError) -> bool:
    """Whether `exc` says the port is taken (rather than that the address is not ours)."""
    cause = exc.__cause__
    return isinstance(cause, OSError) and cause.errno == errno.EADDRINUSE


def listening_sockets(host: str, port: int, listen: bool = True) -> list[socket.socket]:
    """Bound sockets for every address `host` names, as asyncio's `create_server` would bind
    them (port 0: the first one's free port for all)."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise ApiServerError(f"'{host}' is not an address this machine has: {exc}") from exc
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _name, address in _unique(addresses):
            if port == 0 and sockets:
                address = (address[0], sockets[0].getsockname()[1], *address[2:])
            sockets.append(_bound(family, kind, proto, address, listen))
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise _bind_error(host, port, exc) from exc
    return sockets


AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[object, ...]]


def _unique(addresses: Sequence[AddressInfo]) -> list[AddressInfo]:
    seen: set[tuple[object, ...]] = set()
    unique = []
    for info in addresses:
        if info[4] not in seen:
            seen.add(info[4])
            unique.append(info)
    return unique


def _bound(
    family: socket.AddressFamily,
    kind: socket.SocketKind,
    proto: int,
    address: tuple[object, ...],
    listen: bool,
) -> socket.socket:
    sock = socket.socket(family, kind, proto)
    try:
        if sys.platform != "win32":
            # As asyncio does: a port whose last connections linger in TIME_WAIT is free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            # "localhost" binds ::1 and 127.0.0.1 apart, as asyncio does.
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        if listen:
            sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _bind_error(host: str, port: int, exc: OSError) -> ApiServerError:
    if exc.errno == errno.EADDRINUSE:
        return ApiServerError(f"Port {port} on {host} is already in use.")
    return ApiServerError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.")
