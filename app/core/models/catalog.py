"""The MiniCPM model catalog (data in resources/catalog.json) and hardware-fit advice.

The catalog is data, not code, so a repo id or file that moves is fixed without a release of
logic. Loading validates every field and names the entry at fault: a broken catalog must fail
loudly at start-up, never show a half-filled list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from engine.kv_cache import (
    AUTO_KV,
    KV_CACHE_TYPES,
    RUNTIME_OVERHEAD_BYTES,
    bytes_per_token_as,
    kv_cache_type,
)
from engine.sizes import format_size
from engine.types import LOCAL_BACKENDS, BackendName
from resources import resource_path

CATALOG_VERSION = 1
FORMATS = ("gguf", "openvino")
BACKENDS = LOCAL_BACKENDS  # the names catalog.json uses
MODES = ("thinking", "no_thinking")
# Shares of physical RAM: the OS, a browser and the GUI need the rest.
FITS_SHARE = 0.60
TIGHT_SHARE = 0.85

Fit = Literal["fits", "tight", "too large"]


class CatalogError(ValueError):
    """The catalog file is missing, not JSON, or has a wrong or missing field."""


@dataclass(frozen=True)
class Sampling:
    temperature: float
    top_p: float


@dataclass(frozen=True)
class KvCache:
    layers: int
    kv_heads: int
    head_dim: int
    verified: bool

    @property
    def bytes_per_token(self) -> int:
        # K and V, 2 bytes each (f16 cache, the default of both engines).
        return self.layers * self.kv_heads * self.head_dim * 2 * 2


@dataclass(frozen=True)
class CatalogFile:
    """One downloadable unit: a GGUF file, or (name None) a whole repository as an IR folder."""

    name: str | None
    size_bytes: int
    quantization: str
    backends: tuple[str, ...]
    verified: bool
    note: str = ""


@dataclass(frozen=True)
class Source:
    huggingface: str
    modelscope: str | None
    format: str
    official: bool
    verified: bool
    files: tuple[CatalogFile, ...]
    experimental: bool = False
    requires: str = ""


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    display_name: str
    family: str
    architecture: str
    parameters: int
    context_length: int
    kv_cache: KvCache
    min_ram_bytes: int
    thinking: bool
    sampling: dict[str, Sampling]
    license: str
    official: bool
    recommended: bool
    default_file: str
    notes: str
    sources: tuple[Source, ...]
    # What the model is for, for people, by interface language ("en", "zh_CN"): see summary().
    summaries: dict[str, str] = field(default_factory=dict)
    # The languages it was trained to speak, as ISO 639-1 codes ("zh", "en").
    languages: tuple[str, ...] = ()

    def summary(self, language: str = "en") -> str:
        """What the model is good for in `language` ("zh_CN"), else in the same language of
        another region ("zh"), else in English; "" when the catalog has none."""
        base = language.split("_")[0]
        for key in (language, base):
            if self.summaries.get(key):
                return self.summaries[key]
        for key, text in self.summaries.items():
            if key.split("_")[0] == base:
                return text
        return self.summaries.get("en", "")

    def variants(self) -> list[Variant]:
        return [Variant(self, s, f) for s in self.sources for f in s.files]

    def default_variant(self) -> Variant:
        for variant in self.variants():
            if variant.file.name == self.default_file:
                return variant
        return self.variants()[0]


@dataclass(frozen=True)
class Variant:
    """What `models pull` downloads: an entry, the repo it comes from and the file."""

    entry: CatalogEntry
    source: Source
    file: CatalogFile

    @property
    def repo(self) -> str:
        return self.source.huggingface

    @property
    def label(self) -> str:
        return self.file.name or f"{self.repo} (OpenVINO IR folder)"


@dataclass(frozen=True)
class Catalog:
    version: int
    entries: tuple[CatalogEntry, ...]

    def find(self, name_or_repo: str) -> CatalogEntry | None:
        """By id, display name, Hugging Face / ModelScope repo id or file name (any case)."""
        wanted = name_or_repo.strip().lower()
        for entry in self.entries:
            if wanted in (entry.id, entry.display_name.lower()):
                return entry
        for entry in self.entries:
            for variant in entry.variants():
                if wanted in _names(variant):
                    return entry
        return None

    def recommended_sampling(self, model_name: str, thinking: bool) -> tuple[float, float] | None:
        """(temperature, top_p) the model's authors recommend for this thinking mode, for an
        installed model known by its file name (with or without .gguf) or repository."""
        entry = self.find(model_name) or self.find(f"{model_name}.gguf")
        if entry is None:
            return None
        mode = "thinking" if thinking and "thinking" in entry.sampling else "no_thinking"
        sampling = entry.sampling.get(mode) or next(iter(entry.sampling.values()), None)
        return None if sampling is None else (sampling.temperature, sampling.top_p)

    def pick(self, name_or_repo: str, file: str | None = None) -> Variant | None:
        """The variant to download: the named file, else the one the query names, else default."""
        entry = self.find(name_or_repo)
        if entry is None:
            return None
        variants = entry.variants()
        if file is not None:
            return next((v for v in variants if v.file.name == file), None)
        wanted = name_or_repo.strip().lower()
        named = [v for v in variants if wanted in _names(v)]
        default = entry.default_variant()
        if not named or default in named:
            return default
        return named[0]


def _names(variant: Variant) -> set[str]:
    names = {variant.source.huggingface.lower()}
    if variant.source.modelscope:
        names.add(variant.source.modelscope.lower())
    if variant.file.name:
        names.add(variant.file.name.lower())
    return names


def default_catalog_path() -> Path:
    return resource_path("catalog.json")


def load_catalog(path: Path | None = None) -> Catalog:
    path = path or default_catalog_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"Cannot read the model catalog {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise CatalogError(f"The model catalog {path} is not valid JSON: {exc}") from exc
    return parse_catalog(raw, str(path))


def parse_catalog(raw: object, where: str = "catalog") -> Catalog:
    data = _obj(raw, where)
    version = _int(data, "version", where)
    if version != CATALOG_VERSION:
        raise CatalogError(f"{where}: version {version} is not supported (want {CATALOG_VERSION})")
    models = data.get("models")
    if not isinstance(models, list) or not models:
        raise CatalogError(f"{where}: 'models' must be a non-empty list")
    entries = tuple(_entry(m, f"{where}: models[{i}]") for i, m in enumerate(models))
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise CatalogError(f"{where}: model ids must be unique")
    return Catalog(version, entries)


def _entry(raw: object, where: str) -> CatalogEntry:
    data = _obj(raw, where)
    where = f"{where} ({data.get('id', '?')})"
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources:
        raise CatalogError(f"{where}: 'sources' must be a non-empty list")
    entry = CatalogEntry(
        id=_str(data, "id", where),
        display_name=_str(data, "display_name", where),
        family=_str(data, "family", where),
        architecture=_str(data, "architecture", where),
        parameters=_positive(data, "parameters", where),
        context_length=_positive(data, "context_length", where),
        kv_cache=_kv(data.get("kv_cache"), f"{where}: kv_cache"),
        min_ram_bytes=_positive(data, "min_ram_bytes", where),
        thinking=_bool(data, "thinking", where),
        sampling=_sampling(data.get("sampling"), f"{where}: sampling"),
        license=_str(data, "license", where),
        official=_bool(data, "official", where),
        recommended=_bool(data, "recommended", where),
        default_file=_str(data, "default_file", where),
        notes=str(data.get("notes", "")),
        sources=tuple(_source(s, f"{where}: sources[{i}]") for i, s in enumerate(sources)),
        summaries=_summaries(data.get("summary", {}), f"{where}: summary"),
        languages=_languages(data.get("languages", []), f"{where}: languages"),
    )
    if entry.thinking and "thinking" not in entry.sampling:
        raise CatalogError(f"{where}: a thinking model needs 'thinking' sampling defaults")
    if entry.default_file not in {v.file.name for v in entry.variants()}:
        raise CatalogError(f"{where}: default_file {entry.default_file!r} is not in its sources")
    return entry


def _source(raw: object, where: str) -> Source:
    data = _obj(raw, where)
    fmt = _str(data, "format", where)
    if fmt not in FORMATS:
        raise CatalogError(f"{where}: format must be one of {FORMATS}, not {fmt!r}")
    repo = _str(data, "huggingface", where)
    if repo.count("/") != 1:
        raise CatalogError(f"{where}: 'huggingface' must be owner/name, not {repo!r}")
    files = data.get("files")
    if not isinstance(files, list) or not files:
        raise CatalogError(f"{where}: 'files' must be a non-empty list")
    modelscope = data.get("modelscope")
    if modelscope is not None and not isinstance(modelscope, str):
        raise CatalogError(f"{where}: 'modelscope' must be a string or null")
    return Source(
        huggingface=repo,
        modelscope=modelscope,
        format=fmt,
        official=_bool(data, "official", where),
        verified=_bool(data, "verified", where),
        files=tuple(_file(f, fmt, f"{where}: files[{i}]") for i, f in enumerate(files)),
        experimental=bool(data.get("experimental", False)),
        requires=str(data.get("requires", "")),
    )


def _file(raw: object, fmt: str, where: str) -> CatalogFile:
    data = _obj(raw, where)
    name = data.get("name")
    if fmt == "gguf" and not (isinstance(name, str) and name.endswith(".gguf")):
        raise CatalogError(f"{where}: a GGUF source lists '.gguf' file names, not {name!r}")
    if fmt == "openvino" and name is not None:
        raise CatalogError(f"{where}: an OpenVINO source is one folder: name must be null")
    backends = data.get("backends")
    if not isinstance(backends, list) or not backends or not set(backends) <= set(BACKENDS):
        raise CatalogError(f"{where}: 'backends' must list some of {BACKENDS}")
    return CatalogFile(
        name=name,
        size_bytes=_positive(data, "size_bytes", where),
        quantization=_str(data, "quantization", where),
        backends=tuple(backends),
        verified=_bool(data, "verified", where),
        note=str(data.get("note", "")),
    )


def _summaries(raw: object, where: str) -> dict[str, str]:
    """Optional: {"en": "...", "zh_CN": "..."}; an entry without one shows no description."""
    data = _obj(raw, where)
    for language, text in data.items():
        if not isinstance(text, str) or not text.strip():
            raise CatalogError(f"{where}: '{language}' must be a non-empty string")
    return dict(data)


def _languages(raw: object, where: str) -> tuple[str, ...]:
    """Optional: language codes such as ["zh", "en"]."""
    if not isinstance(raw, list) or not all(isinstance(c, str) and c.strip() for c in raw):
        raise CatalogError(f"{where}: expected a list of language codes")
    return tuple(raw)


def _kv(raw: object, where: str) -> KvCache:
    data = _obj(raw, where)
    return KvCache(
        layers=_positive(data, "layers", where),
        kv_heads=_positive(data, "kv_heads", where),
        head_dim=_positive(data, "head_dim", where),
        verified=_bool(data, "verified", where),
    )


def _sampling(raw: object, where: str) -> dict[str, Sampling]:
    data = _obj(raw, where)
    if not data or not set(data) <= set(MODES):
        raise CatalogError(f"{where}: keys must be some of {MODES}")
    result = {}
    for mode, values in data.items():
        inner = _obj(values, f"{where}.{mode}")
        temperature = _number(inner, "temperature", f"{where}.{mode}")
        top_p = _number(inner, "top_p", f"{where}.{mode}")
        if not (0 <= temperature <= 2 and 0 < top_p <= 1):
            raise CatalogError(f"{where}.{mode}: temperature 0..2 and top_p 0..1 expected")
        result[mode] = Sampling(temperature, top_p)
    return result


def _obj(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected an object")
    return raw


def _field(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise CatalogError(f"{where}: missing '{key}'")
    value = data[key]
    # bool is an int subclass: never accept it where a number is meant.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise CatalogError(f"{where}: '{key}' has the wrong type ({type(value).__name__})")
    return value


def _str(data: dict[str, Any], key: str, where: str) -> str:
    value: str = _field(data, key, str, where)
    if not value.strip():
        raise CatalogError(f"{where}: '{key}' is empty")
    return value


def _int(data: dict[str, Any], key: str, where: str) -> int:
    value: int = _field(data, key, int, where)
    return value


def _positive(data: dict[str, Any], key: str, where: str) -> int:
    value = _int(data, key, where)
    if value <= 0:
        raise CatalogError(f"{where}: '{key}' must be positive, not {value}")
    return value


def _number(data: dict[str, Any], key: str, where: str) -> float:
    return float(_field(data, key, (int, float), where))


def _bool(data: dict[str, Any], key: str, where: str) -> bool:
    value: bool = _field(data, key, bool, where)
    return value


def fit(
    entry: CatalogEntry,
    file: CatalogFile,
    ram_bytes: int,
    context_length: int,
    kv_cache: str = AUTO_KV,
) -> tuple[Fit, str]:
    """Will this file run in this much RAM at this context? Counts weights + KV cache, the
    cache of the type a load would use (`kv_cache`: the person's choice, "auto" by default)."""
    backend = BackendName.LLAMA if BackendName.LLAMA in file.backends else BackendName.OPENVINO
    detail = ram_fit_detail(
        file.size_bytes,
        entry.kv_cache.bytes_per_token,
        context_length,
        ram_bytes,
        backend,
        kv_cache,
    )
    verdict, text = detail.fit, detail.english()
    if context_length > entry.context_length:
        text += f"; beyond the model's {entry.context_length:,}-token context"
    if not entry.kv_cache.verified:
        text += " (KV size estimated)"
    return verdict, text


MemoryKind = Literal["ram", "gpu"]
# Verdicts best first.
FIT_RANK: dict[Fit, int] = {"fits": 0, "tight": 1, "too large": 2}


@dataclass(frozen=True)
class FitDetail:
    """The numbers behind one fit verdict, for words in any language (app.words.hardware);
    `english()` is what the CLI prints. `device` is where it would run ("CPU", "CUDA",
    "GPU.1"), `device_name` its full name ("" for the CPU, which the summary names);
    `kv_type` the KV cache's element type ("f16", "q8_0": named where it is not f16)."""

    fit: Fit
    weights_bytes: int
    kv_bytes: int
    context_length: int
    runtime_bytes: int
    need_bytes: int
    memory_bytes: int
    memory: MemoryKind = "ram"
    device: str = "CPU"
    device_name: str = ""
    kv_type: str = "f16"

    def english(self) -> str:
        memory = "RAM" if self.memory == "ram" else "GPU memory"
        kv = "KV cache" if self.kv_type == "f16" else f"KV cache ({self.kv_type})"
        return (
            f"{format_size(self.weights_bytes)} weights + {format_size(self.kv_bytes)} {kv} "
            f"at {self.context_length:,} tokens + {format_size(self.runtime_bytes)} runtime = "
            f"{format_size(self.need_bytes)} of {format_size(self.memory_bytes)} {memory}"
        )


def fit_detail(
    weights_bytes: int,
    kv_bytes_per_token: int,
    context_length: int,
    memory_bytes: int,
    *,
    memory: MemoryKind = "ram",
    fits_share: float = FITS_SHARE,
    tight_share: float = TIGHT_SHARE,
    kv_type: str = "f16",
) -> FitDetail:
    """The fit rule itself, on plain numbers, for RAM or (other shares) a GPU's own memory.
    `kv_bytes_per_token` is the f16 size (the catalog's); `kv_type` the cache's element type."""
    if memory_bytes <= 0 or context_length <= 0:
        raise ValueError("memory_bytes and context_length must be positive")
    kv = bytes_per_token_as(kv_bytes_per_token, kv_type) * context_length
    # Runtime buffers, tokenizer and the app on top: the engine's figure, so the advice and
    # the load planner (engine.loading) agree.
    need = weights_bytes + kv + RUNTIME_OVERHEAD_BYTES
    verdict: Fit = (
        "fits"
        if need <= memory_bytes * fits_share
        else "tight"
        if need <= memory_bytes * tight_share
        else "too large"
    )
    return FitDetail(
        verdict,
        weights_bytes,
        kv,
        context_length,
        RUNTIME_OVERHEAD_BYTES,
        need,
        memory_bytes,
        memory,
        kv_type=kv_type,
    )


def ram_fit_detail(
    weights_bytes: int,
    kv_bytes_per_token: int,
    context_length: int,
    ram_bytes: int,
    backend: str,
    kv_cache: str = AUTO_KV,
) -> FitDetail:
    """`fit_detail` in RAM with the cache a load on `backend` would get for the person's
    `kv_cache`: as chosen; for "auto" on llama.cpp f16, or q8_0 where that is what makes it fit
    (the load planner's rule, engine.loading: q8_0 reads long prompts slower on the CPU)."""
    kv_type = kv_cache_type(kv_cache, context_length, backend)
    detail = fit_detail(
        weights_bytes, kv_bytes_per_token, context_length, ram_bytes, kv_type=kv_type
    )
    if detail.fit == "fits" or kv_cache in KV_CACHE_TYPES or backend != BackendName.LLAMA:
        return detail
    quantized = fit_detail(
        weights_bytes, kv_bytes_per_token, context_length, ram_bytes, kv_type="q8_0"
    )
    return quantized if FIT_RANK[quantized.fit] < FIT_RANK[detail.fit] else detail
