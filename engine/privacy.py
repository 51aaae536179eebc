"""Keep inference offline: OpenVINO's telemetry phones Google Analytics on `import openvino`.

`import openvino` (also through `openvino_genai`, `openvino_tokenizers` or NNCF) loads
`openvino_telemetry`, which resolves www.google-analytics.com from a forked child and writes a
client id and counters to ~/intel. Unless CI=true: a test of this must unset CI. A missing
telemetry package means "telemetry off" to all of them, so a `sys.meta_path` finder refuses
the import; nothing is written to the person's home (the other off switch, an opt-out file,
would be one more file in ~/intel).

Where the block runs, so that no path can miss it:
- `engine/__init__.py` calls `block_telemetry()`. Python runs a package's `__init__` before
  any of its modules, so every `import openvino` inside engine/ and every child started as
  `python -m engine...` (the GGUF export, the requantizer) is covered without a call of its
  own: a new module that imports openvino cannot forget it.
- main.py calls it before anything else, for the GUI and every CLI command, and code that
  imports openvino itself (the accelerator probe in engine.accelerators) calls it right before.
The block is per process: a child that is not started through `engine` (or main.py) must call
it first thing.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

# NNCF and optimum-intel send through this package too.
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
    """Idempotent; must run before `openvino` (or `openvino_genai`, nncf, anything that
    imports it) is first imported: an import that went through has sent its event already."""
    if not any(isinstance(f, _RefuseTelemetry) for f in sys.meta_path):
        sys.meta_path.insert(0, _RefuseTelemetry())
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED_PACKAGES:
            del sys.modules[name]
