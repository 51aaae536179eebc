"""`ServersPage`: the remote servers a person uses (vLLM, SGLang, llama-server, Ollama or any
OpenAI-compatible server): add, edit, remove, and "Test connection".

Each server's API key is not a setting: the page holds what was typed until OK, then
`commit_keys` writes it to the system keyring (and moves or deletes the keys of renamed or
removed servers) through `app.core.secrets`; the field never shows a stored key. An entry that
is not valid (no name, a duplicate, a "/" in the name, an address that is not http(s)) says
why, and `apply` keeps its last good value. Test connection lists the server's models on the
TaskRunner, never on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core import secrets
from app.core.remote_servers import (
    ServerModels,
    ServerProblem,
    list_server_models,
    move_keys,
    normalized_base_url,
    server_problem,
)
from app.core.settings import (
    ServerSettings,
    Settings,
    parse_remote_model_name,
    remote_model_name,
)
from app.core.tasks import TaskOutcome
from app.settings.choices import fill, select
from app.tasks import TaskRunner
from app.words.load import engine_error_text
from engine.errors import EngineError
from engine.types import ServerKind

KINDS = (
    ("vLLM", ServerKind.VLLM.value),
    ("SGLang", ServerKind.SGLANG.value),
    ("llama-server", ServerKind.LLAMA_SERVER.value),
    ("Ollama", ServerKind.OLLAMA.value),
    (QT_TRANSLATE_NOOP("ServersPage", "Other"), ServerKind.OTHER.value),
)
NEW_URL = "http://localhost:8000/v1"
# Model ids shown after "Connected: N models"; the rest is "…".
SHOWN_MODELS = 5


@dataclass
class _Entry:
    """One server in the list: its last good settings, the name it had when the page loaded
    (None: added here), and what is to happen to its key on OK."""

    server: ServerSettings
    original: str | None = None
    key: str = ""  # typed, not saved yet
    forget_key: bool = False
    saved: bool | None = None  # a key is in the keyring (None: not asked yet)


class ServersPage(QWidget):
    """The list of remote servers and the selected one's settings. Signals:
    servers_edited(tuple[ServerSettings, ...])   # the list as it would be applied now
    models_listed(ServerModels)                  # Test connection listed a server's models
    """

    servers_edited = Signal(object)
    models_listed = Signal(object)

    def __init__(self, parent: QWidget | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serversPage")
        self._runner = runner or TaskRunner("servers", parent=self)
        self._runner.task_finished.connect(self._on_runner_task_finished)
        self._entries: list[_Entry] = []
        self._removed: list[str] = []
        self._test_id: int | None = None
        self._offline = False
        self._filling = False
        self._keyring_ok = True

        self.list = QListWidget(self)
        self.list.setObjectName("serverList")
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.setObjectName("addServerButton")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setObjectName("removeServerButton")
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.add_button)
        list_buttons.addWidget(self.remove_button)
        list_buttons.addStretch(1)

        self.form = QWidget(self)
        self.form.setObjectName("serverForm")
        self.name = QLineEdit(self.form)
        self.name.setObjectName("serverNameEdit")
        self.url = QLineEdit(self.form)
        self.url.setObjectName("serverUrlEdit")
        self.url.setPlaceholderText("http://gpu-box:8000/v1")
        self.url.setToolTip(
            self.tr("The server's OpenAI-compatible address; /v1 is added if missing")
        )
        self.kind = QComboBox(self.form)
        self.kind.setObjectName("serverKindCombo")
        fill(self.kind, KINDS, "ServersPage")
        self.kind.setToolTip(self.tr("Decides how the thinking switch is sent to the server"))
        self.key = QLineEdit(self.form)
        self.key.setObjectName("serverKeyEdit")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setClearButtonEnabled(True)
        self.forget_key_button = QPushButton(self.tr("Remove key"), self.form)
        self.forget_key_button.setObjectName("removeKeyButton")
        self.forget_key_button.clicked.connect(self._on_forget_key_button_clicked)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.forget_key_button)
        self.key_status = QLabel(self.form)
        self.key_status.setObjectName("serverKeyStatus")
        self.key_status.setWordWrap(True)
        self.connect_timeout = self._seconds(0.5, 600.0)
        self.connect_timeout.setObjectName("connectTimeoutSpin")
        self.read_timeout = self._seconds(1.0, 86_400.0)
        self.read_timeout.setObjectName("readTimeoutSpin")
        self.read_timeout.setToolTip(
            self.tr(
                "How long to wait for the next words; thinking models can be silent for minutes"
            )
        )
        self.thinking_suffix = QCheckBox(self.tr("Append /think or /no_think"), self.form)
        self.thinking_suffix.setObjectName("thinkingSuffixCheck")
        self.thinking_suffix.setToolTip(
            self.tr(
                "For servers that ignore the thinking switch: the question ends in /think or "
                "/no_think, which MiniCPM4.1 and Qwen3 read"
            )
        )
        self.problem = QLabel(self.form)
        self.problem.setObjectName("serverProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b;")
        self.test_button = QPushButton(self.tr("Test connection"), self.form)
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.connection_status = QLabel(self.form)
        self.connection_status.setObjectName("connectionStatus")
        self.connection_status.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.connection_status, 1)
        form = QFormLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Address"), self.url)
        form.addRow(self.tr("Server"), self.kind)
        form.addRow(self.tr("API key"), key_row)
        form.addRow("", self.key_status)
        form.addRow(self.tr("Connect timeout"), self.connect_timeout)
        form.addRow(self.tr("Read timeout"), self.read_timeout)
        form.addRow("", self.thinking_suffix)
        form.addRow("", self.problem)
        form.addRow("", test_row)

        self.offline_note = QLabel(self)
        self.offline_note.setObjectName("serversOfflineNote")
        self.offline_note.setWordWrap(True)
        self.offline_note.setText(
            self.tr("Remote servers are off while working offline (Settings → Downloads).")
        )
        self.offline_note.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.offline_note)
        layout.addWidget(self.list, 1)
        layout.addLayout(list_buttons)
        layout.addWidget(self.form)

        for edit in (self.name, self.url, self.key):
            edit.textEdited.connect(self._on_field_edited)
        self.name.editingFinished.connect(self._on_field_editing_finished)
        self.url.editingFinished.connect(self._on_field_editing_finished)
        self.kind.currentIndexChanged.connect(self._on_field_changed)
        self.connect_timeout.valueChanged.connect(self._on_field_changed)
        self.read_timeout.valueChanged.connect(self._on_field_changed)
        self.thinking_suffix.toggled.connect(self._on_field_changed)
        self._show_entry(-1)

    def _seconds(self, low: float, high: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self.form)
        spin.setRange(low, high)
        spin.setDecimals(1)
        spin.setSuffix(self.tr(" s"))
        return spin

    # -- settings --------------------------------------------------------------------------

    def load(self, settings: Settings) -> None:
        self._entries = [_Entry(server, original=server.name) for server in settings.servers]
        self._removed = []
        self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems([entry.server.name for entry in self._entries])
        self.list.blockSignals(False)
        self.set_offline(settings.offline)
        self.list.setCurrentRow(0 if self._entries else -1)
        self._show_entry(self.list.currentRow())

    def apply(self, settings: Settings) -> Settings:
        """The servers as edited (each invalid entry at its last good value); a chosen model
        of a renamed server follows it."""
        servers = self.servers()
        model = settings.model
        chosen = parse_remote_model_name(model)
        if chosen is not None:
            renamed = {e.original: e.server.name for e in self._entries if e.original}
            new_name = renamed.get(chosen[0])
            if new_name is not None and new_name != chosen[0]:
                model = remote_model_name(new_name, chosen[1])
        return replace(settings, servers=servers, model=model)

    def servers(self) -> tuple[ServerSettings, ...]:
        return tuple(entry.server for entry in self._entries)

    def typed_keys(self) -> dict[str, str]:
        """The keys typed and not saved yet, by server name (for listings before OK)."""
        return {e.server.name: e.key for e in self._entries if e.key}

    def commit_keys(self) -> str:
        """Writes the keys to the keyring (OK was pressed): removed servers lose theirs,
        renamed ones take theirs along, typed ones are saved. "" when all went well, else
        what went wrong, in words."""
        renamed = [(e.original, e.server.name) for e in self._entries if e.original]
        try:
            move_keys(renamed, self._removed)
            for entry in self._entries:
                name = secrets.server_key_name(entry.server.name)
                if entry.key:
                    secrets.save_secret(name, entry.key)
                elif entry.forget_key:
                    secrets.delete_secret(name)
        except (secrets.KeyringUnavailableError, ValueError):
            return self._no_keyring_text()
        for entry in self._entries:
            entry.original, entry.key, entry.forget_key = entry.server.name, "", False
            entry.saved = None
        self._removed = []
        self.key.clear()  # the field never holds a saved key
        self._show_key_state()
        return ""

    def set_offline(self, offline: bool) -> None:
        """The offline switch (Settings → Downloads) keeps the app off every server."""
        self._offline = offline
        self.offline_note.setVisible(offline)
        self._update_test_button()

    # -- the selected server ---------------------------------------------------------------

    def _current(self) -> _Entry | None:
        row = self.list.currentRow()
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def _show_entry(self, row: int) -> None:
        entry = self._entries[row] if 0 <= row < len(self._entries) else None
        self.form.setEnabled(entry is not None)
        self.remove_button.setEnabled(entry is not None)
        self._filling = True
        server = entry.server if entry is not None else ServerSettings("", "")
        self.name.setText(server.name)
        self.url.setText(server.base_url)
        select(self.kind, server.kind)
        self.key.setText(entry.key if entry is not None else "")
        self.connect_timeout.setValue(server.connect_timeout_s)
        self.read_timeout.setValue(server.read_timeout_s)
        self.thinking_suffix.setChecked(server.thinking_suffix)
        self._filling = False
        self.problem.clear()
        self.connection_status.clear()
        self._test_id = None
        self._show_key_state()
        self._update_test_button()

    def _edited_server(self) -> ServerSettings:
        return ServerSettings(
            name=self.name.text().strip(),
            base_url=normalized_base_url(self.url.text()),
            kind=str(self.kind.currentData()),
            connect_timeout_s=self.connect_timeout.value(),
            read_timeout_s=self.read_timeout.value(),
            thinking_suffix=self.thinking_suffix.isChecked(),
        )

    def _take_fields(self) -> ServerProblem | None:
        """Keeps the fields in the selected entry when they are valid; says why not."""
        entry = self._current()
        if entry is None or self._filling:
            return None
        entry.key = self.key.text().strip()
        if entry.key:
            entry.forget_key = False
        server = self._edited_server()
        others = [e.server.name for e in self._entries if e is not entry]
        problem = server_problem(server, others)
        self.problem.setText(self._problem_text(problem) if problem else "")
        if problem is None:
            entry.server = server
            item = self.list.currentItem()
            if item is not None and item.text() != server.name:
                item.setText(server.name)
        self._show_key_state()
        self._update_test_button()
        return problem

    def _problem_text(self, problem: ServerProblem) -> str:
        if problem == ServerProblem.EMPTY_NAME:
            return self.tr("Give the server a name.")
        if problem == ServerProblem.SLASH_IN_NAME:
            return self.tr("A server's name cannot contain “/”.")
        if problem == ServerProblem.DUPLICATE_NAME:
            return self.tr("Another server already has this name.")
        if problem == ServerProblem.EMPTY_URL:
            return self.tr("Enter the server's address, e.g. http://gpu-box:8000/v1.")
        return self.tr("The address must start with http:// or https://.")

    # -- the key ---------------------------------------------------------------------------

    def _show_key_state(self) -> None:
        entry = self._current()
        if entry is None:
            self.key_status.clear()
            return
        if entry.saved is None:
            self._keyring_ok, saved = secrets.secret_state(
                secrets.server_key_name(entry.original or entry.server.name)
            )
            entry.saved = saved and entry.original is not None
        self.key.setEnabled(self._keyring_ok)
        saved = bool(entry.saved) and not entry.forget_key
        self.forget_key_button.setEnabled(self._keyring_ok and (saved or bool(entry.key)))
        self.key.setPlaceholderText(
            self.tr("A key is saved") if saved else self.tr("None (the server needs no key)")
        )
        if not self._keyring_ok:
            self.key_status.setText(self._no_keyring_text())
        elif entry.key:
            self.key_status.setText(self.tr("Saved in the system keyring when you press OK."))
        elif entry.forget_key:
            self.key_status.setText(self.tr("The key is removed when you press OK."))
        elif saved:
            self.key_status.setText(self.tr("Saved in the system keyring."))
        else:
            self.key_status.setText(
                self.tr("A key is kept in the system keyring, never in the settings file.")
            )

    def _no_keyring_text(self) -> str:
        return self.tr("No system keyring is available, so the API key can't be saved.")

    @Slot()
    def _on_forget_key_button_clicked(self) -> None:
        entry = self._current()
        if entry is None:
            return
        entry.key = ""
        entry.forget_key = bool(entry.saved)
        self.key.clear()
        self._show_key_state()

    # -- test connection -------------------------------------------------------------------

    def _update_test_button(self) -> None:
        usable = self._current() is not None and not self.problem.text()
        self.test_button.setEnabled(usable and not self._offline and self._test_id is None)
        self.test_button.setToolTip(
            self.tr("Remote servers are off while working offline") if self._offline else ""
        )

    @Slot()
    def _on_test_button_clicked(self) -> None:
        entry = self._current()
        if entry is None or self._offline or self._take_fields() is not None:
            return
        # A typed key is tried as it is; otherwise the task reads the saved one, if any.
        key = entry.key or ("" if entry.forget_key or entry.original is None else None)
        self.connection_status.setText(self.tr("Connecting…"))
        task = partial(list_server_models, entry.server, key, saved_as=entry.original)
        self._test_id = self._runner.start(task)
        self._update_test_button()

    @Slot(int, object)
    def _on_runner_task_finished(self, task_id: int, outcome: TaskOutcome[Any]) -> None:
        if task_id != self._test_id:
            return  # another page's listing, or a test of a server no longer shown
        self._test_id = None
        self._update_test_button()
        if isinstance(outcome.result, ServerModels):
            self.connection_status.setText(self._connected_text(outcome.result.models))
            self.models_listed.emit(outcome.result)
        elif isinstance(outcome.error, EngineError):
            self.connection_status.setText(engine_error_text(outcome.error))
        else:
            self.connection_status.setText(
                self.tr("The connection test failed: {error}").format(error=outcome.error)
            )

    def _connected_text(self, models: tuple[str, ...]) -> str:
        if not models:
            return self.tr("Connected, but the server lists no models.")
        names = ", ".join(models[:SHOWN_MODELS]) + (", …" if len(models) > SHOWN_MODELS else "")
        if len(models) == 1:
            return self.tr("Connected: 1 model ({names})").format(names=names)
        return self.tr("Connected: {count} models ({names})").format(count=len(models), names=names)

    # -- list ------------------------------------------------------------------------------

    def _new_name(self) -> str:
        names = {e.server.name for e in self._entries}
        number = 1
        while self.tr("Server {number}").format(number=number) in names:
            number += 1
        return self.tr("Server {number}").format(number=number)

    @Slot()
    def _on_add_button_clicked(self) -> None:
        self._entries.append(_Entry(ServerSettings(self._new_name(), NEW_URL), saved=False))
        self.list.addItem(self._entries[-1].server.name)
        self.list.setCurrentRow(len(self._entries) - 1)
        self.servers_edited.emit(self.servers())
        self.name.setFocus()
        self.name.selectAll()

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self._entries):
            return
        entry = self._entries.pop(row)
        if entry.original is not None:
            self._removed.append(entry.original)
        self.list.takeItem(row)
        self._show_entry(self.list.currentRow())
        self.servers_edited.emit(self.servers())

    @Slot(int)
    def _on_list_current_row_changed(self, row: int) -> None:
        self._show_entry(row)

    @Slot(str)
    def _on_field_edited(self, _text: str) -> None:
        self._take_fields()

    @Slot()
    def _on_field_changed(self) -> None:
        self._take_fields()

    @Slot()
    def _on_field_editing_finished(self) -> None:
        # The address as it will be used ("/v1" added), once the person is done typing.
        if not self._filling and self._take_fields() is None and self._current() is not None:
            self.url.setText(self._edited_server().base_url)
            self.servers_edited.emit(self.servers())
