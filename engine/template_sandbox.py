"""The box a model's chat template runs in: Jinja's immutable sandbox, with limits.

A chat template is code that came with a model file. Jinja's sandbox keeps it from reaching
Python's internals, but not from running forever (`{% for i in range(100000) %}` twice nested)
or from asking for gigabytes in one operation (`{{ 'a' * 10**10 }}`, `{{ 10 ** (10 ** 10) }}`).
Here every compile and render:

- runs under a trace function that ends it once it runs past a deadline or the caller asks to
  stop, by raising an exception in the template's own code. Jinja compiles a template to
  Python, so every loop of a template gets line events, and only the template's frames are
  traced (other code runs untraced);
- has a size limit: no value it makes, and not the prompt, may be longer than the conversation
  four times over plus 1 MiB, and all it makes together may not exceed 16 times that. Each place
  where a template makes a long value is checked *before* the value is made: `+ * ** %`, `~`,
  list / tuple / dict literals, method calls (`center`, `join`, `replace`, `format`, ...), the
  filters, block captures and the output; numbers may not grow past 65,536 bits;
- refuses at once any reach outside the sandbox (Jinja's sandbox otherwise hands back an
  undefined value and lets the template go on).

A template stopped by its caller raises `RenderStopped`; any other way it fails (an error of its
own, a limit, an escape) raises `ChatTemplateError`, so a model with such a template is refused.

What this cannot end: one long step inside C (a comparison or sort of values the template
built; each such value is bounded in size, so each step is too).

The limits and the clock live in engine.template_limits, the size checks in
engine.template_sizes; this module is the Jinja environment that routes a template through them.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from types import BuiltinMethodType, FunctionType
from typing import Any, NoReturn

from jinja2 import Template, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.errors import ChatTemplateError, RenderStopped
from engine.template_limits import RenderClock, RenderLimits, TemplateAbort
from engine.template_sizes import SizeGuard


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with the places that build values without calling anything
    (`~`, list / tuple / dict literals) routed through the guard."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # As Jinja's own, but the parts reach its join only once their size is known to fit.
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"{join}(environment.checked_parts((")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write(")))")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self.write("environment.checked_value(")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":  # an assignment target: `{% for a, b in ... %}`
            super().visit_Tuple(node, frame)
            return
        self.write("environment.checked_value(")
        super().visit_Tuple(node, frame)
        self.write(")")

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self.write("environment.checked_value(")
        super().visit_Dict(node, frame)
        self.write(")")


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with limits on time, size and the caller's stop (see the
    module docstring). Compile with `compile_template`, render with `render_template`; one
    sandbox may render on several threads, each with its own limits."""

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self, limits: RenderLimits | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.limits = limits or RenderLimits()
        self._active = threading.local()
        # `lipsum(n=10**9)` is a loop in Python that only makes text; no template needs it.
        self.globals.pop("lipsum", None)
        # The generated code's `concat` joins block captures and macro bodies.
        self.concat = self._checked_concat  # type: ignore[method-assign,assignment]
        self.finalize = self._checked_output

    # -- entry points ------------------------------------------------------------------------

    def compile_template(self, source: str) -> Template:
        if len(source) > self.limits.source_chars:
            raise ChatTemplateError(
                f"The model's chat template is {len(source):,} characters long; real ones are "
                f"under {self.limits.source_chars:,}, so it is not used."
            )
        self.guard_filters()
        try:
            template: Template = self._guarded(
                SizeGuard(self.limits, 0),
                RenderClock(self.limits, 0, None),
                lambda: self.from_string(source),
                compiling=True,
            )
            return template
        except ChatTemplateError:
            raise
        except Exception as exc:  # TemplateSyntaxError, and what a broken source makes
            # Python's compiler or Jinja's parser raise (RecursionError, ValueError, ...)
            raise ChatTemplateError(f"The model's chat template is not valid: {exc}") from exc

    def render_template(
        self,
        template: Template,
        variables: dict[str, Any],
        input_chars: int,
        should_stop: Callable[[], bool] | None = None,
    ) -> str:
        """The rendered text; `RenderStopped` when `should_stop()` turned true, otherwise
        `ChatTemplateError` for any failure, escape or limit."""
        guard = SizeGuard(self.limits, input_chars)
        clock = RenderClock(self.limits, input_chars, should_stop)

        def render() -> str:
            pieces: list[str] = []
            size = 0
            for piece in template.generate(**variables):
                size += len(piece)
                if size > guard.max_chars:
                    guard.fits(size, "a prompt")
                pieces.append(piece)
            return "".join(pieces)

        try:
            return str(self._guarded(guard, clock, render))
        except (ChatTemplateError, RenderStopped):
            raise
        except SecurityError as exc:
            raise ChatTemplateError(
                f"The model's chat template tried to reach outside its sandbox ({exc}), so it "
                "is not used."
            ) from exc
        except _TemplateRaised as exc:
            raise ChatTemplateError(f"The chat template could not render: {exc}") from exc
        except Exception as exc:  # any error of the template's own making, in words
            raise ChatTemplateError(
                f"The chat template could not render: {exc or type(exc).__name__}"
            ) from exc

    def _guarded(
        self,
        guard: SizeGuard,
        clock: RenderClock,
        work: Callable[[], Any],
        compiling: bool = False,
    ) -> Any:
        outer = getattr(self._active, "guard", None)
        self._active.guard = guard
        try:
            return clock.run(work, compiling)
        except TemplateAbort as abort:
            raise (abort.error or ChatTemplateError("The chat template was stopped.")) from None
        finally:
            self._active.guard = outer

    def _guard(self) -> SizeGuard:
        guard = getattr(self._active, "guard", None)
        if guard is None:  # used outside compile / render (nothing does): default limits
            guard = SizeGuard(self.limits, 0)
        return guard  # type: ignore[no-any-return]

    # -- hooks the generated code calls ------------------------------------------------------

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        guard = self._guard()
        if operator == "+" and type(left) is str and type(right) is str:
            # Most of what templates compute: `'<|im_start|>' + message.role + ...`.
            size = len(left) + len(right)
            guard.fits(size)
            guard.spend(size)
            return left + right
        guard.check_binop(operator, left, right)
        return guard.made(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        guard = __self._guard()
        kind = type(__obj)
        if kind is BuiltinMethodType:  # e.g. 'text'.center
            target = __obj
        elif kind is FunctionType:  # the sandbox's wrapper of str.format keeps the original
            target = getattr(__obj, "__wrapped__", None)
        else:
            target = None
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str):
            args = guard.check_str_method(owner, getattr(target, "__name__", ""), args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        return guard.made(result)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        # Jinja hands back an undefined value and lets the template go on; a template that
        # tries to leave the sandbox is refused instead.
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe."
        )

    def checked_parts(self, parts: tuple[Any, ...]) -> tuple[Any, ...]:
        """The parts of `a ~ b`, once their joined size fits."""
        guard = self._guard()
        size = sum(guard.size_of(part) for part in parts)
        guard.fits(size)
        guard.spend(size)
        return parts

    def checked_value(self, value: Any) -> Any:
        """A list, tuple or dict literal."""
        return self._guard().made(value)

    def _checked_concat(self, pieces: Iterable[str]) -> str:
        guard = self._guard()
        listed = list(pieces)
        size = sum(len(piece) for piece in listed)
        guard.fits(size)
        guard.spend(size)
        return "".join(listed)

    def _checked_output(self, value: Any) -> Any:
        """Every `{{ value }}`, before it is printed."""
        guard = self._guard()
        size = len(value) if type(value) is str else guard.size_of(value)
        guard.fits(size)
        guard.spend(size)
        return value

    def guard_filters(self) -> None:
        """Wraps every filter (once) so its arguments are checked before it runs."""
        for name, func in list(self.filters.items()):
            if not getattr(func, "_template_guarded", False):
                self.filters[name] = self._guarded_filter(name, func)

    def _guarded_filter(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        # Filters marked @pass_context (or eval context, environment) get that first.
        skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            guard = self._guard()
            checked = guard.check_filter(name, args[skip:], kwargs)
            return guard.made(func(*args[:skip], *checked, **kwargs))

        run._template_guarded = True  # type: ignore[attr-defined]
        return run


class _TemplateRaised(Exception):
    """`raise_exception(message)` in a template: the template's own words."""


def raise_exception(message: str) -> NoReturn:
    raise _TemplateRaised(message)
