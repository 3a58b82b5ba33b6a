# SPDX-License-Identifier: GPL-2.0-or-later
"""Translations: every user-visible string is translated to German, and the compiled .qm says so."""
from __future__ import annotations

import os
import re
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import update_i18n  # noqa: E402

TS = os.path.join(ROOT, "i18n", "spatiotemporal_ssl_de.ts")
QM = os.path.join(ROOT, "i18n", "spatiotemporal_ssl_de.qm")


def ts_messages():
    return {m.findtext("source"): m.find("translation") for m in ET.parse(TS).getroot().iter("message")}


def test_every_source_string_has_a_german_translation():
    strings = [text for text, _, _ in update_i18n.source_strings()]
    assert len(strings) > 200
    messages = ts_messages()
    missing = [s for s in strings if s not in messages or messages[s].get("type") == "unfinished"
               or not (messages[s].text or "").strip()]
    assert missing == [], "run scripts/update_i18n.py and translate: %r" % missing[:5]


def test_translations_keep_their_placeholders():
    for source, translation in ts_messages().items():
        fields = sorted(re.findall(r"\{[^}]*\}", source))
        assert sorted(re.findall(r"\{[^}]*\}", translation.text or "")) == fields, source


def test_compiled_qm_matches_the_ts(qgis_app):
    from qgis.PyQt.QtCore import QCoreApplication, QTranslator

    translator = QTranslator()
    assert translator.load(QM)
    QCoreApplication.installTranslator(translator)
    try:
        # QCoreApplication.translate takes UTF-8 ('New…'); QTranslator.translate in PyQt5 only takes ASCII.
        for source, translation in ts_messages().items():
            assert QCoreApplication.translate(update_i18n.CONTEXT, source) == translation.text, source
    finally:
        QCoreApplication.removeTranslator(translator)


@pytest.mark.parametrize("locale", ["de_DE", "de_AT", "de"])
def test_german_locale_translates_the_dock(qgis_app, locale, project, canvas, message_bar):
    from spatiotemporal_ssl.plugin import i18n
    from spatiotemporal_ssl.plugin.dock import SpatiotemporalSSLDock

    assert i18n.install_translator(locale) is not None  # de_AT falls back to de
    try:
        assert i18n.tr("Train semi-supervised") == "Teilüberwacht trainieren"
        dock = SpatiotemporalSSLDock(canvas, message_bar, project)
        try:
            assert dock.run.train_button.text() == "Teilüberwacht trainieren"
            assert dock.labels.tile_button.text() == "Kacheln labeln"
        finally:
            dock.shutdown()
            dock.deleteLater()
    finally:
        i18n.remove_translator()
    assert i18n.tr("Train semi-supervised") == "Train semi-supervised"


def test_unknown_locale_stays_english(qgis_app):
    from spatiotemporal_ssl.plugin import i18n

    assert i18n.install_translator("pt_BR") is None
    assert i18n.tr("Cancel") == "Cancel"
