"""Which download sources, in which order: shared by `models pull` and the download manager.

The settings name the order (`download_sources`, e.g. "mirror,hf,modelscope") and the mirror's
address (`hub_endpoint`); the CLI's `--source` / `--endpoint` flags say the same thing. A catalog
model that has no ModelScope repo simply skips ModelScope.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from app.core.models.catalog import Variant
from app.core.models.downloads import Downloader
from app.core.models.errors import DownloadCode, DownloadError
from app.core.models.sources import HuggingFaceSource, ModelScopeSource, Source
from app.core.settings import Settings

SOURCE_NAMES = ("hf", "mirror", "modelscope")


def parse_source_names(given: str | Iterable[str]) -> list[str]:
    """ "mirror, hf" or ["mirror,hf", "modelscope"] -> ["mirror", "hf", "modelscope"]."""
    parts = [given] if isinstance(given, str) else list(given)
    return [n.strip() for part in parts for n in part.split(",") if n.strip()]


def build_sources(
    names: Iterable[str],
    *,
    endpoint: str | None,
    token: str | None,
    modelscope_endpoint: str | None = None,
) -> list[Source]:
    """The sources for `names`, in order and without repeats; refuses unknown names and a
    mirror without an address."""
    names = list(dict.fromkeys(names))
    unknown = [n for n in names if n not in SOURCE_NAMES]
    if unknown:
        raise DownloadError(
            f"Unknown source {unknown[0]!r}; use {', '.join(SOURCE_NAMES)}.",
            DownloadCode.UNKNOWN_SOURCE,
            {"name": unknown[0], "known": ", ".join(SOURCE_NAMES)},
        )
    if "mirror" in names and not endpoint:
        raise DownloadError(
            "The 'mirror' source needs the mirror's address (a Hub endpoint).",
            DownloadCode.MIRROR_NEEDS_ENDPOINT,
        )
    built: dict[str, Source] = {}
    for name in names:
        if name == "hf":
            built[name] = HuggingFaceSource(token=token)
        elif name == "mirror":
            built[name] = HuggingFaceSource(endpoint, token=token, name="mirror")
        else:
            built[name] = ModelScopeSource(modelscope_endpoint)
    return [built[n] for n in names]


def repo_ids_for(variant: Variant) -> dict[str, str]:
    """Per-source spellings of the variant's repo id (ModelScope's `OpenBMB/...`)."""
    modelscope = variant.source.modelscope
    return {"modelscope": modelscope} if modelscope else {}


def downloader_for(
    settings: Settings,
    models_dir: Path,
    *,
    repo_ids: dict[str, str] | None = None,
    token: str | None = None,
    **options: float | int,
) -> Downloader:
    """A Downloader honouring the settings' sources, mirror and offline switch.

    ModelScope is skipped for a repo it does not host (no entry in `repo_ids`); when nothing is
    left the error says which sources the settings allowed.
    """
    names = parse_source_names(settings.download_sources) or ["hf"]
    if "modelscope" in names and "modelscope" not in (repo_ids or {}):
        names.remove("modelscope")
    if not names:
        raise DownloadError(
            "This model is not on ModelScope, the only download source in Settings. "
            "Add Hugging Face or a mirror there.",
            DownloadCode.ONLY_MODELSCOPE,
        )
    sources = build_sources(names, endpoint=settings.hub_endpoint or None, token=token)
    return Downloader(
        models_dir,
        sources=sources,
        offline=settings.offline or None,  # None: the MINICPM_CHAT_OFFLINE variable decides
        **options,  # type: ignore[arg-type]
    )
