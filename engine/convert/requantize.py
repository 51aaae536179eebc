"""llama.cpp's own requantization (`llama_model_quantize`) in a child process.

The converter's int8 / int4 formats are llama.cpp's Q8_0 / Q4_0 of the source, kept exactly
afterwards: by construction the converted model then holds the same weights llama.cpp would
compute with, so its agreement with the source is that of llama.cpp's own requantization
(the issue's bar). In a child because the C call cannot be interrupted (cancel kills it) and
runs for minutes on an 8B file.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from engine.child import child_command, child_env
from engine.errors import EngineError, ModelLoadError, plain_reason

__all__ = ["FTYPES", "requantize"]

FTYPES = {"int8": "Q8_0", "int4": "Q4_0"}
POLL_S = 0.2


class RequantizeCancelled(EngineError):
    pass


def requantize(
    source: Path, target: Path, ftype: str, should_stop: Callable[[], bool] = lambda: False
) -> Path:
    """`target`: `source` requantized to `ftype` ("Q8_0", "Q4_0", ...) by llama.cpp."""
    command = child_command("engine.convert.requantize", str(source), str(target), ftype)
    # stderr goes to a file, not a pipe: llama.cpp logs a line per tensor, and a pipe nobody
    # reads while polling would fill up and stall the child.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        child = subprocess.Popen(command, env=child_env(), stdout=subprocess.DEVNULL, stderr=log)
        try:
            while child.poll() is None:
                if should_stop():
                    child.kill()
                    child.wait()
                    target.unlink(missing_ok=True)
                    raise RequantizeCancelled("Conversion cancelled.")
                time.sleep(POLL_S)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        log.seek(0)
        detail = plain_reason(log.read(), f"exit status {child.returncode}")
    if child.returncode != 0 or not target.is_file():
        target.unlink(missing_ok=True)
        raise ModelLoadError(f"llama.cpp could not requantize the model: {detail}")
    return target


def _child(source: str, target: str, ftype: str) -> int:
    import ctypes

    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{ftype}")
    params.allow_requantize = True
    result = llama_cpp.llama_model_quantize(source.encode(), target.encode(), ctypes.byref(params))
    if result != 0:
        print(f"llama_model_quantize returned {result}", file=sys.stderr)
    return int(result != 0)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit("usage: python -m engine.convert.requantize SOURCE TARGET FTYPE")
    raise SystemExit(_child(*sys.argv[1:]))
