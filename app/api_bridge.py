"""The app's local OpenAI-compatible API inside the GUI: `EngineChatService` answers the API's
requests on the GUI's own engine worker, `LocalApi` starts and stops the server with the
settings.

The API (app/core/api) runs on its own uvicorn thread and calls `ChatService.start` there. The
`EngineClient` belongs to the GUI thread, so every request crosses over as a queued signal, and
every event goes back from the GUI thread (the API side bridges it into asyncio). An API answer
and the GUI's own answer queue one after the other on the same engine worker, each under its
own request id, so their texts never mix.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, SignalInstance, Slot

from app.core import secrets
from app.core.api.address import api_url, listen_host
from app.core.api.service import Cancel, GenerationEvents
from app.core.settings import Settings
from app.engine_bridge.client import EngineClient
from app.engine_bridge.names import model_display_name
from engine.errors import Problem
from engine.reasoning import TextPiece
from engine.types import GenerationParams, GenerationResult, GenerationStats, LoadedModel, Message

if TYPE_CHECKING:  # the server imports FastAPI and uvicorn: only when the API is turned on
    from app.core.api.runner import ApiServer

log = logging.getLogger(__name__)

API_KEY_SECRET = secrets.LOCAL_API_KEY  # "local-api-key"
# The fields that decide how the server runs; a change to one restarts it.
_SERVER_FIELDS = ("api_enabled", "api_port", "api_lan", "api_allowed_origin")


def _stopped_result(answer: str, reasoning: str) -> GenerationResult:
    stats = GenerationStats(backend="", device="", finish_reason="stopped")
    return GenerationResult(answer, reasoning, stats)


@dataclass
class _Request:
    """One API generation, as the GUI thread tracks it (only the GUI thread touches it)."""

    events: GenerationEvents
    request_id: int | None = None  # the EngineClient's id, once handed over
    answer: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)


class EngineChatService(QObject):
    """`ChatService` (app/core/api/service.py) over the GUI's `EngineClient`.

    `start`, the cancel functions it returns and `model_id` may be called from any thread;
    everything else happens on the GUI thread, where the events' methods are called too.
    Signals (GUI thread):
        api_generation_started()    # the API began answering (none of its answers ran)
        api_generation_finished()   # the API's last answer in progress ended
    """

    api_generation_started = Signal()
    api_generation_finished = Signal()

    # Requests from the API's thread; queued (connected below) so they run on the GUI thread.
    _start_requested = Signal(int, object, object, object)
    _cancel_requested = Signal(int)

    def __init__(self, client: EngineClient, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client
        # Tickets name the API's requests before the client has given them an id; a count's
        # next() is atomic under the GIL, so any thread can draw one.
        self._tickets = itertools.count(1)
        self._requests: dict[int, _Request] = {}  # ticket -> request (GUI thread only)
        self._tickets_by_id: dict[int, int] = {}  # client request id -> ticket
        self._cancelled: set[int] = set()  # tickets cancelled before their start arrived
        self._first_live_ticket = 1  # starts of earlier tickets came from a stopped server
        # Read from the API's thread: a str or None is replaced whole, never changed in place.
        self._model_id: str | None = self._name(client.loaded_model)
        self._start_requested.connect(self._on_start_requested, Qt.ConnectionType.QueuedConnection)
        self._cancel_requested.connect(
            self._on_cancel_requested, Qt.ConnectionType.QueuedConnection
        )
        client.load_started.connect(self._on_client_load_started)
        client.model_loaded.connect(self._on_client_model_loaded)
        client.load_failed.connect(self._on_client_load_failed)
        client.text_generated.connect(self._on_client_text_generated)
        client.generation_finished.connect(self._on_client_generation_finished)
        client.generation_failed.connect(self._on_client_generation_failed)

    # -- ChatService (any thread) ----------------------------------------------------------

    def model_id(self) -> str | None:
        return self._model_id

    def start(
        self, messages: Sequence[Message], params: GenerationParams, events: GenerationEvents
    ) -> Cancel:
        ticket = next(self._tickets)
        self._start_requested.emit(ticket, tuple(messages), params, events)
        return _Canceller(self._cancel_requested, ticket)

    # -- requests (GUI thread) -------------------------------------------------------------

    @property
    def answering(self) -> bool:
        """An API answer is queued or running."""
        return bool(self._requests)

    def stop_all(self) -> None:
        """Ends every API answer now, as stopped, with the text so far, and refuses the starts
        still on their way to the GUI thread. The server stops (or has stopped): its
        connections must not wait for signals the GUI thread cannot deliver while it waits for
        the server, and nobody waits for the answers on their way."""
        self._first_live_ticket = next(self._tickets)  # later tickets belong to a new server
        self._cancelled.clear()
        requests, self._requests = self._requests, {}
        self._tickets_by_id.clear()
        for request in requests.values():
            if request.request_id is not None:
                self._client.cancel(request.request_id)  # its late signals are dropped
            result = _stopped_result("".join(request.answer), "".join(request.reasoning))
            _call(request.events.finished, result)
        if requests:
            self.api_generation_finished.emit()

    # -- slots -----------------------------------------------------------------------------

    @Slot(int, object, object, object)
    def _on_start_requested(
        self,
        ticket: int,
        messages: tuple[Message, ...],
        params: GenerationParams,
        events: GenerationEvents,
    ) -> None:
        if ticket in self._cancelled or ticket < self._first_live_ticket:
            # Cancelled before it reached the GUI thread, or its server has stopped.
            self._cancelled.discard(ticket)
            _call(events.finished, _stopped_result("", ""))
            return
        was_answering = self.answering
        request = _Request(events)
        self._requests[ticket] = request
        request_id = self._client.generate(messages, params)
        # A client without a model fails the generation from the event loop, so the id is
        # stored before any of its signals can arrive.
        request.request_id = request_id
        self._tickets_by_id[request_id] = ticket
        if not was_answering:
            self.api_generation_started.emit()

    @Slot(int)
    def _on_cancel_requested(self, ticket: int) -> None:
        request = self._requests.get(ticket)
        if request is None:
            # Not started yet (or ended already: then the ticket is never seen again).
            self._cancelled.add(ticket)
        elif request.request_id is not None:
            # Its final signal still comes, with the text so far and finish reason "stopped".
            self._client.stop(request.request_id)

    @Slot(int, str)
    def _on_client_load_started(self, _request_id: int, _name: str) -> None:
        self._model_id = None

    @Slot(int, object)
    def _on_client_model_loaded(self, _request_id: int, loaded: LoadedModel) -> None:
        self._model_id = self._name(loaded)

    @Slot(int, object)
    def _on_client_load_failed(self, _request_id: int, _problem: Problem) -> None:
        self._model_id = None

    @Slot(int, str, str)
    def _on_client_text_generated(self, request_id: int, channel: str, text: str) -> None:
        request = self._request(request_id)
        if request is None:
            return  # the GUI's own answer, or one already ended
        piece = TextPiece("reasoning" if channel == "reasoning" else "answer", text)
        (request.reasoning if piece.channel == "reasoning" else request.answer).append(text)
        _call(request.events.piece, piece)

    @Slot(int, object)
    def _on_client_generation_finished(self, request_id: int, result: GenerationResult) -> None:
        request = self._end(request_id)
        if request is not None:
            _call(request.events.finished, result)
            self._announce_end()

    @Slot(int, object)
    def _on_client_generation_failed(self, request_id: int, problem: Problem) -> None:
        request = self._end(request_id)
        if request is not None:
            _call(request.events.failed, problem)
            self._announce_end()

    # -- helpers ---------------------------------------------------------------------------

    def _request(self, request_id: int) -> _Request | None:
        ticket = self._tickets_by_id.get(request_id)
        return None if ticket is None else self._requests.get(ticket)

    def _end(self, request_id: int) -> _Request | None:
        ticket = self._tickets_by_id.pop(request_id, None)
        return None if ticket is None else self._requests.pop(ticket, None)

    def _announce_end(self) -> None:
        if not self.answering:
            self.api_generation_finished.emit()

    @staticmethod
    def _name(loaded: LoadedModel | None) -> str | None:
        return None if loaded is None else model_display_name(loaded)


class _Canceller:
    """The cancel function `start` returns: it only emits a queued signal, so any thread may
    call it, any number of times (a stop of an ended request is ignored)."""

    def __init__(self, signal: SignalInstance, ticket: int) -> None:
        self._signal = signal
        self._ticket = ticket

    def __call__(self) -> None:
        # RuntimeError: the service is gone (the app has quit): nothing runs any more.
        with contextlib.suppress(RuntimeError):
            self._signal.emit(self._ticket)


def _call(method: object, argument: object) -> None:
    """Calls one of the API's event methods; a broken one must not break the GUI's slot."""
    try:
        method(argument)  # type: ignore[operator]
    except Exception:
        log.exception("the local API's event handler failed")


class LocalApi(QObject):
    """Runs the API server while the settings ask for it: starts it, restarts it when the port,
    the network choice, the allowed origin or the key change, stops it on quit.

    Starting takes a moment on the GUI thread (the port check, uvicorn binding the port);
    FastAPI and uvicorn are imported only when the API is first turned on. Signals:
        api_started(str url)      # listening; the URL a client on this computer uses
        api_stopped()             # not listening any more (turned off, or restarting)
        start_failed(str message) # could not start (the port is taken); in the person's words
    """

    api_started = Signal(str)
    api_stopped = Signal()
    start_failed = Signal(str)

    def __init__(
        self, service: EngineChatService, settings: Settings, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._settings = settings
        self._key: str | None = None
        self._server: ApiServer | None = None

    @property
    def url(self) -> str | None:
        """The URL while the server listens; None while it does not."""
        if self._server is None:
            return None
        return api_url(self._settings.api_port, self._settings.api_lan)

    @property
    def service(self) -> EngineChatService:
        return self._service

    def start(self) -> None:
        """Starts the server if the settings turn it on (the start-up start)."""
        self._start()

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        old = _server_key(self._settings)
        self._settings = settings
        if _server_key(settings) != old:
            self._restart()

    @Slot()
    def reload_key(self) -> None:
        """The settings dialog closed with OK: the key in the keyring may have changed without
        any setting changing."""
        if self._server is not None and _load_key() != self._key:
            self._restart()

    def stop(self) -> None:
        """Stops the server; answers in flight end as stopped. Idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        self._service.stop_all()
        server.stop()
        self._service.stop_all()  # a request woken by the first one started before the end
        self.api_stopped.emit()

    def _restart(self) -> None:
        self.stop()
        self._start()

    def _start(self) -> None:
        settings = self._settings
        if not settings.api_enabled or self._server is not None:
            return
        from app.core.api.runner import ApiServer, ApiServerError, port_in_use
        from app.core.api.server import ApiConfig, create_app

        host = listen_host(settings.api_lan)
        if port_in_use(host, settings.api_port):
            self.start_failed.emit(port_taken_text(settings.api_port))
            return
        self._key = _load_key()
        config = ApiConfig(api_key=self._key, allowed_origin=settings.api_allowed_origin or None)
        server = ApiServer(create_app(self._service, config), host=host, port=settings.api_port)
        try:
            server.start()
        except ApiServerError as exc:
            self.start_failed.emit(start_failed_text(str(exc)))
            return
        self._server = server
        self.api_started.emit(api_url(settings.api_port, settings.api_lan))


def _server_key(settings: Settings) -> tuple[object, ...]:
    return tuple(getattr(settings, name) for name in _SERVER_FIELDS)


def _load_key() -> str | None:
    return secrets.load_secret(API_KEY_SECRET) or None


def port_taken_text(port: int) -> str:
    return QCoreApplication.translate(
        "LocalApi",
        "Port {port} is in use by another program, so the local API is off. "
        "Choose another port in Settings → Local API.",
    ).format(port=port)


def start_failed_text(error: str) -> str:
    return QCoreApplication.translate("LocalApi", "The local API could not start: {error}").format(
        error=error
    )
