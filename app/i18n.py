"""The interface language: installs the app's Qt translator (and Qt's own) on the application.

`language` is the setting's value: "system" follows the OS locale, "en" or "zh_CN" are explicit.
Translations are compiled .qm files in resources/translations (built by
`installers/build_translations.py` at set-up); a missing file leaves the English text.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from resources import resource_path

log = logging.getLogger(__name__)
CATALOG = "minicpm_chat"
SUPPORTED = ("en", "zh_CN")
_TRANSLATOR_NAME = "minicpm_chat_translator"


def resolve_language(language: str, system: QLocale | None = None) -> str:
    """One of SUPPORTED: the explicit choice, or for "system" the closest to the OS locale."""
    if language in SUPPORTED:
        return language
    locale = system if system is not None else QLocale.system()
    if locale.language() == QLocale.Language.Chinese:
        return "zh_CN"
    return "en"


def install_translator(app: QCoreApplication, language: str) -> str:
    """Replace the translators installed here before; returns the language now in force.

    Call it before the widgets are built: they translate their texts once, when made.
    """
    for old in app.findChildren(QTranslator, _TRANSLATOR_NAME):
        app.removeTranslator(old)
        old.deleteLater()
    resolved = resolve_language(language)
    if resolved == "en":
        return resolved
    directory = resource_path("translations")
    own = QTranslator(app)
    if not own.load(f"{CATALOG}_{resolved}", str(directory)):
        log.warning("no compiled translation %s_%s in %s", CATALOG, resolved, directory)
        own.deleteLater()
        return "en"
    _install(app, own)
    qt = QTranslator(app)  # Qt's own strings (standard buttons, context menus), when shipped
    if qt.load(f"qtbase_{resolved}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        _install(app, qt)
    else:
        qt.deleteLater()
    return resolved


def _install(app: QCoreApplication, translator: QTranslator) -> None:
    translator.setObjectName(_TRANSLATOR_NAME)
    app.installTranslator(translator)
