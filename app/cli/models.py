"""`python main.py models ...`: list, search the catalog, pull, import and remove models."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from app.core import paths
from app.core.models.catalog import CatalogError, Variant, fit, load_catalog
from app.core.models.downloads import Downloader
from app.core.models.errors import DownloadCancelled, DownloadError
from app.core.models.hardware import Recommendation, recommend_for
from app.core.models.progress import Progress
from app.core.models.pull import SOURCE_NAMES, build_sources, parse_source_names, repo_ids_for
from app.core.models.sources import RemoteFile, Source
from app.core.models.store import (
    IR_MARKER,
    InstalledModel,
    ModelStore,
    ModelStoreError,
    check_download,
    model_name,
)
from app.core.secrets import TOKEN_ENV, token_for_hub
from engine.accelerators import probe_hardware
from engine.errors import EngineError
from engine.loading import backends_for
from engine.sizes import format_size
from resources import bundled_models_dir

DEFAULT_SEARCH_CONTEXT = 8192


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="models_command", required=True)
    listing = sub.add_parser("list", help="installed and bundled models")
    listing.add_argument("--json", action="store_true")
    search = sub.add_parser("search", help="the MiniCPM catalog, with fit for this machine")
    search.add_argument("query", nargs="?", default="", help="filter by name, repo or file")
    search.add_argument("--ctx", type=int, default=DEFAULT_SEARCH_CONTEXT, help="context tokens")
    search.add_argument("--ram-gb", type=float, help="assume this much RAM (default: this PC)")
    search.add_argument("--json", action="store_true")
    pull = sub.add_parser(
        "pull",
        help="download a catalog model or a Hub repo (resumable)",
        description="Download a catalog model or a Hub repo (resumable). Private and gated "
        f"repos use the Hugging Face token: {TOKEN_ENV} if set (it wins), else the one the app "
        "keeps in the system keyring (Settings -> Downloads).",
    )
    pull.add_argument("name", metavar="NAME_OR_REPO", help="catalog id or owner/name repo id")
    pull.add_argument("--file", help="which file of the repo (a .gguf)")
    pull.add_argument("--endpoint", help="a Hub mirror, e.g. https://hf-mirror.example")
    pull.add_argument(
        "--source",
        action="append",
        metavar="hf|mirror|modelscope",
        help="where to download from, tried in this order on errors (repeat or comma-separate); "
        "default: the --endpoint mirror, Hugging Face, then ModelScope if the catalog has it",
    )
    pull.add_argument("--modelscope-endpoint", help="the ModelScope site (default: modelscope.cn)")
    remove = sub.add_parser("rm", help="delete a downloaded or imported model")
    remove.add_argument("name")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    importing = sub.add_parser("import", help="copy a .gguf file or OpenVINO IR folder in")
    importing.add_argument("path", type=Path)


def _row(model: InstalledModel) -> dict[str, object]:
    info = model.info
    if info is None:
        return {"name": model.name, "path": str(model.path), "error": model.error}
    return {
        "name": model.name,
        "path": str(model.path),
        "bundled": model.bundled,
        "format": info.format,
        "backends": [str(b) for b in backends_for(info)],
        "size": info.size_bytes,
        "architecture": info.architecture,
        "context_length": info.context_length,
        "quantization": info.quantization,
        "minicpm": info.is_minicpm,
    }


def list_models(as_json: bool) -> int:
    models = ModelStore(paths.models_dir(), bundled_models_dir()).list()
    rows = [_row(m) for m in models]
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No models installed.")
        return 0
    header = f"{'NAME':40} {'BACKENDS':16} {'SIZE':>9} {'ARCH':10} {'CONTEXT':>8}"
    print(header)
    for row in rows:
        if "error" in row:
            print(f"{row['name']:40} unusable: {row['error']}")
            continue
        backends = ",".join(str(b) for b in row["backends"])  # type: ignore[attr-defined]
        name = f"{row['name']}{' (bundled)' if row['bundled'] else ''}"
        print(
            f"{name:40} {backends:16} {format_size(int(row['size'])):>9} "  # type: ignore[call-overload]
            f"{row['architecture'] or '?':10} {row['context_length'] or '?':>8}"
        )
    return 0


def main(args: argparse.Namespace) -> int:
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "list": lambda a: list_models(a.json),
        "search": search_catalog,
        "pull": pull_model,
        "rm": remove_model,
        "import": import_model,
    }
    try:
        return commands[args.models_command](args)
    except (CatalogError, DownloadError, EngineError, ModelStoreError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


# -- search -------------------------------------------------------------------------------------


def search_catalog(args: argparse.Namespace) -> int:
    # The CLI may wait for the accelerator probes (OpenVINO devices, nvidia-smi).
    hardware = probe_hardware(accelerators=True)
    if args.ram_gb:
        ram_bytes = int(args.ram_gb * 1e9)
        hardware = replace(hardware, total_ram_bytes=ram_bytes, available_ram_bytes=ram_bytes)
    ram = hardware.total_ram_bytes
    query = args.query.lower()
    rows = []
    for entry in load_catalog().entries:
        for variant in entry.variants():
            if query and query not in _haystack(variant):
                continue
            context = min(args.ctx, entry.context_length)
            ram_verdict, _ram_why = fit(entry, variant.file, ram, context)
            advice = recommend_for(entry, variant.file, hardware, context)
            rows.append(_search_row(variant, advice, ram_verdict, context))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"No catalog model matches '{args.query}'.")
        return 0
    print(f"This machine: {hardware.summary()}")
    print(
        f"Fit where each runs best ({format_size(ram)} RAM, or GPU memory) "
        f"at up to {args.ctx:,} tokens of context:"
    )
    print(f"{'MODEL':18} {'FILE':42} {'SIZE':>8} {'FIT':10} {'RUNS BEST ON':18} SOURCE")
    for row in rows:
        best = f"{row['backend']} · {row['device']}"
        print(
            f"{row['id']:18} {row['file']:42} {format_size(int(row['size'])):>8} "  # type: ignore[call-overload]
            f"{row['fit']:10} {best:18} {row['source']}"
        )
    print("\nPull one with: python main.py models pull MODEL [--file FILE]")
    return 0


def _haystack(variant: Variant) -> str:
    entry = variant.entry
    return " ".join([entry.id, entry.display_name, variant.repo, variant.file.name or ""]).lower()


def _search_row(
    variant: Variant, advice: Recommendation, ram_fit: str, context: int
) -> dict[str, object]:
    """One result; `fit` is the verdict where it runs best, `ram_fit` the one in RAM alone."""
    source = variant.source
    tags = ["official" if source.official else "community"]
    if not (source.verified and variant.file.verified):
        tags.append("unverified")
    if source.experimental:
        tags.append("experimental")
    return {
        "id": variant.entry.id,
        "repo": variant.repo,
        "file": variant.file.name or "(OpenVINO IR folder)",
        "size": variant.file.size_bytes,
        "quantization": variant.file.quantization,
        "backends": list(variant.file.backends),
        "context": context,
        "fit": advice.fit,
        "fit_detail": advice.explanation,
        "ram_fit": ram_fit,
        "backend": advice.backend,
        "device": advice.device,
        "source": f"{variant.repo} ({', '.join(tags)})",
        "recommended": variant.entry.recommended and variant == variant.entry.default_variant(),
    }


# -- pull ---------------------------------------------------------------------------------------


def pull_model(args: argparse.Namespace) -> int:
    variant = _catalog_variant(args.name, args.file)
    repo = variant.repo if variant else args.name
    repo_ids = repo_ids_for(variant) if variant else {}
    sources = _sources(args, catalog_on_modelscope="modelscope" in repo_ids)
    downloader = Downloader(paths.models_dir(), sources=sources)
    if variant is not None:
        filename = variant.file.name
    else:
        filename = args.file or _choose_file(repo, downloader.list_files(repo, repo_ids=repo_ids))
    progress = _ProgressLine(sys.stderr)
    try:
        if filename is None:
            path = downloader.download_repo(repo, repo_ids=repo_ids, on_progress=progress)
        else:
            path = downloader.download_file(repo, filename, repo_ids=repo_ids, on_progress=progress)
    except KeyboardInterrupt:
        progress.finish()
        print("Paused. Run the same command again to resume.", file=sys.stderr)
        return 130
    except DownloadCancelled as exc:
        progress.finish()
        print(str(exc), file=sys.stderr)
        return 130
    progress.finish()
    return _report_installed(path)


def _sources(args: argparse.Namespace, catalog_on_modelscope: bool) -> list[Source]:
    """The `--source` order, or mirror (if `--endpoint`) -> Hugging Face -> ModelScope."""
    names = parse_source_names(args.source or [])
    if not names:
        names = ["mirror"] if args.endpoint else []
        names.append("hf")
        if catalog_on_modelscope:
            names.append("modelscope")
    if "mirror" in names and not args.endpoint and not set(names) - set(SOURCE_NAMES):
        raise DownloadError("--source mirror needs the mirror's address: --endpoint URL.")
    return build_sources(
        names,
        endpoint=args.endpoint,
        token=token_for_hub(),
        modelscope_endpoint=args.modelscope_endpoint,
    )


def _catalog_variant(name: str, file: str | None) -> Variant | None:
    """The catalog's variant for a name, or None for a repo id the catalog does not know."""
    catalog = load_catalog()
    variant = catalog.pick(name, file)
    if variant is not None:
        return variant
    entry = catalog.find(name)
    if entry is not None and "/" not in name:
        files = ", ".join(v.label for v in entry.variants())
        raise DownloadError(f"{entry.display_name} has no file {file!r}. Its files: {files}")
    if "/" not in name:
        raise DownloadError(
            f"'{name}' is not in the catalog. Give a repository id (owner/name), or see "
            "'python main.py models search'."
        )
    return None


