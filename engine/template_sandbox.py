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
"""

from __future__ import annotations

import functools
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import BuiltinMethodType, FrameType, FunctionType
from typing import Any, NoReturn

from jinja2 import Template, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

from engine.errors import ChatTemplateError, RenderStopped

# A template has no use for bigger numbers: 65,536 bits is 19,729 decimal digits, more than
# Python will even print (4,300). Checked before `*` and `**` compute one.
MAX_INT_BITS = 1 << 16
# The clock and the stop condition are looked at every this many line events of template code
# (a few microseconds apart: Stop ends a render at once).
CHECK_EVERY = 64
# The file name Jinja gives the Python code it compiles a template to.
TEMPLATE_FILE = "<template>"
# A few characters per item of a container when it is printed: quotes, commas, brackets.
_ITEM_OVERHEAD = 4
# Printed sizes of scalars, generously.
_SCALAR_SIZE = 32
# `%` conversions (`%(name)-08.3f`): their width and precision, or `*` taken from the arguments.
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
# A `str.format` field with one level of nesting (`{:>{width}}`), and numbers inside one.
_FORMAT_FIELD = re.compile(r"\{(?:[^{}]|\{[^{}]*\})*\}")
_NUMBER = re.compile(r"\d+")
# Filters that neither print their input nor make anything longer than it: only their result is
# checked (lazy ones, like map, hand out their items to checks further on).
_PLAIN_FILTERS = frozenset(
    {
        "abs", "attr", "count", "d", "default", "dictsort", "first", "float", "groupby", "int",
        "items", "last", "length", "list", "map", "max", "min", "random", "reject",
        "rejectattr", "reverse", "round", "select", "selectattr", "sort", "unique",
    }
)  # fmt: skip
# Filters that print their input into a string about its size (at most a few times over).
_PRINTING_FILTERS = frozenset(
    {
        "capitalize", "e", "escape", "filesizeformat", "forceescape", "lower", "pprint", "safe",
        "string", "striptags", "title", "trim", "truncate", "upper", "urlencode",
        "wordcount", "xmlattr",
    }
)  # fmt: skip


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


class _Abort(BaseException):
    """Raised inside a render to end it, by a check or by the clock, with its error. A
    BaseException, so no `except Exception` in Jinja's runtime or a filter swallows it and lets
    the render go on."""

    def __init__(self, error: Exception | None = None) -> None:
        super().__init__(str(error or ""))
        self.error = error


class _Guard:
    """The limits of one compile or render, and what it has used of them so far."""

    def __init__(
        self,
        limits: RenderLimits,
        input_chars: int,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.max_chars = limits.chars + limits.chars_per_input_char * input_chars
        self.work = self.work_left = self.max_chars * limits.work_factor
        self.time_s = limits.time_s + limits.time_s_per_char * input_chars
        self.deadline = time.monotonic() + self.time_s
        self.should_stop = should_stop
        self.abort_error: Exception | None = None  # why the clock or the stop ended it
        # Sizes of containers already measured, by id; holding the value keeps its id unique.
        self._sizes: dict[int, tuple[object, int]] = {}

    # -- sizes ------------------------------------------------------------------------------

    def refuse(self, why: str) -> NoReturn:
        raise _Abort(ChatTemplateError(f"The model's chat template {why}, so it is not used."))

    def fits(self, size: int, what: str = "a text") -> None:
        if size > self.max_chars:
            self.refuse(
                f"tried to make {what} of {size:,} characters or items (the limit is "
                f"{self.max_chars:,})"
            )

    def spend(self, size: int) -> None:
        self.work_left -= size
        if self.work_left < 0:
            self.refuse(f"made more than {self.work:,} characters of text in one render")

    def made(self, value: object) -> object:
        """Checks a value an operation made (after the fact, so within a small factor)."""
        if isinstance(value, str):
            size = len(value)
        elif isinstance(value, int):
            self.check_int_bits(value.bit_length())
            return value
        elif isinstance(value, list | tuple | dict | Namespace):
            size = self.size_of(value)
        else:
            return value
        self.fits(size)
        self.spend(size)
        return value

    def check_int_bits(self, bits: int) -> None:
        if bits > MAX_INT_BITS:
            self.refuse(f"tried to compute a number of {bits:,} bits")

    def size_of(self, value: object) -> int:
        """About how long `str(value)` is (within a small factor), refusing once that is over
        the limit; containers that share items count each use, as printing them would."""
        if isinstance(value, str):
            return len(value)
        if isinstance(value, bool) or value is None:
            return 5
        if isinstance(value, int):
            return value.bit_length() // 3 + 2
        if isinstance(value, float | complex):
            return _SCALAR_SIZE
        if isinstance(value, bytes | bytearray):
            return 4 * len(value)
        if isinstance(value, Namespace):
            # Its attributes change (`{% set ns.x = ... %}`): measured afresh every time.
            attributes = object.__getattribute__(value, "_Namespace__attrs")
            return self._container_size(attributes, remember=False)
        if isinstance(value, list | tuple | dict | set | frozenset | Mapping):
            return self._container_size(value)
        return _SCALAR_SIZE

    def _container_size(
        self, value: Iterable[Any] | Mapping[Any, Any], remember: bool = True
    ) -> int:
        # Lists, tuples and dicts cannot change in the immutable sandbox, so a size measured
        # once holds for the whole render.
        key = id(value)
        known = self._sizes.get(key)
        if known is not None:
            return known[1]
        self._sizes[key] = (value, 2)  # a container inside itself prints as "[...]"
        try:
            total = self._items_size(value)
        finally:
            del self._sizes[key]
        if remember:
            self._sizes[key] = (value, total)
        return total

    def _items_size(self, value: Iterable[Any] | Mapping[Any, Any]) -> int:
        total = 2
        if isinstance(value, Mapping):
            for item_key, item in value.items():
                total += self.size_of(item_key) + self.size_of(item) + _ITEM_OVERHEAD
                if total > self.max_chars:
                    self.fits(total, "a value")
        else:
            for item in value:
                total += self.size_of(item) + _ITEM_OVERHEAD
                if total > self.max_chars:
                    self.fits(total, "a value")
        return total

    # -- operations that make long values, checked before they run --------------------------

    def check_binop(self, operator: str, left: Any, right: Any) -> None:
        if operator == "**":
            if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
                self.check_int_bits(left.bit_length() * right)
        elif operator == "*":
            if _is_int(left) and _is_int(right):
                self.check_int_bits(left.bit_length() + right.bit_length())
            elif _is_int(right) and isinstance(left, str | list | tuple):
                self.fits(len(left) * right, "a repeated value")
            elif _is_int(left) and isinstance(right, str | list | tuple):
                self.fits(len(right) * left, "a repeated value")
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                self.fits(len(left) + len(right))
        elif operator == "%" and isinstance(left, str):
            self.check_printf(left, right)

    def check_printf(self, template: str, args: Any) -> None:
        """`'%08d' % x`: its widths and precisions plus what it prints."""
        values = args if isinstance(args, tuple) else (args,)
        size = len(template) + sum(self.size_of(v) for v in values)
        stars = False
        for match in _PRINTF_SPEC.finditer(template):
            for number in match.groups():
                if number == "*":
                    stars = True
                elif number:
                    size += int(number) if len(number) < 20 else self.max_chars + 1
        if stars:
            size += sum(abs(v) for v in values if _is_int(v))
        self.fits(size)

    def check_format(self, template: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        """`'{:>8}'.format(x)`: the numbers in its fields plus what it prints."""
        values = [*args, *kwargs.values()]
        size = len(template) + sum(self.size_of(v) for v in values)
        for field in _FORMAT_FIELD.findall(template):
            for number in _NUMBER.findall(field):
                size += int(number) if len(number) < 20 else self.max_chars + 1
            if field.count("{") > 1:  # a nested field: the width comes from the arguments
                size += sum(abs(v) for v in values if _is_int(v))
        self.fits(size)

    def replaced_size(self, text: Any, old: Any, new: Any, count: Any = None) -> int:
        """How long `text.replace(old, new, count)` would be."""
        old_s = old if isinstance(old, str) else ""
        new_size = self.size_of(new)
        if isinstance(text, str):
            found = text.count(old_s) if old_s else len(text) + 1
            size = len(text)
        else:
            size = self.size_of(text)
            found = size + 1
        if _is_int(count) and count >= 0:
            found = min(found, count)
        return size + found * max(new_size - len(old_s), 0)

    def joined(self, separator: Any, items: Iterable[Any]) -> list[Any]:
        """The items of a join, as a list, once the joined text is known to fit."""
        listed = list(items)
        size = sum(self.size_of(item) for item in listed)
        size += self.size_of(separator) * max(len(listed) - 1, 0)
        self.fits(size)
        return listed

    def check_str_method(
        self, text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, ...]:
        """A method of a string, before it runs; returns the arguments to call it with."""
        if name in ("ljust", "rjust", "center", "zfill"):
            width = args[0] if args else kwargs.get("width", 0)
            if _is_int(width):
                self.fits(len(text) + width)
        elif name == "expandtabs":
            size = args[0] if args else kwargs.get("tabsize", 8)
            if _is_int(size):
                self.fits(len(text) + text.count("\t") * max(size, 0))
        elif name == "replace" and len(args) >= 2:
            self.fits(self.replaced_size(text, *args[:3]))
        elif name == "join" and args:
            return (self.joined(text, args[0]), *args[1:])
        elif name in ("format", "format_map"):
            mapping = args[0] if name == "format_map" and args else {}
            values = dict(mapping) if isinstance(mapping, Mapping) else {}
            self.check_format(text, args if name == "format" else (), {**kwargs, **values})
        elif name == "translate" and args and isinstance(args[0], Mapping):
            longest = max((self.size_of(v) for v in args[0].values()), default=1)
            self.fits(len(text) * max(longest, 1))
        return args

    def check_filter(
        self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, ...]:
        """A filter's arguments (its input first), before it runs; returns the ones to run with."""
        if not args or name in _PLAIN_FILTERS:
            return args
        value, rest = args[0], args[1:]

        def arg(index: int, keyword: str, default: Any) -> Any:
            return rest[index] if len(rest) > index else kwargs.get(keyword, default)

        if name == "tojson":  # each line indented: at most one line per three characters
            indent = arg(0, "indent", None)
            pad = indent if _is_int(indent) else self.size_of(indent) if indent else 0
            size = self.size_of(value)
            self.fits(size + (size // 3 + 1) * max(pad, 0))
        elif name in _PRINTING_FILTERS:
            self.fits(self.size_of(value))
        elif name in ("batch", "slice"):
            count = arg(0, "linecount" if name == "batch" else "slices", 0)
            if _is_int(count):
                self.fits(count, "a list")
        elif name == "center":
            width = arg(0, "width", 80)
            self.fits(self.size_of(value) + (width if _is_int(width) else 0))
        elif name == "indent":
            width = arg(0, "width", 4)
            pad = width if _is_int(width) else self.size_of(width)
            lines = value.count("\n") + 1 if isinstance(value, str) else self.size_of(value)
            self.fits(self.size_of(value) + lines * max(pad, 0))
        elif name == "wordwrap":
            wrap = arg(2, "wrapstring", None)
            self.fits(self.size_of(value) * (1 + (self.size_of(wrap) if wrap else 2)))
        elif name == "replace":
            self.fits(
                self.replaced_size(
                    value, arg(0, "old", ""), arg(1, "new", ""), arg(2, "count", None)
                )
            )
        elif name == "join":
            return (self.joined(arg(0, "d", ""), value), *rest)
        elif name == "sum":  # of lists, it concatenates them
            listed = list(value)
            if arg(0, "attribute", None) is not None:
                size = self.size_of(listed)  # at least what the attributes add up to
            else:
                size = sum(self.size_of(v) for v in listed if isinstance(v, list | tuple))
            self.fits(size + self.size_of(arg(1, "start", 0)), "a sum")
            return (listed, *rest)
        elif name == "format" and isinstance(value, str):
            self.check_printf(value, tuple(rest) or tuple(kwargs.values()))
        else:
            # A filter without a rule (urlize, or one added later): its output may repeat an
            # argument for every piece of the input, so allow only what that product allows.
            size = self.size_of(value)
            extra = sum(self.size_of(a) for a in rest) + sum(
                self.size_of(v) for v in kwargs.values()
            )
            self.fits(size * (1 + extra) if extra else size)
        return args

    # -- the clock and the stop ------------------------------------------------------------

    def run(self, work: Callable[[], Any], compiling: bool = False) -> Any:
        """`work()` under a trace function that raises `_Abort` once the deadline passes or
        the caller asks to stop.

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
                    self.abort_error = error
                    raise _Abort(error)

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


def _is_int(value: object) -> bool:
    return isinstance(value, int)


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
                _Guard(self.limits, 0, None), lambda: self.from_string(source), compiling=True
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
        guard = _Guard(self.limits, input_chars, should_stop)

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
            return str(self._guarded(guard, render))
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

    def _guarded(self, guard: _Guard, work: Callable[[], Any], compiling: bool = False) -> Any:
        outer = getattr(self._active, "guard", None)
        self._active.guard = guard
        try:
            return guard.run(work, compiling)
        except _Abort as abort:
            raise (abort.error or ChatTemplateError("The chat template was stopped.")) from None
        finally:
            self._active.guard = outer

    def _guard(self) -> _Guard:
        guard = getattr(self._active, "guard", None)
        if guard is None:  # used outside compile / render (nothing does): default limits
            guard = _Guard(self.limits, 0, None)
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
