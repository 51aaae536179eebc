"""The FastAPI app: `GET /v1/models`, `POST /v1/chat/completions` over one `ChatService`.

Who serves it: `ApiServer` (app/core/api/runner.py) runs it with uvicorn on a thread, for the
GUI and for `python main.py serve`. Every answer is JSON or a stream of server-sent events in
OpenAI's shapes (app/core/api/shapes.py); every refusal is OpenAI-style error JSON
(app/core/api/problems.py)."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from app.core.api.completion import GenerationResponse
from app.core.api.guards import BodyLimit, OriginCheck
from app.core.api.parsing import parse_completion
from app.core.api.problems import ApiError, install_error_handlers
from app.core.api.service import ChatService
from app.core.api.shapes import model_entry, model_list
from app.core.api.turns import Turns

# Not 1234 (LM Studio), 1337 (Jan), 4891 (GPT4All), 8000 (vLLM) or 30000 (SGLang): the app
# must be able to run beside each of them.
DEFAULT_PORT = 8321
MIB = 1024 * 1024


@dataclass(frozen=True)
class ApiConfig:
    """`api_key`: None serves anyone who can reach the port (fine on 127.0.0.1).
    `allowed_origin`: the one web origin ("http://localhost:3000") a browser page may call
    from; None sends no CORS headers at all and refuses every request a page sends (403).
    `max_waiting`: requests that may wait behind the running one; more get 429 with
    `Retry-After: retry_after_s`."""

    api_key: str | None = None
    allowed_origin: str | None = None
    max_body_bytes: int = 8 * MIB
    max_waiting: int = 8
    retry_after_s: int = 5


def create_app(service: ChatService, config: ApiConfig | None = None) -> FastAPI:
    config = config or ApiConfig()
    # No /docs or /openapi.json: nothing to serve beyond the API itself.
    app = FastAPI(title="MiniCPM Chat", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)
    _add_routes(app, service, config)
    # The last added runs first: pages from other origins are refused before anything else;
    # the allowed one's refusals (401, 413) carry the CORS header too, so the page can read why.
    # An origin has no path: "http://localhost:3000/" is typed often, browsers send no "/".
    origin = config.allowed_origin.rstrip("/") if config.allowed_origin else None
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    if origin:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[origin],
            allow_methods=["GET", "POST"],
            # Browser SDKs send their own headers (openai-js: x-stainless-*): the origin is
            # the boundary, not the header names.
            allow_headers=["*"],
        )
    app.add_middleware(OriginCheck, allowed=origin)
    return app


def _add_routes(app: FastAPI, service: ChatService, config: ApiConfig) -> None:
    created = int(time.time())
    turns = Turns(config.max_waiting)
    # The line of requests, for whoever runs the app: its `waiting` count, and `close` for
    # when the server stops (close_streams).
    app.state.turns = turns
    app.state.close_streams = turns.close

    @app.get("/v1/models")
    async def list_models(request: Request) -> JSONResponse:
        authorize(request, config.api_key)
        return JSONResponse(model_list(service.model_id(), created))

    @app.get("/v1/models/{model:path}")
    async def one_model(request: Request, model: str) -> JSONResponse:
        authorize(request, config.api_key)
        if model != service.model_id():
            raise _unknown_model(model, service.model_id())
        return JSONResponse(model_entry(model, created))

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        authorize(request, config.api_key)
        completion = parse_completion(await request.body())
        model = _loaded_model(service, completion.model)
        return GenerationResponse(completion, model, service, turns, config.retry_after_s)


def close_streams(app: Starlette) -> None:
    """The server is stopping: the running generation stops within a token and its client is
    told why, waiting requests get 503. Call on the server's event loop (ApiServer does)."""
    closer = getattr(app.state, "close_streams", None)
    if callable(closer):
        closer()


def authorize(request: Request, api_key: str | None) -> None:
    """`Authorization: Bearer <key>`, compared in constant time; no key set: anyone."""
    if api_key is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # Starlette decodes header bytes as Latin-1: encoding back gives the bytes sent.
    sent = given.strip().encode("latin-1")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent, api_key.encode("utf-8")):
        raise ApiError(
            401,
            "Missing or wrong API key: send it as 'Authorization: Bearer <key>'.",
            "invalid_api_key",
            {"WWW-Authenticate": "Bearer"},
        )


def _loaded_model(service: ChatService, asked: str) -> str:
    """The loaded model's id; `asked` ("" for any) must be it."""
    loaded = service.model_id()
    if loaded is None:
        raise ApiError(503, "No model is loaded: load one in MiniCPM Chat first.", "no_model")
    if asked and asked != loaded:
        raise _unknown_model(asked, loaded)
    return loaded


def _unknown_model(asked: str, loaded: str | None) -> ApiError:
    runs = f"this server runs '{loaded}'" if loaded else "no model is loaded"
    return ApiError(404, f"The model '{asked}' does not exist here; {runs}.", "model_not_found")
