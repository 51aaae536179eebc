"""The Simplified Chinese interface: the translation loads and the real window shows it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QApplication

from app.application import build_main_window, build_services
from app.i18n import install_translator, resolve_language
from app.settings.appearance_page import AppearancePage
from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.session import Engine
from installers.build_translations import build

TS = Path(__file__).resolve().parents[2] / "resources/translations/minicpm_chat_zh_CN.ts"
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%n|%\d")


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINICPM_CHAT_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    build()  # the .qm is a build output; `make setup` makes it, a bare checkout may not have it


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    yield qapp
    install_translator(qapp, "en")  # later tests expect English


def new_chat_text(qtbot) -> str:  # type: ignore[no-untyped-def]
    services = build_services(Engine(backend_factory=scripted_factory(ScriptedBackend())))
    try:
        window = build_main_window(services)
        qtbot.addWidget(window)
        return window.conversations.new_button.text()
    finally:
        services.shutdown()


def test_system_follows_the_locale_and_explicit_choices_win() -> None:
    assert resolve_language("system", QLocale("zh_CN")) == "zh_CN"
    assert resolve_language("system", QLocale("zh_TW")) == "zh_CN"
    assert resolve_language("system", QLocale("de_DE")) == "en"
    assert resolve_language("en", QLocale("zh_CN")) == "en"
    assert resolve_language("zh_CN", QLocale("en_US")) == "zh_CN"


def test_chinese_strings_load(app: QApplication) -> None:
    assert install_translator(app, "zh_CN") == "zh_CN"
    assert QCoreApplication.translate("ConversationPanel", "New chat") == "新对话"
    assert QCoreApplication.translate("Composer", "Send") == "发送"
    assert install_translator(app, "en") == "en"
    assert QCoreApplication.translate("ConversationPanel", "New chat") == "New chat"


def test_settings_choices_and_catalog_headers_translate(app: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    install_translator(app, "zh_CN")
    assert QCoreApplication.translate("ModelPage", "Automatic") == "自动"
    assert QCoreApplication.translate("CatalogCard", "Fits this PC") == "适合本机"
    assert QCoreApplication.translate("HardwareWords", "too large") == "过大"
    assert QCoreApplication.translate("DownloadPanel", "Cancel download") == "取消下载"
    page = AppearancePage(Path("/tmp"))
    qtbot.addWidget(page)
    assert page.theme.itemText(0) == "跟随系统" and page.theme.itemData(0) == "system"
    assert page.language.itemText(2) == "简体中文"
    assert page.language_note.text() == "语言更改将在重启后生效。"


def test_the_window_speaks_chinese_under_zh_cn(app: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    install_translator(app, "zh_CN")
    assert new_chat_text(qtbot) == "新对话"


def test_the_window_is_english_by_default(app: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert new_chat_text(qtbot) == "New chat"


def test_every_string_has_a_chinese_translation() -> None:
    text = TS.read_text(encoding="utf-8")
    assert text.count("<source>") > 150
    assert 'type="unfinished"' not in text and "<translation/>" not in text
    assert "<translation></translation>" not in text


def test_translations_keep_placeholders_and_ellipses() -> None:
    for message in ET.parse(TS).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.findtext("translation") or ""
        assert sorted(PLACEHOLDER.findall(translation)) == sorted(PLACEHOLDER.findall(source)), (
            source
        )
        assert source.endswith("…") == translation.endswith("…"), source
        assert source.count(";;") == translation.count(";;"), source  # file dialog filters


def test_export_and_import_actions_are_translated(app: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    install_translator(app, "zh_CN")
    services = build_services(Engine(backend_factory=scripted_factory(ScriptedBackend())))
    try:
        window = build_main_window(services)
        qtbot.addWidget(window)
        panel = window.conversations
        assert panel.export_all_action.text() == "导出全部对话…"
        assert panel.import_action.text() == "导入对话…"
    finally:
        services.shutdown()
