"""The licenses of the components the app ships with, read from resources/licenses.json
(written by installers/collect_licenses.py and committed, so checkouts and frozen bundles both
have it)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resources import resource_path

log = logging.getLogger(__name__)

LICENSES_FILE = "licenses.json"
# The app's own license, as pyproject.toml states it.
APP_LICENSE = "Apache-2.0"


@dataclass(frozen=True)
class Component:
    """A bundled package, library, runtime or model and its license."""

    name: str
    version: str
    license: str
    homepage: str


@dataclass(frozen=True)
class Licenses:
    """`readable` is False when the file is missing or broken: the About dialog says so
    instead of failing, since it is where a person looks when something is wrong."""

    components: tuple[Component, ...]
    models: tuple[Component, ...]
    readable: bool = True


def licenses_path() -> Path:
    return resource_path(LICENSES_FILE)


def read_licenses(path: Path | None = None) -> Licenses:
    path = path or licenses_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("cannot read the license list %s: %s", path, exc)
        return Licenses((), (), readable=False)
    if not isinstance(data, dict):
        log.warning("the license list %s is not a JSON object", path)
        return Licenses((), (), readable=False)
    return Licenses(_components(data.get("components")), _components(data.get("models")))


def _components(entries: Any) -> tuple[Component, ...]:
    """Entries without a name are skipped; a missing field reads as empty, so one odd entry
    does not hide the rest."""
    if not isinstance(entries, list):
        return ()
    return tuple(
        Component(
            name=entry["name"],
            version=_text(entry, "version"),
            license=_text(entry, "license"),
            homepage=_text(entry, "homepage"),
        )
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"]
    )


def _text(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    return value if isinstance(value, str) else ""
