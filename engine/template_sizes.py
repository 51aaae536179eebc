"""The size limits of a chat template's render, checked before a long value is made.

A chat template may ask for gigabytes in one operation (`{{ 'a' * 10**10 }}`,
`{{ 10 ** (10 ** 10) }}`). No value a render makes, and not the prompt, may be longer than the
conversation four times over plus 1 MiB (`RenderLimits`, engine.template_limits), and all it
makes together may not exceed 16 times that. Each place where a template makes a long value is
checked here *before* the value is made: `+ * ** %`, `~`, list / tuple / dict literals, method
calls (`center`, `join`, `replace`, `format`, ...), the filters, block captures and the output;
numbers may not grow past 65,536 bits. engine.template_sandbox routes those places through a
`SizeGuard`; a check that fails raises `TemplateAbort` with a `ChatTemplateError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn

from jinja2.utils import Namespace

from engine.errors import ChatTemplateError
from engine.template_limits import RenderLimits, TemplateAbort

# A template has no use for bigger numbers: 65,536 bits is 19,729 decimal digits, more than
# Python will even print (4,300). Checked before `*` and `**` compute one.
MAX_INT_BITS = 1 << 16
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


class SizeGuard:
    """The size limits of one compile or render, and what it has used of them so far."""

    def __init__(self, limits: RenderLimits, input_chars: int) -> None:
        self.max_chars = limits.chars + limits.chars_per_input_char * input_chars
        self.work = self.work_left = self.max_chars * limits.work_factor
        # Sizes of containers already measured, by id; holding the value keeps its id unique.
        self._sizes: dict[int, tuple[object, int]] = {}

    # -- sizes ------------------------------------------------------------------------------

    def refuse(self, why: str) -> NoReturn:
        raise TemplateAbort(
            ChatTemplateError(f"The model's chat template {why}, so it is not used.")
        )

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


def _is_int(value: object) -> bool:
    return isinstance(value, int)
