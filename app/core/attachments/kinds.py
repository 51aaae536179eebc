"""Which kind of attachment a file is, by its name: what a file dialog offers, and which reader
it gets. A file with any other name is still read when its bytes decode as text."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DOCUMENT_KINDS", "SUPPORTED_SUFFIXES", "kind_for_name"]

# Converted by a library, in a child process (app.core.attachments.converting).
DOCUMENT_KINDS = ("pdf", "docx", "html")

_DOCUMENTS = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html"}
_MARKDOWN = (".md", ".markdown", ".mdown", ".mkd")
_TEXT = (".txt", ".text", ".log", ".csv", ".tsv", ".rst", ".adoc", ".org", ".srt", ".vtt")
_CODE = (
    # languages
    ".py",
    ".pyi",
    ".ipynb",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".cxx",
    ".hpp",
    ".hh",
    ".cs",
    ".java",
    ".kt",
    ".kts",
    ".scala",
    ".go",
    ".rs",
    ".swift",
    ".m",
    ".mm",
    ".js",
    ".jsx",
    ".mjs",
    ".cjs",
    ".ts",
    ".tsx",
    ".vue",
    ".svelte",
    ".rb",
    ".php",
    ".pl",
    ".pm",
    ".lua",
    ".r",
    ".jl",
    ".dart",
    ".hs",
    ".ml",
    ".ex",
    ".exs",
    ".erl",
    ".clj",
    ".el",
    ".lisp",
    ".zig",
    ".nim",
    ".f90",
    ".asm",
    ".s",
    ".sql",
    ".proto",
    ".graphql",
    ".tex",
    ".bib",
    ".vim",
    # shells and builds
    ".sh",
    ".bash",
    ".zsh",
    ".fish",
    ".ps1",
    ".bat",
    ".cmd",
    ".cmake",
    ".gradle",
    ".mk",
    # data and configuration
    ".json",
    ".jsonl",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".conf",
    ".properties",
    ".xml",
    ".css",
    ".scss",
    ".sass",
    ".less",
    ".diff",
    ".patch",
)

_BY_SUFFIX: dict[str, str] = {
    **_DOCUMENTS,
    **dict.fromkeys(_MARKDOWN, "markdown"),
    **dict.fromkeys(_TEXT, "text"),
    **dict.fromkeys(_CODE, "code"),
}

# For a file dialog's filter; files with other names can still be dropped.
SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".txt", *_MARKDOWN, ".pdf", ".docx", ".html", ".htm", ".xhtml",
    *(s for s in _TEXT if s != ".txt"), *_CODE,
)  # fmt: skip


def kind_for_name(path: Path) -> str | None:
    """ "text" | "markdown" | "code" | "pdf" | "docx" | "html", or None for a name we do not
    know (then the content decides)."""
    return _BY_SUFFIX.get(path.suffix.lower())
