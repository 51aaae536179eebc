"""Every refusal the API gives, as OpenAI-style JSON: `{"error": {"message", "type", "param",
"code"}}`. Clients (the `openai` package, LangChain, Open WebUI) read `message` and show it;
an HTML page or FastAPI's own `{"detail": ...}` would reach the person as noise."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from engine.errors import ErrorCode, Problem

log = logging.getLogger(__name__)

# The `type` OpenAI gives each status (vLLM and llama-server follow the same words).
_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    503: "server_error",
}


class ApiError(Exception):
    """A request refused with `status`; `code` is the machine-readable reason."""

    def __init__(
        self, status: int, message: str, code: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


def error_body(error: ApiError) -> dict[str, object]:
    kind = _TYPES.get(error.status, "invalid_request_error")
    return {"error": {"message": error.message, "type": kind, "param": None, "code": error.code}}


def error_bytes(error: ApiError) -> bytes:
    return json.dumps(error_body(error), ensure_ascii=False).encode("utf-8")


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error_body(error), status_code=error.status, headers=error.headers)


def generation_error(problem: Problem) -> ApiError:
    """A generation that failed before its first token: the prompt does not fit is the
    client's to fix (400, as OpenAI's `context_length_exceeded`); anything else is ours."""
    if problem.code == ErrorCode.CONTEXT_OVERFLOW:
        return ApiError(400, problem.detail, "context_length_exceeded")
    return ApiError(500, problem.detail, str(problem.code))


def install_error_handlers(app: FastAPI) -> None:
    """JSON for every status FastAPI or Starlette would otherwise word themselves."""
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unexpected)


async def _on_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _on_validation_error(_request: Request, exc: Exception) -> Response:
    # FastAPI answers a wrong shape with 422; OpenAI clients expect 400.
    return error_response(ApiError(400, f"Invalid request: {exc}", "invalid_request"))


async def _on_http_exception(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    error = ApiError(exc.status_code, str(exc.detail), codes.get(exc.status_code, "http_error"))
    return error_response(error)


async def _on_unexpected(_request: Request, exc: Exception) -> Response:
    log.exception("the API failed on a request", exc_info=exc)
    return error_response(ApiError(500, f"Internal error: {exc}", "internal_error"))
