"""Models on disk: the bundled starter plus everything in the user's models folder.

Importing copies a validated `.gguf` file or OpenVINO IR folder into `models/imported/` under a
temporary name and renames it into place, so a half-copied model is never listed; removing
deletes the files and prunes the folders that held only them. The CLI and the GUI both call
these.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.errors import EngineError, ModelNotFoundError
from engine.model_info import ModelInfo
from engine.model_inspection import inspect_model
from engine.prompt import check_chat_template

IR_MARKER = "openvino_model.xml"
STARTER_NAME = "SmolLM2-135M-Instruct.Q4_1"
IMPORTED_DIR = "imported"
# Models prepared for OpenVINO from a GGUF (engine.convert), by the CLI and the Model page.
CONVERTED_DIR = "converted"
# The same staging folder app.core.models.downloads uses (hidden, never listed); not imported from
# there because that module pulls in the HTTP stack, and this one loads with the window.
STAGING_DIR = ".staging"


class ModelStoreError(Exception):
    """An import or removal that cannot be done; the message is for the person using the app."""


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: Path
    bundled: bool
    info: ModelInfo | None = None
    error: str | None = None


def model_name(path: Path) -> str:
    """The name people know a model by: its file (without .gguf) or folder name."""
    return path.stem if path.suffix.lower() == ".gguf" else path.name


def _is_model(path: Path) -> bool:
    if path.is_file():
        return path.suffix.lower() == ".gguf"
    return path.is_dir() and (path / IR_MARKER).is_file()


def _candidates(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if _is_model(entry):
            yield entry
        elif entry.is_dir():
            # Downloads land in a folder per repository.
            yield from _candidates(entry)


class ModelStore:
    def __init__(self, models_dir: Path, bundled_dir: Path) -> None:
        self.models_dir = models_dir
        self.bundled_dir = bundled_dir

    def list(self) -> list[InstalledModel]:
        return [self._describe(path, bundled) for path, bundled in self._paths()]

    def _paths(self) -> Iterator[tuple[Path, bool]]:
        """(path, bundled) of every model, in list order, without inspecting any: finding one
        by name must not parse every installed model's header (start-up, Settings)."""
        yield from ((path, True) for path in _candidates(self.bundled_dir))
        yield from ((path, False) for path in _candidates(self.models_dir))

    def _match(self, name_or_path: str) -> tuple[Path, bool] | None:
        wanted = name_or_path.lower()
        for path, bundled in self._paths():
            if wanted in (model_name(path).lower(), path.name.lower()) or str(path) == (
                name_or_path
            ):
                return path, bundled
        return None

    def resolve(self, name_or_path: str) -> Path:
        path = Path(name_or_path).expanduser()
        if path.exists():
            return path
        match = self._match(name_or_path)
        if match is not None:
            return match[0]
        raise ModelNotFoundError(
            f"No model named '{name_or_path}'. Run 'python main.py models list' to see them."
        )

    def default_path(self, preferred: str | None = None) -> Path:
        if preferred:
            try:
                return self.resolve(preferred)
            except ModelNotFoundError:
                pass
        paths = [path for path, _bundled in self._paths()]
        for path in paths:
            if model_name(path) == STARTER_NAME:
                return path
        if paths:
            return paths[0]
        raise ModelNotFoundError(
            "No model is installed. Run 'make run' once to install the starter model."
        )

    def find(self, name_or_path: str) -> InstalledModel | None:
        """The listed model with this name, file name or path; None when there is none."""
        match = self._match(name_or_path)
        return self._describe(*match) if match is not None else None

    def import_model(self, source: Path) -> tuple[Path, ModelInfo]:
        return import_model(source, self.models_dir)

    def remove(self, model: InstalledModel) -> None:
        """Deletes the model and what the app remembered about loading it."""
        from app.core.models.remembered import (
            RememberedLoads,  # loads the engine; only when deleting
        )

        remove_model(model, self.models_dir)
        RememberedLoads().forget(model.path)

    @staticmethod
    def _describe(path: Path, bundled: bool) -> InstalledModel:
        try:
            return InstalledModel(model_name(path), path, bundled, info=inspect_model(path))
        except EngineError as exc:
            return InstalledModel(model_name(path), path, bundled, error=str(exc))


