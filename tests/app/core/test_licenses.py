"""read_licenses(): the committed resources/licenses.json, and files that are missing or odd."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.licenses import Component, Licenses, licenses_path, read_licenses

REPO = Path(__file__).resolve().parents[3]


def _by_name(components: tuple[Component, ...]) -> dict[str, Component]:
    return {c.name: c for c in components}


def test_the_committed_list_is_read() -> None:
    assert licenses_path() == REPO / "resources" / "licenses.json"
    licenses = read_licenses()
    assert licenses.readable
    components = _by_name(licenses.components)
    assert components["llama-cpp-python"].license == "MIT"
    assert components["openvino"].license == "Apache-2.0"
    assert "LGPL-3.0-only" in components["PySide6-Essentials"].license
    assert components["Qt"].license == "LGPL-3.0-only"
    assert all(c.version and c.license for c in licenses.components)
    (starter,) = licenses.models
    assert starter.name == "SmolLM2-135M-Instruct" and starter.license == "Apache-2.0"
    assert starter.homepage == "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct"


def test_a_missing_or_broken_file_is_unreadable_not_an_error(tmp_path: Path) -> None:
    empty = Licenses((), (), readable=False)
    assert read_licenses(tmp_path / "licenses.json") == empty
    broken = tmp_path / "broken.json"
    for content in (b"{not json", b"[1, 2]", b"\xff\xfe"):
        broken.write_bytes(content)
        assert read_licenses(broken) == empty, content


def test_odd_entries_are_skipped_and_missing_fields_read_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "licenses.json"
    data = {
        "components": [
            {"name": "kept", "version": "1.0", "license": "MIT", "homepage": "https://x"},
            {"name": "", "license": "MIT"},
            {"version": "2.0"},
            "not an entry",
            {"name": "bare", "version": 3},
        ],
        "models": "not a list",
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    licenses = read_licenses(path)
    assert licenses.readable and licenses.models == ()
    assert licenses.components == (
        Component("kept", "1.0", "MIT", "https://x"),
        Component("bare", "", "", ""),
    )
