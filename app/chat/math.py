"""LaTeX math in model output: a markdown-it plugin that finds it, and PNGs that show it. Qt-free.

Delimiters: `$...$` and `\\(...\\)` inline, `$$...$$` and `\\[...\\]` display. Like pandoc, `$`
opens only before a non-space and closes only after a non-space when no digit follows, so
"$5 and $10" stays text; `\\$` is a dollar; code spans and fences never hold math; an unclosed
delimiter stays text (a streaming answer shows `$$ x^2` as typed until the `$$` arrives).

Formulas are drawn by matplotlib's mathtext (a TeX subset, no LaTeX install) into PNGs that the
HTML embeds as data: URLs, so the view still loads nothing from outside. matplotlib costs about a
second and tens of MB, so it is imported on the first formula, never at start
(docs/math-rendering.md).
A formula mathtext cannot parse is shown as its source in monospace.
"""

from __future__ import annotations

import base64
import html
import logging
import os
import re
import struct
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from app.core import paths
from app.core.tasks import TaskState

log = logging.getLogger(__name__)

INLINE = "math_inline"
INLINE_DISPLAY = "math_inline_display"  # $$...$$ or \[...\] inside a line of text
BLOCK = "math_block"
CLOSERS = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}

DISPLAY_SCALE = 1.2  # display formulas are drawn a little larger than the text around them
CACHE_SIZE = 512
# Computer Modern's x-height in ems. Formulas are sized so their x-height matches the text's:
# CM at the text's pixel size looks a third smaller than a UI sans next to it.
CM_X_HEIGHT = 0.43
# mathtext has no \displaystyle (it always draws display style); dropping it loses nothing.
_STYLE_COMMANDS = re.compile(r"\\(?:displaystyle|textstyle)(?![A-Za-z])")


@dataclass(frozen=True)
class MathStyle:
    """How formulas look in one view: text size in logical px, colour, device pixel ratio and
    the x-height of the text font (to line inline formulas up with the text baseline)."""

    font_px: float = 16.0
    color: str = "#000000"
    dpr: float = 1.0
    x_height: float = 7.0


