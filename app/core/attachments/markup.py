"""HTML as Markdown text for the model: headings, lists, tables and code blocks kept, scripts,
styles and images dropped (an image's alt text stays). Used for HTML files and for Word
documents (which mammoth turns into HTML first), the way markitdown does, without its model
-based file sniffing (onnxruntime) that the app does not need.

Runs in the converter's child process (app.core.attachments.child).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["html_to_markdown"]

# Never text a person reads on the page.
_DROPPED = (
    "script", "style", "noscript", "template", "head", "svg", "canvas", "iframe", "object",
    "embed",
)  # fmt: skip
# Links the model can use; others (javascript:, data:, relative paths) are only noise.
_KEPT_LINKS = ("http://", "https://", "mailto:")
_MAX_LINK = 300
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def html_to_markdown(html: str | bytes) -> str:
    """Markdown text; bytes are decoded by the page's own charset (BOM, <meta>), else UTF-8."""
    from bs4 import BeautifulSoup
    from markdownify import MarkdownConverter

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_DROPPED):
        tag.decompose()
    for image in soup("img"):
        image.replace_with(_attribute(image, "alt"))
    for link in soup("a"):
        href = _attribute(link, "href")
        if not href.startswith(_KEPT_LINKS) or len(href) > _MAX_LINK:
            link.unwrap()
    converter = MarkdownConverter(
        heading_style="atx",
        bullets="-",
        # The model reads the text, nobody renders it: snake_case and 2*3 stay as they are.
        escape_underscores=False,
        escape_asterisks=False,
        table_infer_header=True,
    )
    text = converter.convert_soup(soup.body or soup)
    text = _TRAILING_SPACE.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def _attribute(tag: Any, name: str) -> str:
    value = tag.get(name)
    if isinstance(value, list):  # bs4 gives multi-valued attributes (class) as lists
        value = " ".join(value)
    return str(value or "").strip()
