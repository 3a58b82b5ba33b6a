# SPDX-License-Identifier: GPL-2.0-or-later
"""Marking the engine's user-facing texts for the plugin's translations (core itself never translates).

Option labels, choice labels and a few messages that the QGIS plugin shows are written here in English and
wrapped in :func:`tr_noop`, so ``scripts/update_i18n.py`` finds them next to the plugin's own strings. The
plugin translates them when it shows them (``plugin.i18n.tr(text)``); the command line prints them as they are.
"""
from __future__ import annotations


def tr_noop(text: str) -> str:
    """Return ``text`` unchanged: only marks it for the translation files."""
    return text
