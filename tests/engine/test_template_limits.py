"""The clock of a template render: it ends template code past its deadline or on Stop."""

from __future__ import annotations

import sys

import pytest

from engine.errors import ChatTemplateError, RenderStopped
from engine.template_limits import TEMPLATE_FILE, RenderClock, RenderLimits, TemplateAbort

# Python code as Jinja compiles a template to it: only such frames are traced.
FOREVER = compile("while True:\n    pass\n", TEMPLATE_FILE, "exec")


def test_the_clock_ends_template_code_past_its_deadline() -> None:
    clock = RenderClock(RenderLimits(time_s=0.05, time_s_per_char=0.0), 0, None)
    with pytest.raises(TemplateAbort) as caught:
        clock.run(lambda: exec(FOREVER))
    assert isinstance(caught.value.error, ChatTemplateError)
    assert "0.05 seconds" in str(caught.value.error)


def test_stop_ends_template_code_at_once() -> None:
    clock = RenderClock(RenderLimits(time_s=60.0), 0, lambda: True)
    with pytest.raises(TemplateAbort) as caught:
        clock.run(lambda: exec(FOREVER))
    assert isinstance(caught.value.error, RenderStopped)


def test_the_time_allowed_grows_with_the_conversation() -> None:
    limits = RenderLimits(time_s=2.0, time_s_per_char=1e-6)
    assert RenderClock(limits, 3_000_000, None).time_s == pytest.approx(5.0)


def test_other_code_runs_untraced_and_the_previous_tracer_comes_back() -> None:
    before = sys.gettrace()
    clock = RenderClock(RenderLimits(time_s=0.0, time_s_per_char=0.0), 0, None)
    assert clock.run(lambda: sum(range(100_000))) == sum(range(100_000))
    assert sys.gettrace() is before
