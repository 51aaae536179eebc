"""How far a chat template may go, and the clock that ends it when it goes on too long.

A chat template is code that came with a model file (see engine.template_sandbox for the box it
runs in). Here: the limits of one compile or render, scaled by the size of the conversation
(`RenderLimits`), the exception that ends a render from inside the template's own code
(`TemplateAbort`), and the clock (`RenderClock`): a trace function that raises it once the
render runs past its deadline or the caller asks to stop. The size limits themselves are
checked by engine.template_sizes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from engine.errors import ChatTemplateError, RenderStopped

# The clock and the stop condition are looked at every this many line events of template code
# (a few microseconds apart: Stop ends a render at once).
CHECK_EVERY = 64
# The file name Jinja gives the Python code it compiles a template to.
TEMPLATE_FILE = "<template>"


@dataclass(frozen=True)
class RenderLimits:
    """How far one compile or render may go, scaled by the size of the conversation.

    Measured with a Qwen3 / MiniCPM4.1-style template (tool calls, thinking), 50 messages of
    about 600 characters: 1.1 ms to render in plain Jinja, 4.8 ms through ChatTemplate here (the
    size checks and the trace function; nothing next to a model's answer); the biggest value a
    render makes is the prompt itself, and all it makes
    together is 4.5 times the prompt. A 3 M-character conversation renders in 0.03 s. Real
    templates print each message once plus a few dozen characters of markers, so none comes
    near these figures: each is at least ten times what they use.
    """

    # Seconds: a fixed allowance plus 1 s per million characters of conversation (a render
    # takes about 0.01 s per million here; slow laptops and busy cores get plenty of room).
    time_s: float = 2.0
    time_s_per_char: float = 1e-6
    # Characters any one value, and the prompt, may have.
    chars: int = 1 << 20
    chars_per_input_char: int = 4
    # All the characters the render makes together, as a multiple of the per-value limit
    # (`a + b + c` makes `a + b` first: a few times the output is normal).
    work_factor: int = 16
    # Template source: real ones are a few K, the biggest (tool calling) about 20 K.
    source_chars: int = 256 * 1024


class TemplateAbort(BaseException):
    """Raised inside a render to end it, by a check or by the clock, with its error. A
    BaseException, so no `except Exception` in Jinja's runtime or a filter swallows it and lets
    the render go on."""

    def __init__(self, error: Exception | None = None) -> None:
        super().__init__(str(error or ""))
        self.error = error


class RenderClock:
    """The deadline and the caller's stop of one compile or render."""

    def __init__(
        self,
        limits: RenderLimits,
        input_chars: int,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.time_s = limits.time_s + limits.time_s_per_char * input_chars
        self.deadline = time.monotonic() + self.time_s
        self.should_stop = should_stop

    def run(self, work: Callable[[], Any], compiling: bool = False) -> Any:
        """`work()` under a trace function that raises `TemplateAbort` once the deadline passes
        or the caller asks to stop.

        The exception is raised synchronously, in the template's own code ("<template>"
        frames: every loop of a template runs there), so it can never land anywhere else: an
        earlier version raised it from another thread (CPython's asynchronous exception) and
        it landed in a finalizer, in pytest's hook and in Jinja's traceback rewriting. Frames
        of other code get no line events, which keeps the cost small. `compiling` also counts
        the calls of other code, since there Jinja's parser does the work (and may raise
        in whatever it calls).
        """
        previous = sys.gettrace()
        events = 0

        def check() -> None:
            nonlocal events
            events += 1
            if events >= CHECK_EVERY:
                events = 0
                error = self.overdue()
                if error is not None:
                    raise TemplateAbort(error)

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            if event == "line":
                check()
            return local

        def start(frame: FrameType, event: str, arg: Any) -> Any:
            if frame.f_code.co_filename == TEMPLATE_FILE:
                return local
            if compiling:
                check()
            return None

        sys.settrace(start)
        try:
            return work()
        finally:
            sys.settrace(previous)

    def overdue(self) -> Exception | None:
        """Why the render must end now, if it must."""
        if self.should_stop is not None and self.should_stop():
            return RenderStopped("The prompt was being prepared when Stop was pressed.")
        if time.monotonic() > self.deadline:
            return ChatTemplateError(
                f"The model's chat template ran for more than {self.time_s:.3g} seconds without "
                "finishing (a template renders in milliseconds), so it is not used."
            )
        return None
