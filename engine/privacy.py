"""Keep inference offline: OpenVINO's telemetry package phones Google Analytics on import."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

BLOCKED_PACKAGES = frozenset({"openvino_telemetry"})


class _RefuseTelemetry(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".")[0] in BLOCKED_PACKAGES:
            # OpenVINO treats a missing telemetry package as "telemetry off".
            raise ImportError(f"{fullname} is disabled: MiniCPM Chat never sends telemetry")
        return None


def block_telemetry() -> None:
    """Idempotent; must run before `openvino_genai` (or nncf) is first imported."""
    if not any(isinstance(f, _RefuseTelemetry) for f in sys.meta_path):
        sys.meta_path.insert(0, _RefuseTelemetry())
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED_PACKAGES:
            del sys.modules[name]
