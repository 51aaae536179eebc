"""A stand-in for a real translation: every sentence of one context comes back marked, so a
test sees which words went through `translate` and which stayed the core's English."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator


class MarkingTranslator(QTranslator):
    def __init__(self, context: str) -> None:
        super().__init__()
        self._context = context

    def translate(  # noqa: N802 (Qt API)
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        return f"«{source}»" if context == self._context else ""


@pytest.fixture
def marking(request: pytest.FixtureRequest, qapp: QCoreApplication) -> Iterator[None]:  # noqa: ARG001 (needs the app)
    """Marks the context the test module names in `MARKED_CONTEXT`."""
    translator = MarkingTranslator(request.module.MARKED_CONTEXT)
    QCoreApplication.installTranslator(translator)
    yield
    QCoreApplication.removeTranslator(translator)
