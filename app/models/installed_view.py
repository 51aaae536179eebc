"""`InstalledModelsView`: the installed models, with Import, Delete and Prepare for OpenVINO.

Import, Delete and Prepare act at once (they change files, not settings); the list follows the
`ModelLibrary`'s signals, so it shows imports, conversions and downloads from anywhere. Which
model loads is chosen in Settings → Model.
"""
# Its sentences keep the Model page's translation context (they moved out of it), so the
# translations made for them still apply.

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.models.store import IR_MARKER, InstalledModel, ModelStoreError
from app.models.convert_panel import ConvertPanel, verification_of
from app.models.library import ModelLibrary, same_path
from engine.sizes import format_size

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_ROLE = Qt.ItemDataRole.UserRole + 2


class InstalledModelsView(QWidget):
    """The installed models and what changes them. Signals:
    model_chosen(str name)   # "Use this model": load it (Settings.model takes the name)
    """

    model_chosen = Signal(str)

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("installedModelsView")
        self._library = library
        self._installed: list[InstalledModel] = []
        self.models = QListWidget(self)
        self.models.setObjectName("installedModels")
        self.models.currentRowChanged.connect(self._on_models_current_row_changed)
        self.details = QLabel(self)
        self.details.setObjectName("modelDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_button = QPushButton(QCoreApplication.translate("ModelPage", "Import…"), self)
        self.import_button.setObjectName("importModelButton")
        self.import_button.setToolTip(
            QCoreApplication.translate(
                "ModelPage", "Copy a .gguf file or an OpenVINO IR folder into the models folder"
            )
        )
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.import_folder_button = QPushButton(
            QCoreApplication.translate("ModelPage", "Import folder…"), self
        )
        self.import_folder_button.setObjectName("importFolderButton")
        self.import_folder_button.setToolTip(
            QCoreApplication.translate("ModelPage", "Copy an OpenVINO IR folder in")
        )
        self.import_folder_button.clicked.connect(self._on_import_folder_button_clicked)
        self.use_button = QPushButton(self.tr("Use this model"), self)
        self.use_button.setObjectName("useModelButton")
        self.use_button.clicked.connect(self._on_use_button_clicked)
        self.delete_button = QPushButton(QCoreApplication.translate("ModelPage", "Delete…"), self)
        self.delete_button.setObjectName("deleteModelButton")
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.convert = ConvertPanel(library, self)
        self.convert.status_changed.connect(self._on_convert_status_changed)
        self.manage_status = QLabel(self)
        self.manage_status.setObjectName("manageModelsStatus")
        self.manage_status.setWordWrap(True)
        self.manage_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.import_folder_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                QCoreApplication.translate(
                    "ModelPage", "Drop a .gguf file or an OpenVINO IR folder here to import it."
                ),
                self,
            )
        )
        layout.addWidget(self.models, 1)
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        layout.addWidget(self.convert)
        layout.addWidget(self.manage_status)
        library.models_changed.connect(self._on_library_models_changed)
        library.in_use_changed.connect(self._on_library_in_use_changed)
        library.import_started.connect(self._on_library_import_started)
        library.model_imported.connect(self._on_library_model_imported)
        library.import_failed.connect(self._on_library_import_failed)
        library.conversion_finished.connect(self._on_library_conversion_finished)
        self._fill()

    @property
    def library(self) -> ModelLibrary:
        return self._library

    # -- requests --------------------------------------------------------------------------

    def names(self) -> list[str]:
        return [str(self.models.item(row).data(NAME_ROLE)) for row in range(self.models.count())]

    def select(self, name_or_path: str | Path) -> bool:
        """Chooses a model by name or path; False when it is not listed."""
        for row in range(self.models.count()):
            item = self.models.item(row)
            if name_or_path == item.data(NAME_ROLE) or (
                isinstance(name_or_path, Path)
                and same_path(Path(item.data(PATH_ROLE)), name_or_path)
            ):
                self.models.setCurrentRow(row)
                return True
        return False

    def selected_model(self) -> InstalledModel | None:
        row = self.models.currentRow()
        return self._installed[row] if 0 <= row < len(self._installed) else None

    def import_model(self, source: Path) -> None:
        """Validate and copy `source` in, in the background; the list follows."""
        self._library.import_model(source)

    def delete_selected_model(self) -> bool:
        """Asks, then deletes the chosen model. False when nothing was deleted."""
        model = self.selected_model()
        if model is None:
            return False
        refusal = self._deletion_refusal(model)
        if refusal:
            self.manage_status.setText(refusal)
            return False
        answer = QMessageBox.question(
            self,
            QCoreApplication.translate("ModelPage", "Delete model"),
            QCoreApplication.translate(
                "ModelPage", "Delete {name}? Its files are removed from\n{path}"
            ).format(name=model.name, path=str(model.path)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            self._library.delete(model)
        except (ModelStoreError, OSError) as exc:
            self.manage_status.setText(
                QCoreApplication.translate(
                    "ModelPage", "{name} could not be deleted: {error}"
                ).format(name=model.name, error=str(exc))
            )
            return False
        self.manage_status.setText(
            QCoreApplication.translate("ModelPage", "Deleted {name}.").format(name=model.name)
        )
        return True

    def prepare_selected_model(self) -> bool:
        """Estimate, ask, convert (see ConvertPanel.prepare)."""
        return self.convert.prepare()

    def cancel_conversion(self) -> None:
        self.convert.cancel()

    # -- helpers ---------------------------------------------------------------------------

    def _fill(self, select: Path | None = None) -> None:
        chosen = select
        if chosen is None and (current := self.selected_model()) is not None:
            chosen = current.path
        self.models.blockSignals(True)
        self.models.clear()
        self._installed = self._library.models()
        for installed in self._installed:
            item = QListWidgetItem(self._label(installed), self.models)
            item.setData(PATH_ROLE, str(installed.path))
            item.setData(NAME_ROLE, installed.name)
            item.setToolTip(self._describe(installed))
        self.models.blockSignals(False)
        if not (chosen is not None and self.select(chosen)) and self._installed:
            self.models.setCurrentRow(0)
        self._update()

    def _label(self, installed: InstalledModel) -> str:
        label = installed.name + (
            QCoreApplication.translate("ModelPage", " (bundled)") if installed.bundled else ""
        )
        if installed.error:
            label += QCoreApplication.translate("ModelPage", " (unusable)")
        if self._library.is_in_use(installed):
            label += QCoreApplication.translate("ModelPage", " (in use)")
        return label

    def _describe(self, installed: InstalledModel) -> str:
        lines = [self._facts(installed), str(installed.path)]
        if installed.error:
            lines.append(installed.error)
        verification = verification_of(installed.path)
        if verification:
            lines.append(verification)
        return "\n".join(line for line in lines if line)

    def _facts(self, installed: InstalledModel) -> str:
        """One line a person can compare models by: format, architecture, size, context,
        quantization, thinking."""
        info = installed.info
        if info is None:
            return ""
        parts = [
            self.tr("OpenVINO IR folder") if info.format == "openvino" else self.tr("GGUF file"),
            info.architecture or "",
            format_size(info.size_bytes) if info.size_bytes else "",
            self.tr("{n}-token context").format(n=f"{info.context_length:,}")
            if info.context_length
            else "",
            info.quantization or "",
            self.tr("thinks (hybrid reasoning)") if info.supports_thinking else "",
        ]
        return " · ".join(part for part in parts if part)

    def _deletion_refusal(self, model: InstalledModel) -> str:
        if model.bundled:
            return QCoreApplication.translate(
                "ModelPage", "{name} comes with the app and cannot be deleted."
            ).format(name=model.name)
        if self._library.is_in_use(model):
            return QCoreApplication.translate(
                "ModelPage", "{name} is in use. Load another model first, then delete this one."
            ).format(name=model.name)
        return ""

    def _update(self) -> None:
        model = self.selected_model()
        busy = self._library.importing
        self.import_button.setEnabled(not busy)
        self.import_folder_button.setEnabled(not busy)
        usable = model is not None and model.error is None and not self._library.is_in_use(model)
        self.use_button.setEnabled(usable)
        self.use_button.setToolTip(
            self.tr("Load this model now (Settings → Model chooses it too)")
            if usable
            else self.tr("Choose an installed model that is not in use")
        )
        refusal = self._deletion_refusal(model) if model is not None else ""
        self.delete_button.setEnabled(model is not None and not refusal)
        self.delete_button.setToolTip(
            refusal or QCoreApplication.translate("ModelPage", "Delete the chosen model's files")
        )
        self.details.setText(self._describe(model) if model is not None else "")
        self.convert.set_model(model)

    # -- slots -----------------------------------------------------------------------------

    @Slot(int)
    def _on_models_current_row_changed(self, _row: int) -> None:
        self._update()

    @Slot()
    def _on_use_button_clicked(self) -> None:
        model = self.selected_model()
        if model is not None:
            self.model_chosen.emit(model.name)

    @Slot()
    def _on_import_button_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            QCoreApplication.translate("ModelPage", "Import a model"),
            "",
            QCoreApplication.translate(
                "ModelPage", "Models (*.gguf {marker});;All files (*)"
            ).format(marker=IR_MARKER),
        )
        if path:
            self.import_model(Path(path))

    @Slot()
    def _on_import_folder_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, QCoreApplication.translate("ModelPage", "Import an OpenVINO IR folder")
        )
        if path:
            self.import_model(Path(path))

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        self.delete_selected_model()

    @Slot(str)
    def _on_convert_status_changed(self, text: str) -> None:
        self.manage_status.setText(text)

    @Slot()
    def _on_library_models_changed(self) -> None:
        self._fill()

    @Slot()
    def _on_library_in_use_changed(self) -> None:
        self._fill()

    @Slot(str)
    def _on_library_import_started(self, source: str) -> None:
        self.manage_status.setText(
            QCoreApplication.translate("ModelPage", "Importing {name}…").format(
                name=Path(source).name
            )
        )
        self._update()

    @Slot(str, str)
    def _on_library_model_imported(self, _source: str, target: str) -> None:
        self._fill(select=Path(target))
        self.manage_status.setText(
            QCoreApplication.translate(
                "ModelPage", "Imported {name}. Choose it in Settings → Model."
            ).format(name=Path(target).name)
        )

    @Slot(str, str)
    def _on_library_import_failed(self, source: str, message: str) -> None:
        self._update()
        self.manage_status.setText(
            QCoreApplication.translate("ModelPage", "{name} was not imported: {error}").format(
                name=Path(source).name, error=message
            )
        )

    @Slot(str, str)
    def _on_library_conversion_finished(self, _source: str, target: str) -> None:
        self._fill(select=Path(target))