def import_target(source: Path, models_dir: Path) -> Path:
    """Where `import_model` would put `source` (a .gguf file, an IR folder or its XML file)."""
    return models_dir / IMPORTED_DIR / _import_source(source).name


def import_model(source: Path, models_dir: Path) -> tuple[Path, ModelInfo]:
    """Validates, then copies a model into `models_dir/imported`; returns where and what it is.

    Raises `EngineError` (from `usable_model`) for a broken or unknown file, or a chat template
    that fails, hangs or reaches outside its sandbox, before anything is copied, and
    `ModelStoreError` when a model of that name was imported already.
    """
    source = _import_source(source)
    info = usable_model(source)  # refuses broken files before anything is copied
    target = import_target(source, models_dir)
    if target.exists():
        raise ModelStoreError(f"{target} already exists; remove it first.")
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        _copy_folder(source, target, models_dir / STAGING_DIR)
    else:
        _copy_file(source, target)
    return target, info


def usable_model(path: Path) -> ModelInfo:
    """What an import or a finished download must pass: the file is a valid model, and its chat
    template renders a sample conversation within its limits (`check_chat_template`, the same
    check loading it does). Raises `EngineError` saying why not."""
    info = inspect_model(path)
    check_chat_template(info)
    return info


def check_download(path: Path, models_dir: Path) -> ModelInfo:
    """A finished download passes the same check as an import, or is deleted.

    The checksum only proves the bytes are the ones the site serves; a file can match it and
    still be no model this app can run (not a GGUF, a damaged header, a chat template that
    fails or hangs). Such a download is removed, with the folders it leaves empty, so it is
    never listed as unusable, and `ModelStoreError` says why.
    """
    try:
        return usable_model(path)
    except EngineError as exc:
        if path.exists():
            remove_model(InstalledModel(model_name(path), path, bundled=False), models_dir)
        raise ModelStoreError(
            f"{path.name} was downloaded and matches the source's checksum, but it is not a "
            f"usable model, so it was deleted: {exc}"
        ) from exc


def remove_model(model: InstalledModel, models_dir: Path) -> None:
    """Deletes a downloaded or imported model and the folders it leaves empty."""
    if model.bundled:
        raise ModelStoreError(f"{model.name} is bundled with the app and cannot be removed.")
    root = models_dir.resolve()
    folder = model.path.parent.resolve()  # not the path itself: a model may be a link
    if folder != root and root not in folder.parents:
        raise ModelStoreError(f"{model.path} is not in the models folder {models_dir}.")
    if model.path.is_dir() and not model.path.is_symlink():
        shutil.rmtree(model.path)
    else:
        model.path.unlink()
    _prune_empty(model.path.parent, models_dir)


def _import_source(source: Path) -> Path:
    source = Path(source).expanduser().resolve()
    return source.parent if source.name == IR_MARKER else source


def part_path(target: Path) -> Path:
    """Where a file is written before it is complete (hidden; renamed into place)."""
    return target.with_name(f".{target.name}.part")


def _copy_file(source: Path, target: Path) -> None:
    part = part_path(target)
    try:
        shutil.copyfile(source, part)
        with open(part, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(part, target)  # a model appears in the list only once complete
    finally:
        part.unlink(missing_ok=True)


def _copy_folder(source: Path, target: Path, staging_root: Path) -> None:
    staging = staging_root / f"import-{source.name}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(source, staging)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _prune_empty(folder: Path, root: Path) -> None:
    """Removes the repo / owner folders a deletion left empty, never `root` itself."""
    root = root.resolve()
    folder = folder.resolve()
    while folder != root and root in folder.parents and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