def _choose_file(repo: str, remotes: list[RemoteFile]) -> str | None:
    ggufs = [r.path for r in remotes if r.path.lower().endswith(".gguf")]
    if not ggufs:
        if any(Path(r.path).name == IR_MARKER for r in remotes):
            return None
        raise DownloadError(f"{repo} has neither a .gguf file nor an OpenVINO IR model.")
    if len(ggufs) == 1:
        return ggufs[0]
    # Q4_K_M is the usual best size/quality trade-off; otherwise let the person choose.
    preferred = [g for g in ggufs if "q4_k_m" in g.lower()]
    if len(preferred) == 1:
        return preferred[0]
    raise DownloadError(f"{repo} has several GGUF files; pick one with --file: {', '.join(ggufs)}")


def _report_installed(path: Path) -> int:
    # Checked like an import: a download that is no usable model is deleted (ModelStoreError).
    info = check_download(path, paths.models_dir())
    name = model_name(path)
    print(f"Installed {name} ({info.format}, {format_size(info.size_bytes)}) at {path}")
    print(f'Chat with it: python main.py chat -m {name} "Hello"')
    return 0


class _ProgressLine:
    """One self-rewriting status line on a terminal; plain lines every 10 % elsewhere."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self._shown = False
        self._last_decile = -1

    def __call__(self, p: Progress) -> None:
        if p.note:
            self.finish()
            self.out.write(f"note: {p.note}\n")
            self.out.flush()
        if not p.total_bytes:
            return  # a note before the transfer started: no counts yet
        percent = 100 * p.done_bytes / p.total_bytes
        eta = f"{int(p.eta_s) // 60}:{int(p.eta_s) % 60:02d}" if p.eta_s is not None else "?"
        line = (
            f"{p.file[:40]:40} [{p.source}] {percent:5.1f}% {format_size(p.done_bytes):>9} / "
            f"{format_size(p.total_bytes):>9} {format_size(int(p.speed_bps)):>9}/s ETA {eta}"
        )
        if self.tty:
            self.out.write("\r" + line)
            self._shown = True
        elif int(percent // 10) != self._last_decile:
            self._last_decile = int(percent // 10)
            self.out.write(line + "\n")
        self.out.flush()

    def finish(self) -> None:
        if self._shown:
            self.out.write("\n")
            self.out.flush()
            self._shown = False


# -- rm -----------------------------------------------------------------------------------------


def remove_model(args: argparse.Namespace) -> int:
    models_dir = paths.models_dir()
    store = ModelStore(models_dir, bundled_models_dir())
    model = store.find(args.name)
    if model is None:
        print(f"error: no installed model named '{args.name}'.", file=sys.stderr)
        return 1
    if model.bundled:
        print(
            f"error: {model.name} is bundled with the app and cannot be removed.", file=sys.stderr
        )
        return 1
    if not args.yes and not _confirm(f"Delete {model.name} ({model.path})? [y/N] "):
        print("Nothing deleted.", file=sys.stderr)
        return 1
    store.remove(model)
    print(f"Deleted {model.name}.")
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        print("error: not a terminal; pass --yes to confirm.", file=sys.stderr)
        return False
    return input(question).strip().lower() in ("y", "yes")


# -- import -------------------------------------------------------------------------------------


def import_model(args: argparse.Namespace) -> int:
    target, info = ModelStore(paths.models_dir(), bundled_models_dir()).import_model(args.path)
    print(f"Imported {info.name} ({info.format}) to {target}")
    return 0
