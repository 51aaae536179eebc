"""Fuzz: whatever a settings file holds, loading it gives a valid Settings and never raises."""

from __future__ import annotations

import json
import math
import tempfile
import typing
from dataclasses import asdict, fields
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.core.settings import (
    SCHEMA_VERSION,
    ServerSettings,
    Settings,
    load_settings,
    save_settings,
)

FIELD_TYPES = typing.get_type_hints(Settings)
NAMES = [f.name for f in fields(Settings)]
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and Infinity too: Python's json reads and writes them
    | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
# Keys the schema knows, with values of every kind: the hand edits that matter.
SETTINGS_DICTS = st.dictionaries(st.sampled_from([*NAMES, "unknown"]), JSON_VALUES, max_size=8)


def is_valid(loaded: Settings) -> bool:
    """Every field has its declared type (a bool is not a number), numbers are finite and
    in range, text is text that can be encoded, and the version is the current one."""
    for f in fields(Settings):
        value = getattr(loaded, f.name)
        if f.name == "servers":
            if not valid_servers(value):
                return False
            continue
        kinds = typing.get_args(FIELD_TYPES[f.name]) or (FIELD_TYPES[f.name],)
        if type(value) not in kinds:
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if isinstance(value, str):
            value.encode("utf-8")  # raises on lone surrogates
    return (
        loaded.version == SCHEMA_VERSION
        and loaded.context_length >= 1
        and loaded.cpu_threads >= 0
        and loaded.gpu_layers >= -1
        and loaded.temperature >= 0
        and 0 <= loaded.top_p <= 1
        and loaded.top_k >= 0
        and loaded.repetition_penalty > 0
        and loaded.max_new_tokens >= 1
        and (loaded.seed is None or 0 <= loaded.seed < 2**32)
        and loaded.thinking_budget >= 0
        and 1 <= loaded.api_port <= 65535
    )


def valid_servers(servers: object) -> bool:
    """A tuple of servers with names (without "/", each once), addresses and timeouts of
    more than nothing and at most a day."""
    if not isinstance(servers, tuple):
        return False
    names = [s.name for s in servers if isinstance(s, ServerSettings)]
    if len(names) != len(servers) or len(set(names)) != len(names):
        return False
    return all(
        s.name.strip() == s.name != ""
        and "/" not in s.name
        and s.base_url.strip() == s.base_url != ""
        and type(s.kind) is str
        and type(s.thinking_suffix) is bool
        and all(
            type(t) is float and math.isfinite(t) and 0 < t <= 86_400
            for t in (s.connect_timeout_s, s.read_timeout_s)
        )
        for s in servers
    )


def _load_bytes(data: bytes) -> Settings:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "settings.json"
        path.write_bytes(data)
        return load_settings(path)


def _load_json(raw: object) -> Settings:
    return _load_bytes(json.dumps(raw).encode())


@given(st.binary(max_size=200))
@example(b"\xff\xfe{}")
def test_any_bytes_load_as_valid_settings(data: bytes) -> None:
    assert is_valid(_load_bytes(data))


def test_deeply_nested_json_loads_as_defaults() -> None:
    """Found by fuzzing: json.loads raised RecursionError, which load_settings let through."""
    assert _load_bytes(b"[" * 100_000) == Settings()
    assert _load_bytes(b'{"model": ' + b"[" * 100_000) == Settings()


@given(JSON_VALUES)
def test_any_json_document_loads_as_valid_settings(raw: object) -> None:
    assert is_valid(_load_json(raw))


@given(SETTINGS_DICTS)
# Found by this test (each one raised or gave a Settings the app could not use):
@example({"version": "2"})  # ValueError from int()
@example({"version": None})  # TypeError from int()
@example({"version": 0})  # KeyError: no upgrade from version 0
@example({"version": False})  # the same: int(False) is 0
@example({"version": float("inf")})  # OverflowError from int()
@example({"model": 5})  # a None default accepted any type
@example({"model": []})
@example({"seed": "x"})
@example({"backend": None})  # None was accepted for every field
@example({"temperature": float("nan")})
@example({"context_length": -4096})
@example({"seed": -1})
@example({"system_prompt": "\ud800"})  # a lone surrogate cannot be encoded for the model
def test_any_settings_dict_loads_as_valid_settings(raw: dict[str, object]) -> None:
    loaded = _load_json(raw)
    assert is_valid(loaded)
    # What survived is what the file said; what did not is the default.
    for name, value in raw.items():
        if name in NAMES and name not in ("version", "servers"):
            assert getattr(loaded, name) in (value, getattr(Settings(), name))


@st.composite
def valid_settings(draw: st.DrawFn) -> Settings:
    text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
    return Settings(
        model=draw(st.none() | text),
        backend=draw(text),
        device=draw(text),
        context_length=draw(st.integers(1, 1 << 20)),
        cpu_threads=draw(st.integers(0, 256)),
        gpu_layers=draw(st.integers(-1, 999)),
        temperature=draw(st.floats(0, 2)),
        top_p=draw(st.floats(0, 1)),
        top_k=draw(st.integers(0, 1000)),
        repetition_penalty=draw(st.floats(0.5, 2)),
        max_new_tokens=draw(st.integers(1, 1 << 17)),
        seed=draw(st.none() | st.integers(0, 2**32 - 1)),
        system_prompt=draw(text),
        thinking=draw(st.booleans()),
        thinking_budget=draw(st.integers(0, 1 << 17)),
        offline=draw(st.booleans()),
        hub_endpoint=draw(text),
        theme=draw(text),
        servers=tuple(
            ServerSettings(name, f"http://{name}:8000/v1", kind, connect, read, suffix)
            for name, kind, connect, read, suffix in draw(
                st.lists(
                    st.tuples(
                        st.from_regex(r"[a-z][a-z0-9-]{0,11}", fullmatch=True),
                        st.sampled_from(["vllm", "sglang", "llama-server", "ollama", "other"]),
                        st.floats(0.5, 60),
                        st.floats(1, 3600),
                        st.booleans(),
                    ),
                    max_size=3,
                    unique_by=lambda server: server[0],
                )
            )
        ),
        api_enabled=draw(st.booleans()),
        api_port=draw(st.integers(1, 65535)),
        api_lan=draw(st.booleans()),
        api_allowed_origin=draw(text),
    )


@settings(max_examples=50)
@given(valid_settings())
def test_valid_settings_survive_a_save_and_load(chosen: Settings) -> None:
    assert is_valid(chosen)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "settings.json"
        save_settings(chosen, path)
        assert load_settings(path) == chosen
        # JSON has lists where the settings have tuples (the servers).
        assert json.loads(path.read_text(encoding="utf-8")) == json.loads(
            json.dumps(asdict(chosen))
        )
