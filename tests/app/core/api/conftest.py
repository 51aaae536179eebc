"""Real uvicorn on 127.0.0.1 (a free port) over a scripted engine or a fake service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.api.engine_service import EngineService
from app.core.api.runner import ApiServer
from app.core.api.server import ApiConfig, create_app
from app.core.api.service import ChatService
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.loading import load_once
from engine.session import Engine
from engine.types import LoadRequest
from tests.app.core.api.helpers import ServiceFor, StartApi


@pytest.fixture
def start_api() -> Iterator[StartApi]:
    """Starts the app over a service on a free port; every server stops after the test."""
    servers: list[ApiServer] = []

    def start(service: ChatService, config: ApiConfig | None = None) -> ApiServer:
        server = ApiServer(create_app(service, config or ApiConfig()), port=0)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def service_for(starter_path: Path) -> Iterator[ServiceFor]:
    """An `EngineService` over an Engine that runs `backend` (the starter's template)."""
    services: list[EngineService] = []

    def build(backend: ScriptedBackend) -> EngineService:
        engine = Engine(backend_factory=scripted_factory(backend))
        load_once(engine, LoadRequest(starter_path))
        service = EngineService(engine)
        services.append(service)
        return service

    yield build
    for service in services:
        service.close()
