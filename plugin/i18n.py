# SPDX-License-Identifier: GPL-2.0-or-later
"""Translations: every user-visible string of the plugin goes through :func:`tr`.

One translation context for the whole plugin keeps the ``.ts`` file simple and lets
``scripts/update_i18n.py`` find every string by reading the source. The translator is chosen from the
user's QGIS locale, with a fallback from ``xx_YY`` to ``xx`` (as Geo-SAM does).
"""
from __future__ import annotations

import os
from typing import Optional

from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

# Marks a text for translation where it is defined; tr() translates it where it is shown. The engine marks its
# option labels with the same function (core/i18n.py).
from ..core.i18n import tr_noop  # noqa: F401  (re-exported for the plugin's modules)

CONTEXT = "SpatiotemporalSSL"
I18N_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "i18n")
_installed: Optional[QTranslator] = None


def tr(text: str) -> str:
    """Translate ``text`` in the plugin's context (untranslated when no translation is installed)."""
    return QCoreApplication.translate(CONTEXT, text)


def user_locale() -> str:
    """The locale QGIS shows its own interface in, e.g. 'de_DE' or 'de'."""
    try:
        from qgis.core import QgsSettings

        settings = QgsSettings()
        if settings.value("locale/overrideFlag", False, type=bool):
            value = settings.value("locale/userLocale", "", type=str)
            if value:
                return value
        value = settings.value("locale/userLocale", "", type=str)
        if value:
            return value
    except ImportError:  # pragma: no cover - outside QGIS
        pass
    return QLocale().name()


def translation_file(locale: str) -> Optional[str]:
    """The compiled ``.qm`` for ``locale``, trying 'de_DE' then 'de'; None when there is none."""
    for code in (locale, locale.split("_")[0]):
        path = os.path.join(I18N_DIR, f"spatiotemporal_ssl_{code}.qm")
        if code and os.path.exists(path):
            return path
    return None


def install_translator(locale: Optional[str] = None) -> Optional[QTranslator]:
    """Install the translator for ``locale`` (default: the user's QGIS locale). Returns it, or None."""
    global _installed
    remove_translator()
    path = translation_file(locale or user_locale())
    if path is None:
        return None
    translator = QTranslator()
    if not translator.load(path):
        return None
    QCoreApplication.installTranslator(translator)
    _installed = translator
    return translator


def remove_translator() -> None:
    """Uninstall the plugin's translator (on unload, or before switching locale)."""
    global _installed
    if _installed is not None:
        QCoreApplication.removeTranslator(_installed)
        _installed = None
