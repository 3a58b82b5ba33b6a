# SPDX-License-Identifier: GPL-2.0-or-later
"""Output files are all-or-nothing, and class maps carry a QGIS style with the training palette."""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest

from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.app.outputs import (
    atomic_output, check_output_path, qml_path_for, write_confidence_qml, write_qml,
)
from spatiotemporal_ssl.core.params import ClassSpec

CLASSES = [
    ClassSpec(1, "Tree cover", (0, 100, 0)),
    ClassSpec(2, "Water & <wetland>", (0, 100, 200)),
    ClassSpec(5, "Built-up", (250, 0, 0)),
]


def test_existing_output_is_refused_unless_overwrite(tmp_path):
    path = tmp_path / "classes.tif"
    path.write_bytes(b"old")
    with pytest.raises(InputError, match=r"'classes.tif' exists.*--overwrite"):
        check_output_path(str(path), overwrite=False, what="class map")
    check_output_path(str(path), overwrite=True, what="class map")


def test_missing_folder_is_named(tmp_path):
    path = tmp_path / "nowhere" / "classes.tif"
    with pytest.raises(InputError, match=r"does not exist.*choose another folder"):
        check_output_path(str(path), overwrite=False)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_folder_is_named(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(InputError, match=r"not writable.*choose another folder"):
            check_output_path(str(folder / "classes.tif"), overwrite=False)
    finally:
        folder.chmod(0o700)


def test_unwritable_folder_is_named_whoever_runs_the_tests(tmp_path, monkeypatch):
    # Root ignores permission bits, so ask the same question os.access answers for an ordinary user.
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(InputError, match=rf"cannot write output 'c.tif' \(folder '{tmp_path}' is not writable\)"):
        check_output_path(str(tmp_path / "c.tif"), overwrite=False)


def test_folder_as_output_is_refused(tmp_path):
    with pytest.raises(InputError, match="folder"):
        check_output_path(str(tmp_path), overwrite=True)


def test_atomic_output_appears_only_when_complete(tmp_path):
    path = tmp_path / "model.pt"
    with atomic_output(str(path), overwrite=False) as tmp:
        assert os.path.dirname(tmp) == str(tmp_path)
        assert tmp.endswith(".pt") and os.path.basename(tmp).startswith(".model")
        with open(tmp, "wb") as f:
            f.write(b"new")
        assert not path.exists()
    assert path.read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["model.pt"]


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_output(str(path), overwrite=True) as tmp:
            with open(tmp, "wb") as f:
                f.write(b"half")
            with open(tmp + ".aux.xml", "w") as f:
                f.write("<PAMDataset/>")
            raise KeyboardInterrupt
    assert path.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["model.pt"]


def test_gdal_sidecars_follow_the_file_and_stale_ones_go(tmp_path):
    path = tmp_path / "a.tif"
    path.write_bytes(b"old")
    (tmp_path / "a.tif.aux.xml").write_text("<PAMDataset>old statistics</PAMDataset>")
    (tmp_path / "a.tif.msk").write_bytes(b"old mask")
    with atomic_output(str(path), overwrite=True) as tmp:
        with open(tmp, "wb") as f:
            f.write(b"new")
        with open(tmp + ".aux.xml", "w") as f:
            f.write("<PAMDataset>new</PAMDataset>")
    assert (tmp_path / "a.tif.aux.xml").read_text() == "<PAMDataset>new</PAMDataset>"
    assert not (tmp_path / "a.tif.msk").exists()
    assert sorted(os.listdir(tmp_path)) == ["a.tif", "a.tif.aux.xml"]


def test_nothing_written_is_an_error_not_an_empty_file(tmp_path):
    with pytest.raises(RuntimeError, match="nothing was written"):
        with atomic_output(str(tmp_path / "x.tif"), overwrite=False):
            pass
    assert os.listdir(tmp_path) == []


def test_class_style_is_a_paletted_qgis_style(tmp_path):
    qml = qml_path_for(str(tmp_path / "classes.tif"))
    assert qml == str(tmp_path / "classes.qml")
    write_qml(qml, CLASSES, nodata=0)
    root = ET.parse(qml).getroot()
    assert root.tag == "qgis"
    renderer = root.find("pipe/rasterrenderer")
    assert renderer.get("type") == "paletted" and renderer.get("band") == "1"
    entries = [(e.get("value"), e.get("color"), e.get("label"), e.get("alpha"))
               for e in renderer.findall("colorPalette/paletteEntry")]
    assert entries == [("1", "#006400", "Tree cover", "255"), ("2", "#0064c8", "Water & <wetland>", "255"),
                       ("5", "#fa0000", "Built-up", "255")]
    transparent = renderer.find("rasterTransparency/singleValuePixelList/pixelListEntry")
    assert (transparent.get("min"), transparent.get("percentTransparent")) == ("0", "100")
    assert sorted(os.listdir(tmp_path)) == ["classes.qml"]


def test_nodata_value_gets_no_palette_entry(tmp_path):
    classes = [ClassSpec(0, "Background", (0, 0, 0)), ClassSpec(1, "Crop", (255, 255, 0))]
    write_qml(str(tmp_path / "c.qml"), classes, nodata=255)
    values = [e.get("value") for e in ET.parse(tmp_path / "c.qml").getroot().iter("paletteEntry")]
    assert values == ["0", "1"]


def test_confidence_style_spans_zero_to_one(tmp_path):
    qml = str(tmp_path / "confidence.qml")
    write_confidence_qml(qml)
    renderer = ET.parse(qml).getroot().find("pipe/rasterrenderer")
    assert renderer.get("type") == "singlebandpseudocolor"
    shader = renderer.find("rastershader/colorrampshader")
    assert (shader.get("minimumValue"), shader.get("maximumValue")) == ("0", "1")
    values = [float(i.get("value")) for i in shader.findall("item")]
    assert values[0] == 0.0 and values[-1] == 1.0 and values == sorted(values)
