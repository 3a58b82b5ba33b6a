# SPDX-License-Identifier: GPL-2.0-or-later
"""A small real model of the bundled sample for the plugin's tests, and windows of the sample as rasters.

The model is trained by the engine (``core.app.pipeline.train_model``) on a 200 x 170 px crop with the sample's
labels, 4 px tiles and a few steps: seconds on a CPU, and a real model file with the sample's band statistics.
"""
from __future__ import annotations

import numpy as np

from conftest import SAMPLE_LABELS, SAMPLE_RASTER

SAMPLE_CLASSES = [("developed", "#fa0000"), ("agriculture", "#f096ff"), ("herbaceous", "#ffff4c"),
                  ("shrubland", "#ffbb22"), ("forest", "#006400"), ("water", "#0064c8"), ("sediment", "#b4b4b4")]
CROP_WINDOW = (150, 150, 200, 170)  # x offset, y offset, width, height (pixels): every class, no nodata
FRAME_WINDOW = (20, 20, 120, 100)  # the top-left corner: band 6 (ETM+ band 7) has a wider nodata frame there


def write_window(path, window=CROP_WINDOW) -> str:
    from osgeo import gdal

    gdal.Translate(str(path), SAMPLE_RASTER, srcWin=list(window))
    return str(path)


def write_rescaled(path, window=CROP_WINDOW) -> str:
    """The window as Collection-2-style uint16 (x 100 + 7273), the issue's differently scaled input."""
    from osgeo import gdal

    src = gdal.Translate("/vsimem/rescale_src.tif", SAMPLE_RASTER, srcWin=list(window))
    data = src.ReadAsArray().astype(np.float64) * 100 + 7273
    dst = gdal.GetDriverByName("GTiff").Create(str(path), src.RasterXSize, src.RasterYSize, src.RasterCount,
                                               gdal.GDT_UInt16)
    dst.SetGeoTransform(src.GetGeoTransform())
    dst.SetProjection(src.GetProjection())
    for band in range(src.RasterCount):
        dst.GetRasterBand(band + 1).WriteArray(data[band].astype(np.uint16))
        dst.GetRasterBand(band + 1).SetDescription(src.GetRasterBand(band + 1).GetDescription())
    dst = None
    src = None
    gdal.Unlink("/vsimem/rescale_src.tif")
    return str(path)


def train_crop_model(folder, steps: int = 6) -> str:
    from spatiotemporal_ssl.core.app.pipeline import train_model
    from spatiotemporal_ssl.core.params import RasterInput, TrainOptions, TrainRequest

    crop = write_window(folder / "model_crop.tif")
    request = TrainRequest(rasters=[RasterInput(crop)], labels_path=SAMPLE_LABELS, class_field="label",
                           out_model=str(folder / "crop_model.pt"),
                           # One scale from the training raster: the tests of the warning about rescaled rasters
                           # need it (a per-raster model rescales every raster, tests/test_scene_normalization.py).
                           options=TrainOptions(tile_size_px=4, steps=steps, batch_size=16, device="cpu",
                                                normalization="training"))
    return train_model(request).model_path


def sample_labels_layer(project, folder):
    """A copy of the sample's label polygons in the project, styled by category as a user would import them."""
    import shutil

    from qgis.core import QgsCategorizedSymbolRenderer, QgsFillSymbol, QgsRendererCategory, QgsVectorLayer

    copy = str(folder / "raleigh_labels.gpkg")
    shutil.copy(SAMPLE_LABELS, copy)
    layer = QgsVectorLayer(copy, "sample labels", "ogr")
    layer.setRenderer(QgsCategorizedSymbolRenderer("label", [
        QgsRendererCategory(name, QgsFillSymbol.createSimple({"color": color}), name) for name, color in SAMPLE_CLASSES]))
    project.addMapLayer(layer)
    return layer
