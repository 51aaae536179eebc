"""The MiniCPM catalog: the shipped data is valid and consistent; fit advice counts the KV cache."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app.core.models.catalog import (
    Catalog,
    CatalogError,
    default_catalog_path,
    fit,
    load_catalog,
    parse_catalog,
)

GIB = 1024**3
# Measured facts: OpenVINO GenAI computes these GGUF types wrongly or refuses them; for llama
# GGUFs the app rebuilds the model exactly, so only what GenAI cannot load stays out.
OPENVINO_BAD_QUANTS = ("Q4_1", "Q4_K", "Q5_K", "BF16", "F32")
OPENVINO_BAD_QUANTS_REBUILT = ("Q5_K", "BF16", "F32")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_catalog_path().read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def test_every_entry_is_complete(catalog: Catalog) -> None:
    assert len(catalog.entries) >= 6
    for entry in catalog.entries:
        assert entry.id and entry.display_name and entry.family and entry.license
        assert entry.context_length >= 32768
        assert entry.kv_cache.bytes_per_token > 0
        assert entry.sampling, entry.id
        if entry.thinking:
            assert set(entry.sampling) == {"thinking", "no_thinking"}, entry.id
        for variant in entry.variants():
            assert variant.file.size_bytes > 0
            assert variant.repo.count("/") == 1
            assert isinstance(variant.file.verified, bool)
            assert isinstance(variant.source.official, bool)
        assert entry.min_ram_bytes >= entry.default_variant().file.size_bytes, entry.id


def test_the_models_the_issue_names_are_there(catalog: Catalog) -> None:
    repos = {v.repo for e in catalog.entries for v in e.variants()}
    for repo in (
        "openbmb/MiniCPM5-1B-GGUF",
        "OpenVINO/MiniCPM5-1B-int4-ov",
        "openbmb/MiniCPM5-2B-GGUF",
        "Jeff98/MiniCPM5-2B-int4-gq-ov",
        "openbmb/MiniCPM4.1-8B-GGUF",
        "openbmb/MiniCPM4-8B-GGUF",
        "DevQuasar/openbmb.MiniCPM4-0.5B-GGUF",
        "openbmb/MiniCPM3-4B-GGUF",
    ):
        assert repo in repos


def test_minicpm5_facts(catalog: Catalog) -> None:
    entry = catalog.find("minicpm5-1b")
    assert entry is not None and entry.recommended and entry.official
    assert entry.sampling["thinking"].temperature == 0.9
    assert entry.sampling["no_thinking"].temperature == 0.7
    assert entry.sampling["thinking"].top_p == entry.sampling["no_thinking"].top_p == 0.95
    assert entry.context_length == 131072
    sizes = {v.file.name: v.file.size_bytes for v in entry.variants()}
    assert sizes["MiniCPM5-1B-Q4_K_M.gguf"] == 657_000_000
    ir = [v for v in entry.variants() if v.source.format == "openvino"]
    assert ir and ir[0].source.experimental and ir[0].file.name is None


def test_minicpm4_kv_cache_is_32_kib_per_token(catalog: Catalog) -> None:
    entry = catalog.find("MiniCPM4.1-8B")
    assert entry is not None
    assert entry.kv_cache.bytes_per_token == 32 * 1024
    assert entry.kv_cache.bytes_per_token * 65536 == 2 * GIB


def test_openvino_offered_only_where_it_is_accurate(catalog: Catalog) -> None:
    for entry in catalog.entries:
        for variant in entry.variants():
            if variant.source.format != "gguf" or "openvino" not in variant.file.backends:
                continue
            assert entry.architecture in ("llama", "qwen2", "qwen3"), variant.label
            bad = (
                OPENVINO_BAD_QUANTS_REBUILT
                if entry.architecture == "llama"
                else OPENVINO_BAD_QUANTS
            )
            assert not variant.file.quantization.startswith(bad), variant.label


def test_only_one_recommended_entry(catalog: Catalog) -> None:
    assert [e.id for e in catalog.entries if e.recommended] == ["minicpm5-1b"]


@pytest.mark.parametrize(
    "query",
    ["minicpm5-1b", "MiniCPM5 1B", "openbmb/MiniCPM5-1B-GGUF", "minicpm5-1b-q8_0.gguf"],
)
def test_find_by_id_name_repo_or_file(catalog: Catalog, query: str) -> None:
    entry = catalog.find(query)
    assert entry is not None and entry.id == "minicpm5-1b"


def test_find_by_modelscope_repo(catalog: Catalog) -> None:
    entry = catalog.find("openbmb/MiniCPM4.1-8B-GGUF")
    assert entry is not None and entry.id == "minicpm4.1-8b"


def test_find_unknown_is_none(catalog: Catalog) -> None:
    assert catalog.find("llama-3-70b") is None


def test_pick_default_named_and_ir(catalog: Catalog) -> None:
    default = catalog.pick("minicpm5-1b")
    assert default is not None and default.file.name == "MiniCPM5-1B-Q4_K_M.gguf"
    named = catalog.pick("minicpm5-1b", "MiniCPM5-1B-F16.gguf")
    assert named is not None and named.file.quantization == "F16"
    ir = catalog.pick("OpenVINO/MiniCPM5-1B-int4-ov")
    assert ir is not None and ir.file.name is None and ir.repo == "OpenVINO/MiniCPM5-1B-int4-ov"
    assert catalog.pick("minicpm5-1b", "no-such.gguf") is None


def test_eight_b_at_64k_on_8_gb_is_not_advised(catalog: Catalog) -> None:
    entry = catalog.find("minicpm4.1-8b")
    assert entry is not None
    verdict, why = fit(entry, entry.default_variant().file, 8 * GIB, 65536)
    assert verdict in ("too large", "tight")
    assert "KV cache" in why and "65,536" in why


def test_one_b_on_16_gb_fits(catalog: Catalog) -> None:
    entry = catalog.find("minicpm5-1b")
    assert entry is not None
    verdict, _ = fit(entry, entry.default_variant().file, 16 * GIB, 8192)
    assert verdict == "fits"


def test_more_context_never_fits_better(catalog: Catalog) -> None:
    order = {"fits": 0, "tight": 1, "too large": 2}
    entry = catalog.find("minicpm4-8b")
    assert entry is not None
    file = entry.default_variant().file
    verdicts = [order[fit(entry, file, 16 * GIB, n)[0]] for n in (1024, 8192, 32768, 131072)]
    assert verdicts == sorted(verdicts)
    assert "beyond the model's 32,768-token context" in fit(entry, file, 16 * GIB, 131072)[1]


def test_fit_rejects_nonsense(catalog: Catalog) -> None:
    entry = catalog.entries[0]
    with pytest.raises(ValueError):
        fit(entry, entry.default_variant().file, 0, 4096)


def test_missing_field_names_the_entry(raw: dict[str, Any]) -> None:
    del raw["models"][0]["context_length"]
    with pytest.raises(CatalogError, match=r"minicpm5-1b.*context_length"):
        parse_catalog(raw)


def test_negative_size_is_refused(raw: dict[str, Any]) -> None:
    raw["models"][0]["sources"][0]["files"][0]["size_bytes"] = -1
    with pytest.raises(CatalogError, match="size_bytes"):
        parse_catalog(raw)


def test_unknown_backend_is_refused(raw: dict[str, Any]) -> None:
    raw["models"][0]["sources"][0]["files"][0]["backends"] = ["vllm"]
    with pytest.raises(CatalogError, match="backends"):
        parse_catalog(raw)


def test_bool_is_not_a_number(raw: dict[str, Any]) -> None:
    raw["models"][0]["parameters"] = True
    with pytest.raises(CatalogError, match="parameters"):
        parse_catalog(raw)


def test_wrong_version_is_refused(raw: dict[str, Any]) -> None:
    raw["version"] = 99
    with pytest.raises(CatalogError, match="version"):
        parse_catalog(raw)


def test_default_file_must_exist(raw: dict[str, Any]) -> None:
    raw["models"][0]["default_file"] = "gone.gguf"
    with pytest.raises(CatalogError, match="default_file"):
        parse_catalog(raw)


def test_every_entry_says_what_it_is_for_in_both_languages(catalog: Catalog) -> None:
    for entry in catalog.entries:
        assert set(entry.summaries) == {"en", "zh_CN"}, entry.id
        assert entry.languages, entry.id
    entry = catalog.entries[0]
    assert entry.summary("zh_CN") == entry.summaries["zh_CN"]
    assert entry.summary("zh_TW") == entry.summaries["zh_CN"]  # the nearest there is
    assert entry.summary("de") == entry.summary() == entry.summaries["en"]


def test_summary_and_languages_are_optional(raw: dict[str, Any]) -> None:
    del raw["models"][0]["summary"]
    del raw["models"][0]["languages"]
    entry = parse_catalog(raw).entries[0]
    assert entry.summaries == {} and entry.summary("zh_CN") == ""
    assert entry.languages == ()


@pytest.mark.parametrize(
    ("key", "value"),
    [("summary", "text"), ("summary", {"en": ""}), ("languages", "zh"), ("languages", [1])],
)
def test_wrong_summary_or_languages_are_refused(
    raw: dict[str, Any], key: str, value: object
) -> None:
    raw["models"][0][key] = value
    with pytest.raises(CatalogError, match=rf"minicpm5-1b.*{key}"):
        parse_catalog(raw)


def test_bad_json_and_missing_file_are_clear(tmp_path: Path) -> None:
    broken = tmp_path / "catalog.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_catalog(broken)
    with pytest.raises(CatalogError, match="Cannot read"):
        load_catalog(tmp_path / "missing.json")


def test_recommended_sampling_per_thinking_mode() -> None:
    catalog = load_catalog()
    assert catalog.recommended_sampling("MiniCPM5-1B-Q4_K_M", True) == (0.9, 0.95)
    assert catalog.recommended_sampling("MiniCPM5-1B-Q4_K_M.gguf", False) == (0.7, 0.95)
    assert catalog.recommended_sampling("SmolLM2-135M-Instruct.Q4_1", True) is None


def test_a_q8_0_cache_counts_17_32nds_of_f16(catalog: Catalog) -> None:
    entry = catalog.find("minicpm4.1-8b")
    assert entry is not None
    file = entry.default_variant().file
    assert "llama" in file.backends
    _, f16 = fit(entry, file, 64 * GIB, 65536, kv_cache="f16")
    _, q8_0 = fit(entry, file, 64 * GIB, 65536, kv_cache="q8_0")
    assert "2.15 GB KV cache at 65,536 tokens" in f16
    assert "1.14 GB KV cache (q8_0) at 65,536 tokens" in q8_0


def test_automatic_counts_q8_0_only_where_it_makes_the_model_fit(catalog: Catalog) -> None:
    """As the load planner does (engine.loading): f16 is faster on the CPU, q8_0 only where
    f16 would not fit."""
    entry = catalog.find("minicpm4.1-8b")
    assert entry is not None
    file = entry.default_variant().file
    _, roomy = fit(entry, file, 64 * GIB, 65536)
    assert "2.15 GB KV cache at 65,536 tokens" in roomy
    # weights + 2.15 GB (f16) or 1.14 GB (q8_0) of cache + runtime, against 60 % of the RAM.
    ram = int((file.size_bytes + 1.14e9 + 0.54e9) / 0.6) + 10**8
    assert fit(entry, file, ram, 65536, kv_cache="f16")[0] == "tight"
    verdict, why = fit(entry, file, ram, 65536)
    assert (verdict, "1.14 GB KV cache (q8_0)" in why) == ("fits", True)
    # Where q8_0 would not change the verdict, f16 is counted.
    assert "q8_0" not in fit(entry, file, 8 * GIB, 131072)[1]


def test_an_openvino_folder_is_counted_in_f16(catalog: Catalog) -> None:
    """OpenVINO keeps its cache in f16 whatever llama.cpp's choice is."""
    folders = [
        (entry, variant.file)
        for entry in catalog.entries
        for variant in entry.variants()
        if variant.file.backends == ("openvino",)
    ]
    assert folders
    for entry, file in folders:
        _, why = fit(entry, file, 16 * GIB, 65536, kv_cache="q8_0")
        assert "KV cache at 65,536 tokens" in why
