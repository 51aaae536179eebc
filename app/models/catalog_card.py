"""`CatalogCard`: one model of the MiniCPM catalog as a card on the Models window's Download tab.

The card says what a person needs to choose: what the model is for, its size, languages and
licence, whether it thinks, whether it fits this PC and what runs it best; then the file to
fetch and its download's progress, with pause, resume and cancel. It only shows and asks: the
`DownloadPanel` that holds it does the work with the download manager. Text wraps, so the card
never needs more width than a narrow window gives it.
"""

from __future__ import annotations

from functools import reduce

from PySide6.QtCore import QCoreApplication, Qt, QTranslator, Signal, Slot
from PySide6.QtGui import QFont, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.models.catalog import CatalogEntry, Variant
from app.core.models.hardware import Recommendation, recommend_for
from app.core.models.queue import (
    DONE,
    DOWNLOADING,
    FAILED,
    PAUSED,
    QUEUED,
    VERIFYING,
    QueuedDownload,
)
from app.models.queue_model import detail_text
from app.words.hardware import fit_text, recommendation_text
from engine.machine import Hardware
from engine.sizes import format_size
from engine.types import BackendName

# Display names of the licences the catalog uses (SPDX ids); others show as written.
LICENCE_NAMES = {"apache-2.0": "Apache 2.0", "mit": "MIT"}
BACKEND_NAMES = {BackendName.LLAMA: "llama.cpp", BackendName.OPENVINO: "OpenVINO"}
ACTIVE = (QUEUED, DOWNLOADING, VERIFYING)
# The chooser asks for this many characters of width, however long its entries: the full text
# shows in its popup, and the card keeps fitting narrow windows.
CHOOSER_MIN_CHARS = 18

VariantKey = tuple[str, str | None]


def interface_language() -> str:
    """The language of the translation in force ("zh_CN"), "en" without one: it picks the
    catalog's descriptions, which are data and so are not in the .ts files."""
    app = QCoreApplication.instance()
    if app is not None:
        for translator in app.findChildren(QTranslator):
            if translator.language():
                return translator.language()
    return "en"


def key_of(variant: Variant) -> VariantKey:
    return variant.repo, variant.file.name