def math_plugin(md: MarkdownIt) -> None:
    """Adds the math tokens `math_inline`, `math_inline_display` and `math_block`."""
    md.block.ruler.before(
        "fence", BLOCK, _math_block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    # Before "escape", which would turn \( and \[ into plain brackets.
    md.inline.ruler.before("escape", INLINE, _math_inline)


def _find_closer(text: str, start: int, closer: str) -> int:
    """Index of `closer` in text[start:], skipping backslash escapes; -1 if none."""
    i = start
    while i < len(text):
        if text.startswith(closer, i):
            return i
        i += 2 if text[i] == "\\" else 1
    return -1


def _find_dollar_closer(text: str, start: int) -> int:
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "`":
            return -1  # a code span comes first: "$5 or `$x`" is no formula
        if (
            char == "$"
            and not text[i - 1].isspace()
            and not (i + 1 < len(text) and text[i + 1].isdigit())
        ):
            return i
        i += 1
    return -1


def _math_inline(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    opener = next((o for o in ("\\(", "\\[", "$$", "$") if src.startswith(o, pos)), None)
    if opener is None:
        return False
    start = pos + len(opener)
    if opener == "$":
        if start >= len(src) or src[start].isspace():
            return False
        end = _find_dollar_closer(src, start)
    else:
        end = _find_closer(src, start, CLOSERS[opener])
    if end < 0 or not src[start:end].strip():
        if opener != "$$":
            return False
        # Keep an unclosed "$$" together, so "$$x^2$" never reads as "$" + math "x^2".
        if not silent:
            state.pending += "$$"
        state.pos += 2
        return True
    if not silent:
        token = state.push(INLINE if opener in ("$", "\\(") else INLINE_DISPLAY, "math", 0)
        token.content = src[start:end]
        token.markup = opener
    state.pos = end + len(CLOSERS[opener])
    return True


def _math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """`$$` or `\\[` at the start of a line, closed at the end of that or a later line, with no
    blank line between (a blank line or a missing closer leaves everything as text)."""
    if state.is_code_block(start_line):
        return False
    line = state.src[state.bMarks[start_line] + state.tShift[start_line] : state.eMarks[start_line]]
    opener = next((o for o in ("$$", "\\[") if line.startswith(o)), None)
    if opener is None:
        return False
    closer = CLOSERS[opener]
    parts: list[str] = []
    text, start, current = line, len(opener), start_line
    while True:
        end = _find_closer(text, start, closer)
        if end >= 0:
            parts.append(text[start:end])
            if text[end + len(closer) :].strip():
                return False  # text follows the closer: the inline rule takes it
            break
        parts.append(text[start:])
        current += 1
        if current >= end_line or state.isEmpty(current) or state.sCount[current] < state.blkIndent:
            return False
        text = state.src[state.bMarks[current] + state.tShift[current] : state.eMarks[current]]
        start = 0
    content = "\n".join(parts)
    if not content.strip():
        return False
    if silent:
        return True
    state.line = current + 1
    token = state.push(BLOCK, "math", 0)
    token.block = True
    token.content = content
    token.markup = opener
    token.map = [start_line, state.line]
    return True


@dataclass(frozen=True)
class _Image:
    data_url: str
    width: int  # logical px
    height: int


class MathRenderer:
    """Formula -> HTML. Images are cached by (tex, display, style), failures too, so a growing
    answer re-rendered 20 times a second draws each formula once."""

    def __init__(self, cache_size: int = CACHE_SIZE) -> None:
        self._cache: OrderedDict[tuple[str, bool, bool, MathStyle], _Image | None] = OrderedDict()
        self._cache_size = cache_size
        self._parser: Any = None
        self._font_properties: Any = None

    def html(self, tex: str, markup: str, style: MathStyle, *, display: bool, inline: bool) -> str:
        """`display` draws larger; `inline` pads the image to sit on the text baseline."""
        image = self.image(tex, style, display=display, inline=inline)
        if image is None:
            source = html.escape(f"{markup}{tex}{CLOSERS.get(markup, markup)}")
            return f'<span style="font-family:monospace;">{source}</span>'
        align = ' style="vertical-align:middle;"' if inline else ""
        return f'<img src="{image.data_url}" width="{image.width}" height="{image.height}"{align}>'

    def image(self, tex: str, style: MathStyle, *, display: bool, inline: bool) -> _Image | None:
        key = (tex, display, inline, style)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        try:
            image: _Image | None = self._draw(tex, style, display, inline)
        except Exception as error:  # any failure (parse, font, missing matplotlib) shows the source
            log.debug("formula not drawn: %r: %s", tex, error)
            image = None
        self._cache[key] = image
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return image

    def _draw(self, tex: str, style: MathStyle, display: bool, inline: bool) -> _Image:
        import numpy as np

        parser, font_properties = self._mathtext()
        dpr = max(style.dpr, 0.5)
        size = style.x_height / CM_X_HEIGHT if style.x_height > 0 else style.font_px
        size *= DISPLAY_SCALE if display else 1.0
        source = _STYLE_COMMANDS.sub("", " ".join(tex.split()))
        if display:
            source = _display_fractions(source)
        # At 72 dpi one point is one pixel: the font size is in device px.
        parsed = parser.parse(f"${source}$", dpi=72 * dpr, prop=font_properties(size=size))
        mask = np.asarray(parsed.image, dtype=np.uint8)
        rows, cols = mask.shape
        top = bottom = 0
        if inline:
            # Qt centres a "middle" image half an x-height above the baseline, so pad until the
            # part above the formula's baseline exceeds the part below by half an x-height.
            depth = int(round(parsed.depth))
            excess = (rows - depth) - depth - style.x_height * dpr / 2
            if excess > 0:
                bottom = int(round(excess))
            else:
                top = int(round(-excess))
        width = max(1, int(np.ceil(cols / dpr)))
        height = max(1, int(np.ceil((rows + top + bottom) / dpr)))
        right = int(round(width * dpr)) - cols
        bottom += int(round(height * dpr)) - (rows + top + bottom)
        mask = np.pad(mask, ((top, max(bottom, 0)), (0, max(right, 0))))
        rgba = np.empty((*mask.shape, 4), dtype=np.uint8)
        rgba[..., :3] = _rgb(style.color)
        rgba[..., 3] = mask
        data = base64.b64encode(_png(rgba)).decode("ascii")
        return _Image(f"data:image/png;base64,{data}", width, height)

    def _mathtext(self) -> tuple[Any, Any]:
        if self._parser is None:
            _import_matplotlib()
            from matplotlib.font_manager import FontProperties
            from matplotlib.mathtext import MathTextParser

            self._parser = MathTextParser("agg")

            def font_properties(size: float) -> Any:
                return FontProperties(size=size, math_fontfamily="cm")

            self._font_properties = font_properties
        return self._parser, self._font_properties


def _import_matplotlib() -> None:
    # matplotlib keeps a font cache in MPLCONFIGDIR (default ~/.matplotlib): keep it in ours.
    # Agg only: no GUI backend is ever imported.
    os.environ.setdefault("MPLCONFIGDIR", str(paths.cache_dir() / "matplotlib"))
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.font_manager
    import matplotlib.mathtext  # noqa: F401


def warm_up(_state: TaskState | None = None) -> None:
    """Import matplotlib, build its font cache and draw one formula ahead of the first.

    A task for the app's `TaskRunner` (it touches no Qt object): the first formula would
    otherwise freeze the window for about a second, several seconds on a first run. It cannot
    stop half way (an import), so it ignores the task's cancel flag.
    """
    try:
        _import_matplotlib()
        # The first formula also builds mathtext's grammar (shared by every parser) and loads
        # the Computer Modern fonts: about 0.1 s that would otherwise stall a streaming answer.
        MathRenderer(cache_size=1)._draw("x^2", MathStyle(), display=False, inline=True)
    except Exception as error:  # the first formula will show its source instead
        log.debug("math warm-up failed: %s", error)


def _display_fractions(tex: str) -> str:
    """\\frac at the top level of a display formula is \\dfrac in TeX; mathtext needs telling."""
    out, depth, i = [], 0, 0
    while i < len(tex):
        if tex.startswith("\\frac", i) and depth == 0 and not tex[i + 5 : i + 6].isalpha():
            out.append("\\dfrac")
            i += 5
            continue
        char = tex[i]
        if char == "\\":
            out.append(tex[i : i + 2])
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        out.append(char)
        i += 1
    return "".join(out)


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    if len(value) != 6:
        return (0, 0, 0)
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _png(rgba: Any) -> bytes:
    """A minimal RGBA PNG encoder (zlib), so drawing needs nothing beyond numpy."""
    import numpy as np

    height, width, _ = rgba.shape
    filtered = np.concatenate(
        [np.zeros((height, 1), dtype=np.uint8), rgba.reshape(height, width * 4)], axis=1
    )

    def chunk(tag: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(tag + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(filtered.tobytes(), 6))
        + chunk(b"IEND", b"")
    )
