"""`ModelLibrary`: the Qt face of the model store (`app.core.models.store.ModelStore`).

One object lists the installed models, imports (through `ModelImporter`), deletes and converts
(through `ModelConverter`) them, and announces every change as a signal, so that each view
(the Models window, the Settings page's picker, the main window's status) follows the same
list. It is built by the composition root and passed in; no view builds its own importer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from app.core.models.store import InstalledModel, ModelStore
from app.models.converter import ConversionCost, ModelConverter
from app.models.importer import ModelImporter


def same_path(a: Path, b: Path) -> bool:
    # Not resolved: an installed model may be a link to another one, and is not that one.
    return a.absolute() == b.absolute()


class ModelLibrary(QObject):
    """The installed models and what changes them. Signals (GUI thread):
    models_changed()                                  # the list of installed models changed
    model_added(str path)                             # imported, converted or downloaded
    model_removed(str path)                           # deleted
    in_use_changed()                                  # another model is loaded
    import_started(str source)
    model_imported(str source, str target)            # validated, copied and listed
    import_failed(str source, str message)            # nothing was copied
    conversion_started(str source)
    conversion_progressed(str stage, float fraction)  # fraction of the whole run, 0..1
    conversion_finished(str source, str target)       # verified and listed
    conversion_failed(str source, str outcome, str message)  # see ModelConverter
    """

    models_changed = Signal()
    model_added = Signal(str)
    model_removed = Signal(str)
    in_use_changed = Signal()
    import_started = Signal(str)
    model_imported = Signal(str, str)
    import_failed = Signal(str, str)
    conversion_started = Signal(str)
    conversion_progressed = Signal(str, float)
    conversion_finished = Signal(str, str)
    conversion_failed = Signal(str, str, str)

    def __init__(
        self,
        store: ModelStore,
        importer: ModelImporter,
        converter: ModelConverter,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._importer = importer
        self._converter = converter
        self._in_use: Path | None = None
        # The library owns them: they live (and report) as long as it does.
        for worker in (importer, converter):
            if worker.parent() is None:
                worker.setParent(self)
        importer.import_started.connect(self.import_started)
        importer.model_imported.connect(self._on_importer_model_imported)
        importer.import_failed.connect(self.import_failed)
        converter.conversion_started.connect(self.conversion_started)
        converter.conversion_progressed.connect(self.conversion_progressed)
        converter.model_converted.connect(self._on_converter_model_converted)
        converter.conversion_failed.connect(self.conversion_failed)

    # -- what is installed -----------------------------------------------------------------

    @property
    def store(self) -> ModelStore:
        return self._store

    def models(self) -> list[InstalledModel]:
        """The installed models, read from disk now (bundled ones included)."""
        return self._store.list()

    def find(self, path: Path) -> InstalledModel | None:
        for model in self.models():
            if same_path(model.path, path):
                return model
        return None

    @property
    def in_use(self) -> Path | None:
        """The loaded model's path, which `delete` refuses."""
        return self._in_use

    def set_in_use(self, path: Path | None) -> None:
        if path != self._in_use:
            self._in_use = path
            self.in_use_changed.emit()

    def is_in_use(self, model: InstalledModel) -> bool:
        return self._in_use is not None and same_path(model.path, self._in_use)

    # -- requests --------------------------------------------------------------------------

    @property
    def importing(self) -> bool:
        return self._importer.busy

    def import_model(self, source: Path) -> None:
        """Validate and copy `source` in, in the background; the outcome arrives as signals."""
        self._importer.import_model(Path(source))

    def import_models(self, sources: Iterable[Path]) -> None:
        for source in sources:
            self.import_model(source)

    def delete(self, model: InstalledModel) -> None:
        """Removes the model's files. Raises ModelStoreError or OSError; the caller checks
        `bundled` and `is_in_use` first and says why it refuses."""
        self._store.remove(model)
        self.model_removed.emit(str(model.path))
        self.models_changed.emit()

    @property
    def converting(self) -> Path | None:
        """The model being converted, or None."""
        return self._converter.running

    def estimate_conversion(self, source: Path, weights: str) -> ConversionCost:
        return self._converter.estimate(source, weights)

    def convert(self, source: Path, weights: str) -> bool:
        """Start converting `source`; False when another conversion is running."""
        return self._converter.convert(source, weights)

    def cancel_conversion(self) -> None:
        """Thread-safe: the job stops at its next check; nothing is registered."""
        self._converter.cancel()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the imports are done (shutdown and tests)."""
        return self._importer.wait(timeout_ms)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel a conversion and wait for it and the imports (tests, a clean exit)."""
        converted = self._converter.shutdown(timeout_ms)
        return self._importer.wait(timeout_ms) and converted

    # -- slots -----------------------------------------------------------------------------

    @Slot(str)
    def add_installed(self, path: str) -> None:
        """A model arrived by another way (the download manager's `model_installed`)."""
        self.model_added.emit(path)
        self.models_changed.emit()

    @Slot(str, str)
    def _on_importer_model_imported(self, source: str, target: str) -> None:
        self.model_added.emit(target)
        self.models_changed.emit()
        self.model_imported.emit(source, target)

    @Slot(str, str)
    def _on_converter_model_converted(self, source: str, target: str) -> None:
        self.model_added.emit(target)
        self.models_changed.emit()
        self.conversion_finished.emit(source, target)