class FileChooser(QComboBox):
    """A combo box that leaves the mouse wheel to the scrolling list unless it has the focus,
    so scrolling past a card never changes its file."""

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt API)
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class CatalogCard(QFrame):
    """One catalog model. Signals:
    download_requested(Variant)   # Download pressed for the chosen file
    variant_chosen(Variant)       # another file chosen: the holder shows its download state
    pause_requested(str item_id)
    resume_requested(str item_id) # also Retry after a failure
    cancel_requested(str item_id) # the holder asks the person first
    """

    download_requested = Signal(object)
    variant_chosen = Signal(object)
    pause_requested = Signal(str)
    resume_requested = Signal(str)
    cancel_requested = Signal(str)

    def __init__(
        self, entry: CatalogEntry, language: str = "en", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("catalogCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.entry = entry
        self._variants = entry.variants()
        self._advice: dict[VariantKey, tuple[Recommendation, str]] = {}
        self._item: QueuedDownload | None = None
        self._offline = False
        self.setAccessibleName(entry.display_name)
        self.setAccessibleDescription(entry.summary(language))

        self.title = QLabel(entry.display_name, self)
        self.title.setObjectName("cardTitle")
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.badges = self._make_badges()
        self.summary = self._wrapping_label("cardSummary", entry.summary(language))
        self.summary.setVisible(bool(self.summary.text()))
        self.facts = self._wrapping_label("cardFacts", self._facts_text())
        self.verdict = QLabel(self)
        self.verdict.setObjectName("cardVerdict")
        self.verdict.setFont(self._bold(self.verdict.font()))
        self.fit_detail = self._wrapping_label("cardFitDetail", "")

        self.chooser = FileChooser(self)
        self.chooser.setObjectName("fileChooser")
        self.chooser.setAccessibleName(
            self.tr("File to download for {name}").format(name=entry.display_name)
        )
        self.chooser.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.chooser.setMinimumContentsLength(CHOOSER_MIN_CHARS)
        self.chooser.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.chooser.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for variant in self._variants:
            self.chooser.addItem(self._file_label(variant, None))
        self.chooser.setCurrentIndex(self._variants.index(entry.default_variant()))
        self.chooser.currentIndexChanged.connect(self._on_chooser_current_index_changed)
        self.download_button = self._button("download", self.tr("Download"))
        self.download_button.setAccessibleName(
            self.tr("Download {name}").format(name=entry.display_name)
        )
        self.download_button.clicked.connect(self._on_download_button_clicked)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("cardProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(
            self.tr("Download progress of {name}").format(name=entry.display_name)
        )
        self.status = self._wrapping_label("cardStatus", "")
        self.pause_button = self._button("pause", self.tr("Pause"))
        self.resume_button = self._button("resume", self.tr("Resume"))
        self.cancel_button = self._button("cancel", self.tr("Cancel…"))
        name = entry.display_name
        self.pause_button.setAccessibleName(
            self.tr("Pause the download of {name}").format(name=name)
        )
        self.resume_button.setAccessibleName(
            self.tr("Resume the download of {name}").format(name=name)
        )
        self.cancel_button.setAccessibleName(
            self.tr("Cancel the download of {name}").format(name=name)
        )
        self.pause_button.clicked.connect(self._on_pause_button_clicked)
        self.resume_button.clicked.connect(self._on_resume_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self._lay_out()
        self.show_download(None)
        self._show_choice()

    # -- building --------------------------------------------------------------------------

    def _make_badges(self) -> list[QLabel]:
        entry = self.entry
        badges = [
            self._badge(
                self.tr("{size} parameters").format(size=parameter_size(entry.parameters)),
                self.tr("Model size: more parameters answer better but need more memory"),
            )
        ]
        if entry.thinking:
            badges.append(
                self._badge(
                    self.tr("Thinking"),
                    self.tr("Can think step by step before it answers (switch it in the chat)"),
                )
            )
        if entry.recommended:
            badges.append(self._badge("★ " + self.tr("Recommended"), ""))
        if not entry.official:
            badges.append(
                self._badge(self.tr("community"), self.tr("Not published by the model's authors"))
            )
        return badges

    def _badge(self, text: str, tip: str) -> QLabel:
        badge = QLabel(text, self)
        badge.setObjectName("cardBadge")
        badge.setToolTip(tip)
        return badge

    def _wrapping_label(self, name: str, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _button(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)  # Enter in a dialog must not start a download
        return button

    @staticmethod
    def _bold(font: QFont) -> QFont:
        bold = QFont(font)
        bold.setBold(True)
        return bold

    def _lay_out(self) -> None:
        title_row = QHBoxLayout()
        title_row.addWidget(self.title)
        for badge in self.badges:
            title_row.addWidget(badge)
        title_row.addStretch(1)
        fit_row = QHBoxLayout()
        fit_row.addWidget(self.verdict, 0, Qt.AlignmentFlag.AlignTop)
        fit_row.addWidget(self.fit_detail, 1)
        about = QVBoxLayout()
        about.setSpacing(6)
        about.addLayout(title_row)
        about.addWidget(self.summary)
        about.addWidget(self.facts)
        about.addLayout(fit_row)
        about.addStretch(1)

        choice_row = QHBoxLayout()
        choice_row.addWidget(self.chooser, 1)
        choice_row.addWidget(self.download_button)
        control_row = QHBoxLayout()
        control_row.addStretch(1)
        for button in (self.pause_button, self.resume_button, self.cancel_button):
            control_row.addWidget(button)
        fetch = QVBoxLayout()
        fetch.addLayout(choice_row)
        fetch.addWidget(self.progress)
        fetch.addWidget(self.status)
        fetch.addLayout(control_row)
        fetch.addStretch(1)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(16)
        layout.addLayout(about, 3)
        layout.addLayout(fetch, 2)
        # Tab goes through a card in reading order: file, Download, then its download's buttons.
        QWidget.setTabOrder(self.chooser, self.download_button)
        QWidget.setTabOrder(self.download_button, self.pause_button)
        QWidget.setTabOrder(self.pause_button, self.resume_button)
        QWidget.setTabOrder(self.resume_button, self.cancel_button)

    def _facts_text(self) -> str:
        entry = self.entry
        facts = []
        if entry.languages:
            facts.append(
                self.tr("Languages: {languages}").format(
                    languages=reduce(self._list_pair, map(self._language_name, entry.languages))
                )
            )
        facts.append(
            self.tr("Licence: {licence}").format(
                licence=LICENCE_NAMES.get(entry.license.lower(), entry.license)
            )
        )
        facts.append(self.tr("Context: up to {n:,} tokens").format(n=entry.context_length))
        return "  ·  ".join(facts)

    def _list_pair(self, earlier: str, following: str) -> str:
        # A language may join names with another mark ("中文、英文").
        return self.tr("{earlier}, {following}").format(earlier=earlier, following=following)

    def _language_name(self, code: str) -> str:
        names = {"zh": self.tr("Chinese"), "en": self.tr("English")}
        return names.get(code, code)

    def _file_label(self, variant: Variant, advice: Recommendation | None) -> str:
        """ "Q4_K_M · 657 MB · GGUF · fits": what tells one file from another."""
        file, source = variant.file, variant.source
        kind = "GGUF" if source.format == "gguf" else self.tr("OpenVINO folder")
        parts = [file.quantization, format_size(file.size_bytes), kind]
        if source.experimental:
            parts.append(self.tr("experimental"))
        if not (source.verified and file.verified):
            parts.append(self.tr("unverified"))
        if advice is not None:
            parts.append(fit_text(advice.fit))
        return " · ".join(parts)

    def _file_tip(self, variant: Variant, explanation: str) -> str:
        file, source = variant.file, variant.source
        badges = [self.tr("official") if source.official else self.tr("community")]
        badges.append(
            self.tr("verified") if source.verified and file.verified else self.tr("unverified")
        )
        if source.experimental:
            badges.append(self.tr("experimental"))
        lines = [
            variant.repo + (f" / {file.name}" if file.name else ""),
            self.tr("Runs on: {backends}").format(
                backends=", ".join(BACKEND_NAMES.get(BackendName(b), b) for b in file.backends)
            ),
            self.tr("Source: {badges}").format(badges=", ".join(badges)),
        ]
        if source.requires:
            lines.append(self.tr("Needs {requirement}").format(requirement=source.requires))
        if file.note:
            lines.append(file.note)
        if explanation:
            lines.append(explanation)
        return "\n".join(lines)

    # -- queries ---------------------------------------------------------------------------

    def variant(self) -> Variant:
        """The file chosen now."""
        return self._variants[max(self.chooser.currentIndex(), 0)]

    def variants(self) -> list[Variant]:
        return list(self._variants)

    def index_of(self, repo: str, file: str | None) -> int:
        """The chooser's row of one of this card's files; -1 when it has no such file."""
        keys = [key_of(v) for v in self._variants]
        return keys.index((repo, file)) if (repo, file) in keys else -1

    def has(self, repo: str, file: str | None) -> bool:
        return self.index_of(repo, file) >= 0

    def fit_of(self, repo: str, file: str | None) -> tuple[str, str]:
        """(verdict, explanation) for one of this card's files."""
        advice, explanation = self._advice[(repo, file)]
        return fit_text(advice.fit), explanation

    def advice_of(self, repo: str, file: str | None) -> str:
        """Where one of this card's files runs best, as "llama · CUDA"."""
        advice, _ = self._advice[(repo, file)]
        return f"{advice.backend} · {advice.device}"

    # -- requests --------------------------------------------------------------------------

    def choose(self, repo: str, file: str | None) -> bool:
        """Choose one of this card's files; False when it has no such file."""
        index = self.index_of(repo, file)
        if index < 0:
            return False
        self.chooser.setCurrentIndex(index)
        return True

    def update_fit(self, hardware: Hardware, context: int) -> None:
        """Fit and advice for every file, with the KV cache of `context` tokens (capped at the
        model's own context)."""
        entry = self.entry
        tokens = min(context, entry.context_length)
        for index, variant in enumerate(self._variants):
            advice = recommend_for(entry, variant.file, hardware, tokens)
            explanation = recommendation_text(advice)
            if tokens < context:
                explanation += self.tr(" (capped at the model's {n:,}-token context)").format(
                    n=entry.context_length
                )
            self._advice[key_of(variant)] = (advice, explanation)
            self.chooser.setItemText(index, self._file_label(variant, advice))
            self.chooser.setItemData(
                index, self._file_tip(variant, explanation), Qt.ItemDataRole.ToolTipRole
            )
        self._show_choice()

    def set_offline(self, offline: bool, tip: str) -> None:
        self._offline = offline
        self.download_button.setToolTip(tip)
        self._show_buttons()

    def show_download(self, item: QueuedDownload | None) -> None:
        """The queue item of the chosen file (None: not queued): progress and its buttons."""
        self._item = item
        busy = item is not None and item.state != DONE
        self.progress.setVisible(busy)
        self.status.setVisible(item is not None)
        if item is not None:
            done = item.size_bytes if item.state == DONE else item.done_bytes
            self.progress.setValue(int(1000 * done / item.size_bytes) if item.size_bytes else 0)
            self.status.setText(detail_text(item))
        self._show_buttons()

    # -- showing ---------------------------------------------------------------------------

    def _show_choice(self) -> None:
        variant = self.variant()
        self.chooser.setToolTip(
            str(
                self.chooser.itemData(self.chooser.currentIndex(), Qt.ItemDataRole.ToolTipRole)
                or ""
            )
        )
        found = self._advice.get(key_of(variant))
        if found is None:
            self.verdict.clear()
            self.fit_detail.clear()
            return
        advice, explanation = found
        self.verdict.setText(self._verdict_text(advice))
        self.verdict.setProperty("fit", advice.fit.replace(" ", "_"))
        self.verdict.setToolTip(explanation)
        self.fit_detail.setText(self._fit_words(advice))
        self.fit_detail.setToolTip(explanation)
        # The property drives the verdict's colour in the style sheet: polish again.
        self.verdict.style().unpolish(self.verdict)
        self.verdict.style().polish(self.verdict)

    def _verdict_text(self, advice: Recommendation) -> str:
        if advice.fit == "fits":
            return self.tr("Fits this PC")
        if advice.fit == "tight":
            return self.tr("Tight on this PC")
        return self.tr("Too large for this PC")

    def _fit_words(self, advice: Recommendation) -> str:
        """ "needs 1.6 GB of 16 GB RAM · runs best with llama.cpp on the CPU"."""
        detail = advice.detail
        need, memory = format_size(detail.need_bytes), format_size(detail.memory_bytes)
        if detail.memory == "gpu":
            needs = self.tr("needs {need} of {memory} GPU memory").format(need=need, memory=memory)
        else:
            needs = self.tr("needs {need} of {memory} RAM").format(need=need, memory=memory)
        device = (
            self.tr("the CPU") if detail.device == "CPU" else detail.device_name or detail.device
        )
        where = self.tr("runs best with {backend} on {device}").format(
            backend=BACKEND_NAMES.get(advice.backend, str(advice.backend)), device=device
        )
        return self.tr("{needs} · {where}").format(needs=needs, where=where)

    def _show_buttons(self) -> None:
        state = self._item.state if self._item is not None else None
        self.download_button.setEnabled(not self._offline and state in (None, DONE))
        self.pause_button.setVisible(state in ACTIVE)
        self.resume_button.setVisible(state in (PAUSED, FAILED))
        self.resume_button.setText(self.tr("Retry") if state == FAILED else self.tr("Resume"))
        self.cancel_button.setVisible(state is not None and state != DONE)

    # -- slots -----------------------------------------------------------------------------

    @Slot(int)
    def _on_chooser_current_index_changed(self, _index: int) -> None:
        self._show_choice()
        self.variant_chosen.emit(self.variant())

    @Slot()
    def _on_download_button_clicked(self) -> None:
        self.download_requested.emit(self.variant())

    @Slot()
    def _on_pause_button_clicked(self) -> None:
        if self._item is not None:
            self.pause_requested.emit(self._item.id)

    @Slot()
    def _on_resume_button_clicked(self) -> None:
        if self._item is not None:
            self.resume_requested.emit(self._item.id)

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        if self._item is not None:
            self.cancel_requested.emit(self._item.id)


def parameter_size(parameters: int) -> str:
    """1_080_632_832 -> "1.1B", 500_000_000 -> "0.5B", 2_000_000_000 -> "2B"."""
    billions = f"{parameters / 1e9:.1f}".removesuffix(".0")
    return f"{billions}B"
