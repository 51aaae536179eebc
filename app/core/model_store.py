"""Models on disk: the bundled starter plus everything in the user's models folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.errors import EngineError, ModelNotFoundError
from engine.model_info import ModelInfo, inspect_model

IR_MARKER = "openvino_model.xml"
STARTER_NAME = "SmolLM2-135M-Instruct.Q4_1"


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: Path
    bundled: bool
    info: ModelInfo | None = None
    error: str | None = None


def _model_name(path: Path) -> str:
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
        found = [self._describe(p, True) for p in _candidates(self.bundled_dir)]
        found += [self._describe(p, False) for p in _candidates(self.models_dir)]
        return found

    def resolve(self, name_or_path: str) -> Path:
        path = Path(name_or_path).expanduser()
        if path.exists():
            return path
        wanted = name_or_path.lower()
        for model in self.list():
            if model.name.lower() == wanted or model.path.name.lower() == wanted:
                return model.path
        raise ModelNotFoundError(
            f"No model named '{name_or_path}'. Run 'python main.py models list' to see them."
        )

    def default_path(self, preferred: str | None = None) -> Path:
        if preferred:
            try:
                return self.resolve(preferred)
            except ModelNotFoundError:
                pass
        models = self.list()
        for model in models:
            if model.name == STARTER_NAME:
                return model.path
        if models:
            return models[0].path
        raise ModelNotFoundError(
            "No model is installed. Run 'make run' once to install the starter model."
        )

    @staticmethod
    def _describe(path: Path, bundled: bool) -> InstalledModel:
        try:
            return InstalledModel(_model_name(path), path, bundled, info=inspect_model(path))
        except EngineError as exc:
            return InstalledModel(_model_name(path), path, bundled, error=str(exc))
