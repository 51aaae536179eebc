"""`ApiPage`: the app's local OpenAI-compatible API: on or off, its port, who may reach it, its
key and the one web origin allowed to call it from a browser.

The key is not a setting: OK writes it to the system keyring through `app.core.secrets` (an
empty field removes it), and it never enters `Settings` (so never settings.json). Unlike the
Hugging Face token the field shows the saved key (hidden as a password), because the person
copies it into the programs that use the API.
"""

from __future__ import annotations

from dataclasses import replace
from secrets import token_urlsafe

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.core import secrets
from app.core.api.address import api_url, listen_host
from app.core.settings import Settings

MIN_PORT = 1024  # below: ports only an administrator may open
MAX_PORT = 65535
KEY_BYTES = 32  # 43 URL-safe characters: more than anyone can guess


def generate_key() -> str:
    return token_urlsafe(KEY_BYTES)


class ApiPage(QWidget):
    """The Local API page. No signals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("apiPage")
        form = QFormLayout(self)

        self.enabled = QCheckBox(
            self.tr("Let other programs use the model (OpenAI-compatible)"), self
        )
        self.enabled.setObjectName("apiEnabledCheck")
        self.enabled.setToolTip(
            self.tr(
                "Programs that speak OpenAI's chat API (editors, scripts, Open WebUI) can ask "
                "the model loaded here; their answers wait for the chat's"
            )
        )

        self.port = QSpinBox(self)
        self.port.setObjectName("apiPortSpin")
        self.port.setRange(MIN_PORT, MAX_PORT)
        self.port.setGroupSeparatorShown(False)
        self.check_port_button = QPushButton(self.tr("Check"), self)
        self.check_port_button.setObjectName("checkPortButton")
        self.check_port_button.setToolTip(self.tr("Is another program using this port?"))
        self.check_port_button.clicked.connect(self._on_check_port_button_clicked)
        self.port_status = QLabel(self)
        self.port_status.setObjectName("portStatus")
        self.port_status.setWordWrap(True)
        port_row = QHBoxLayout()
        port_row.addWidget(self.port)
        port_row.addWidget(self.check_port_button)
        port_row.addStretch(1)

        self.lan = QCheckBox(self.tr("Allow other computers on the network"), self)
        self.lan.setObjectName("apiLanCheck")
        self.lan_warning = QLabel(
            self.tr(
                "Anyone on your network can then use the model through this computer's "
                "address. Set an API key below, so only programs that know it can."
            ),
            self,
        )
        self.lan_warning.setObjectName("lanWarning")
        self.lan_warning.setWordWrap(True)

        self.key = QLineEdit(self)
        self.key.setObjectName("apiKeyEdit")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setClearButtonEnabled(True)
        self.key.setPlaceholderText(self.tr("None: any program that reaches the port may ask"))
        self.key.setToolTip(
            self.tr(
                "Programs send it as 'Authorization: Bearer <key>' (the API key of OpenAI's "
                "clients); kept only in the system keyring"
            )
        )
        self.show_key_button = QPushButton(self.tr("Show"), self)
        self.show_key_button.setObjectName("showKeyButton")
        self.show_key_button.setCheckable(True)
        self.show_key_button.toggled.connect(self._on_show_key_button_toggled)
        self.generate_key_button = QPushButton(self.tr("Generate"), self)
        self.generate_key_button.setObjectName("generateKeyButton")
        self.generate_key_button.setToolTip(self.tr("Make a new random key"))
        self.generate_key_button.clicked.connect(self._on_generate_key_button_clicked)
        self.copy_key_button = QPushButton(self.tr("Copy"), self)
        self.copy_key_button.setObjectName("copyKeyButton")
        self.copy_key_button.clicked.connect(self._on_copy_key_button_clicked)
        # The buttons under the field: beside it they left the field too narrow for its hint.
        key_buttons = QHBoxLayout()
        key_buttons.addWidget(self.show_key_button)
        key_buttons.addWidget(self.generate_key_button)
        key_buttons.addWidget(self.copy_key_button)
        key_buttons.addStretch(1)
        self.key_status = QLabel(self)
        self.key_status.setObjectName("keyStatus")
        self.key_status.setWordWrap(True)

        self.origin = QLineEdit(self)
        self.origin.setObjectName("apiOriginEdit")
        self.origin.setPlaceholderText(self.tr("None (no web page may call it)"))
        self.origin.setToolTip(
            self.tr(
                "The one web address whose pages may call the API from a browser, e.g. "
                "http://localhost:3000 (CORS); programs outside a browser need nothing here"
            )
        )

        self.url = QLabel(self)
        self.url.setObjectName("apiUrl")
        self.url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_url_button = QPushButton(self.tr("Copy"), self)
        self.copy_url_button.setObjectName("copyUrlButton")
        self.copy_url_button.clicked.connect(self._on_copy_url_button_clicked)
        url_row = QHBoxLayout()
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.copy_url_button)

        form.addRow("", self.enabled)
        form.addRow(self.tr("Port"), port_row)
        form.addRow("", self.port_status)
        form.addRow("", self.lan)
        form.addRow("", self.lan_warning)
        form.addRow(self.tr("API key"), self.key)
        form.addRow("", key_buttons)
        form.addRow("", self.key_status)
        form.addRow(self.tr("Allowed web origin"), self.origin)
        form.addRow(self.tr("Base URL"), url_row)

        self.port.valueChanged.connect(self._on_port_value_changed)
        self.lan.toggled.connect(self._on_lan_toggled)
        self.enabled.toggled.connect(self._on_enabled_toggled)
        self.key.textChanged.connect(self._on_key_text_changed)
        self._loaded = Settings()
        self._saved_key = ""
        self._keyring_ok = False
        self._load_key()

    # -- settings --------------------------------------------------------------------------

    def load(self, settings: Settings) -> None:
        self._loaded = settings
        self.enabled.setChecked(settings.api_enabled)
        self.port.setValue(settings.api_port)
        self.lan.setChecked(settings.api_lan)
        self.origin.setText(settings.api_allowed_origin)
        self.port_status.clear()
        self._update()

    def apply(self, settings: Settings) -> Settings:
        """The settings as edited; a changed key is written to the keyring here (OK)."""
        self.save_key()
        return replace(
            settings,
            api_enabled=self.enabled.isChecked(),
            api_port=self.port.value(),
            api_lan=self.lan.isChecked(),
            api_allowed_origin=self.origin.text().strip().rstrip("/"),
        )

    # -- the port --------------------------------------------------------------------------

    def check_port(self) -> bool:
        """Says whether another program uses the chosen port; True when it is free (or is the
        port this app's API listens on now)."""
        port = self.port.value()
        if self._serving_port() == port:
            self.port_status.setText(
                self.tr("Port {port} is the one the API uses now.").format(port=port)
            )
            return True
        from app.core.api.runner import port_in_use  # imports uvicorn: only when asked

        host = listen_host(self.lan.isChecked())
        if port_in_use(host, port):
            self.port_status.setText(
                self.tr("Port {port} is in use by another program.").format(port=port)
            )
            return False
        self.port_status.setText(self.tr("Port {port} is free.").format(port=port))
        return True

    def _serving_port(self) -> int | None:
        """The port the API was set to listen on when the dialog opened (it may run there)."""
        return self._loaded.api_port if self._loaded.api_enabled else None

    # -- the key ---------------------------------------------------------------------------

    def save_key(self) -> None:
        """Writes the field's key to the keyring (an empty field removes it), if it changed."""
        key = self.key.text().strip()
        if key == self._saved_key or not self._keyring_ok:
            return
        try:
            if key:
                secrets.save_secret(secrets.LOCAL_API_KEY, key)
            else:
                secrets.delete_secret(secrets.LOCAL_API_KEY)
        except secrets.KeyringUnavailableError:
            self.key_status.setText(self._no_keyring_text())
            return
        self._saved_key = key

    def _load_key(self) -> None:
        self._keyring_ok, saved = secrets.secret_state(secrets.LOCAL_API_KEY)
        self._saved_key = (secrets.load_secret(secrets.LOCAL_API_KEY) or "") if saved else ""
        self.key.setText(self._saved_key)
        if self._keyring_ok:
            self.key_status.setText(
                self.tr("The key is kept in the system keyring ({name}).").format(
                    name=secrets.keyring_name()
                )
            )
        else:
            self.key_status.setText(self._no_keyring_text())
        for widget in (self.key, self.generate_key_button, self.show_key_button):
            widget.setEnabled(self._keyring_ok)

    def _no_keyring_text(self) -> str:
        return self.tr(
            "No system keyring is available, so the API key can't be saved; without a key, "
            "keep the API to this computer"
        )

    # -- slots -----------------------------------------------------------------------------

    @Slot()
    def _on_check_port_button_clicked(self) -> None:
        self.check_port()

    @Slot(int)
    def _on_port_value_changed(self, _port: int) -> None:
        self.port_status.clear()  # said of another port
        self._update()

    @Slot(bool)
    def _on_lan_toggled(self, _checked: bool) -> None:
        self._update()

    @Slot(bool)
    def _on_enabled_toggled(self, _checked: bool) -> None:
        self._update()

    @Slot(str)
    def _on_key_text_changed(self, _text: str) -> None:
        self._update()

    @Slot(bool)
    def _on_show_key_button_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.key.setEchoMode(mode)

    @Slot()
    def _on_generate_key_button_clicked(self) -> None:
        self.key.setText(generate_key())
        self.key_status.setText(
            self.tr("A new key: OK saves it; programs with the old one are refused.")
        )

    @Slot()
    def _on_copy_key_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.key.text().strip())

    @Slot()
    def _on_copy_url_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.url.text())

    def _update(self) -> None:
        self.url.setText(api_url(self.port.value(), self.lan.isChecked()))
        self.lan_warning.setVisible(self.lan.isChecked())
        self.copy_key_button.setEnabled(bool(self.key.text().strip()))
        on = self.enabled.isChecked()
        for widget in (self.port, self.check_port_button, self.lan, self.origin):
            widget.setEnabled(on)
