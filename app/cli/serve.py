"""`python main.py serve`: one model behind the app's OpenAI-compatible API, no window.

The model loads as in the GUI (engine.loading: the planner's fallbacks, the remembered
choice, notes on what changed); the API itself is app/core/api/. Ctrl+C or SIGTERM stops it
cleanly (exit 0); a port in use is a one-line error (exit 2)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from dataclasses import replace
from types import FrameType

from app.core import paths
from app.core.api.engine_service import EngineService
from app.core.api.runner import (
    LOOPBACK,
    ApiServer,
    ApiServerError,
    is_loopback,
    listening_sockets,
    port_in_use_error,
)
from app.core.api.server import DEFAULT_PORT, ApiConfig, create_app
from app.core.models.remembered import RememberedLoads
from app.core.models.store import ModelStore
from app.core.settings import load_settings
from engine.accelerators import probe_hardware
from engine.errors import EngineError
from engine.loading import load_model, needs_accelerators
from engine.session import Engine
from engine.types import BACKEND_CHOICES, LoadedModel, LoadRequest, backend_choice
from resources import bundled_models_dir

# A key on the command line shows in `ps`; from the environment it does not.
KEY_ENV = "MINICPM_CHAT_API_KEY"
# A port in use or an address this machine does not have.
ADDRESS_ERROR = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--model", help="a model file or folder, or an installed name")
    parser.add_argument("--host", default=LOOPBACK, help=f"address to listen on ({LOOPBACK})")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"({DEFAULT_PORT})")
    parser.add_argument(
        "--api-key",
        default=os.environ.get(KEY_ENV) or None,
        help=f"require 'Authorization: Bearer KEY' (default: ${KEY_ENV}, else none)",
    )
    parser.add_argument(
        "--allow-origin",
        metavar="ORIGIN",
        help="the one web page origin a browser may call the API from (default: none)",
    )
    parser.add_argument("--backend", choices=BACKEND_CHOICES, default=None)
    parser.add_argument("--n-ctx", type=int, help="context length in tokens")


def run(args: argparse.Namespace) -> int:
    _warn_if_open(args.host, args.api_key)
    # Before the model loads: a busy port should not cost a minute of loading first.
    try:
        _check_address(args.host, args.port)
    except ApiServerError as exc:
        return _address_error(exc)
    engine = Engine()
    loaded = _load(engine, args)
    service = EngineService(engine)
    config = ApiConfig(api_key=args.api_key or None, allowed_origin=args.allow_origin)
    server = ApiServer(create_app(service, config), args.host, args.port)
    try:
        server.start()
    except ApiServerError as exc:
        _close(service, engine)
        return _address_error(exc)
    try:
        return _serve(server, service.model_id() or loaded.info.name)
    finally:
        server.stop()
        _close(service, engine)
        print("Stopped.", flush=True)


def _load(engine: Engine, args: argparse.Namespace) -> LoadedModel:
    """The model as `chat` picks it (-m, else the settings' model, else the starter), loaded
    through the planner with its fallbacks; what changed is printed as notes."""
    settings = load_settings(paths.settings_path())
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    model = store.resolve(args.model) if args.model else store.default_path(settings.model)
    request = _request(args, settings.load_request(model))
    hardware = probe_hardware(accelerators=True) if needs_accelerators(request) else None
    loaded, notes = load_model(engine, request, hardware, RememberedLoads())
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for note in notes:
        print(f"note: {note.english()}", file=sys.stderr)
    return loaded


def _request(args: argparse.Namespace, request: LoadRequest) -> LoadRequest:
    return replace(
        request,
        backend=backend_choice(args.backend) if args.backend else request.backend,
        n_ctx=args.n_ctx or request.n_ctx,
    )


def _warn_if_open(host: str, api_key: str | None) -> None:
    if not is_loopback(host) and not api_key:
        print(
            f"warning: {host} can be reached from other machines and no --api-key is set: "
            "anyone who reaches this port can use the model.",
            file=sys.stderr,
            flush=True,
        )


def _serve(server: ApiServer, model: str) -> int:
    print(f"Listening on {server.url} (model {model})", flush=True)
    if _wait_for_signal(server):
        return 0
    print("error: the API server stopped unexpectedly.", file=sys.stderr)
    return 1


def _wait_for_signal(server: ApiServer) -> bool:
    """Until SIGINT or SIGTERM (True), or until the server's thread ends by itself (False)."""
    asked = threading.Event()

    def on_signal(_number: int, _frame: FrameType | None) -> None:
        asked.set()

    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, on_signal) for number in signals}
    try:
        # A timeout, so that Windows (where a wait cannot be interrupted) sees the signal too.
        while server.running and not asked.wait(0.5):
            pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return asked.is_set()


def _close(service: EngineService, engine: Engine) -> None:
    service.close()
    engine.unload()


def _check_address(host: str, port: int) -> None:
    for sock in listening_sockets(host, port, listen=False):
        sock.close()


def _address_error(exc: ApiServerError) -> int:
    hint = " Choose another with --port." if port_in_use_error(exc) else ""
    print(f"error: {exc}{hint}", file=sys.stderr)
    return ADDRESS_ERROR


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port (0 to 65535)")
    return port


def main(args: argparse.Namespace) -> int:
    try:
        return run(args)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # while the model loads; once listening, Ctrl+C is handled
        print("Stopped.", file=sys.stderr)
        return 130
