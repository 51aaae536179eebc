"""Write resources/licenses.json: the license of every component the app ships with.

Run it with the project's virtual environment after the lock files change:

    .venv/bin/python -m installers.collect_licenses

It reads the metadata of each runtime package pinned in requirements.lock from the installed
distributions (importlib.metadata), and adds what pip does not describe: the Qt libraries inside
the PySide6 wheels, the Python runtime a frozen bundle carries, and the bundled starter model.
The JSON is committed, so the About dialog works from a checkout and from a frozen bundle alike;
a test fails when a pinned package is missing from it.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
from collections.abc import Iterable
from email.message import Message
from importlib import metadata
from pathlib import Path
from typing import Any, TypeAlias

from installers.fetch_starter import WHEEL as STARTER_WHEEL

# What importlib.metadata returns; tests pass an email Message, which it is at run time.
Metadata: TypeAlias = metadata.PackageMetadata | Message

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements.lock"
OUTPUT = REPO / "resources" / "licenses.json"
FORMAT = 1
UNKNOWN = "unknown"

# A License field longer than this is the license's full text, not its name.
SHORT_LICENSE = 60

# Classifier names (the part after the last "::") and loose License fields seen in the pinned
# packages, as SPDX identifiers, so the About dialog shows one spelling per license.
SPDX = {
    "MIT License": "MIT",
    "Apache Software License": "Apache-2.0",
    "Apache 2.0": "Apache-2.0",
    "Apache 2.0 License": "Apache-2.0",
    "BSD License": "BSD",
    "3-Clause BSD License": "BSD-3-Clause",
    "BSD 3-Clause License": "BSD-3-Clause",
    "Python Software Foundation License": "PSF-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "ISC License (ISCL)": "ISC",
    "ISC License": "ISC",
}

# Where a project's home is, in the order we prefer the labels of its Project-URL entries.
HOME_LABELS = ("homepage", "home", "source", "repository", "code", "source code")

# Where a package's metadata names no home, or a stale one.
HOMEPAGES = {
    "openvino": "https://github.com/openvinotoolkit/openvino",
    "openvino-genai": "https://github.com/openvinotoolkit/openvino.genai",
    "openvino-tokenizers": "https://github.com/openvinotoolkit/openvino_tokenizers",
}

STARTER_MODEL = {
    "name": "SmolLM2-135M-Instruct",
    "license": "Apache-2.0",
    "homepage": "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct",
}


def locked_packages(lock: Path = LOCK) -> dict[str, str]:
    """name -> version of every package pinned in a `uv pip compile` lock file."""
    pins: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if match:
            pins[normalized(match.group(1))] = match.group(2)
    return pins


def normalized(name: str) -> str:
    """PEP 503: the name pip and the lock file agree on."""
    return re.sub(r"[-_.]+", "-", name).lower()


def field(meta: Metadata, key: str) -> str:
    """The first value of a metadata field, stripped; "" when absent."""
    values = meta.get_all(key)
    return str(values[0]).strip() if values else ""


def license_of(meta: Metadata) -> str:
    """The SPDX expression when the package gives one; otherwise a short License field;
    otherwise its license classifiers; otherwise the first line of a long License text."""
    expression = field(meta, "License-Expression")
    if expression:
        return expression
    text = field(meta, "License")
    if "::" in text:  # a classifier typed into the License field
        text = text.rsplit("::", 1)[1].strip()
    if text and "\n" not in text and len(text) <= SHORT_LICENSE:
        return SPDX.get(text, text)
    classifiers = [
        c.rsplit("::", 1)[1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::") and c.count("::") >= 2
    ]
    if classifiers:
        return " OR ".join(SPDX.get(c, c) for c in classifiers)
    first_line = text.splitlines()[0].strip() if text else ""
    return SPDX.get(first_line, first_line[:SHORT_LICENSE]) if first_line else UNKNOWN


def homepage_of(meta: Metadata) -> str:
    home = field(meta, "Home-page")
    if home:
        return home
    urls: dict[str, str] = {}
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls.setdefault(label.strip().lower(), url.strip())
    for label in HOME_LABELS:
        if urls.get(label):
            return urls[label]
    return next(iter(urls.values()), "")


def package_entry(name: str, version: str) -> dict[str, str]:
    """One pinned package, described by its installed distribution."""
    meta = metadata.metadata(name)
    return {
        # The project's own capitals ("PySide6-Essentials"), with the lock file's hyphens.
        "name": (field(meta, "Name") or name).replace("_", "-"),
        "version": version,
        "license": license_of(meta),
        "homepage": HOMEPAGES.get(name) or homepage_of(meta),
    }


def extra_components(pins: dict[str, str]) -> list[dict[str, str]]:
    """What the bundle carries that no pinned package's metadata names on its own."""
    extras = [
        {
            "name": "Python",
            "version": platform.python_version(),
            "license": "PSF-2.0",
            "homepage": "https://www.python.org",
        }
    ]
    qt_version = pins.get("pyside6-essentials")
    if qt_version:
        # The PySide6 wheels carry the Qt libraries of the same version, under the LGPL.
        extras.append(
            {
                "name": "Qt",
                "version": qt_version,
                "license": "LGPL-3.0-only",
                "homepage": "https://www.qt.io",
            }
        )
    return extras


def starter_model() -> dict[str, str]:
    # The starter ships in this wheel (installers/fetch_starter.py): the quantization, and the
    # wheel that pins the file.
    wheel = STARTER_WHEEL.replace("==", " ")
    return {**STARTER_MODEL, "version": f"Q4_1 GGUF ({wheel})"}


def collect(pins: dict[str, str]) -> dict[str, Any]:
    missing = [name for name in pins if not _installed(name)]
    if missing:
        raise SystemExit(
            "not installed, so their licenses cannot be read: "
            + ", ".join(missing)
            + " (run 'make setup' first)"
        )
    packages = [package_entry(name, version) for name, version in sorted(pins.items())]
    components = sorted(packages + extra_components(pins), key=lambda c: c["name"].lower())
    return {
        "format": FORMAT,
        "generated_by": "python -m installers.collect_licenses",
        "components": components,
        "models": [starter_model()],
    }


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def write(data: dict[str, Any], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(output.name + ".part")
    part.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    part.replace(output)


def names(entries: Iterable[dict[str, str]]) -> set[str]:
    return {normalized(entry["name"]) for entry in entries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the licenses of bundled components.")
    parser.add_argument("--lock", type=Path, default=LOCK)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    data = collect(locked_packages(args.lock))
    write(data, args.output)
    print(f"{len(data['components'])} components written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
