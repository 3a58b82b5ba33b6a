# SPDX-License-Identifier: GPL-2.0-or-later
"""Which rasters the Imagery list ticks for training when they appear in the project.

Every raster used to be ticked as it arrived, so a Processing output or a raster added only to be classified
joined the training: a one-band class map next to a six-band scene stopped Train ("raster ... has 6 bands but
... has 1"), and a second scene silently added its tiles. Now a new raster is ticked only when it is an image
of the kind already ticked (same band count and data type). The plugin's own outputs are not listed at all,
single-band class rasters (with a palette) are never ticked, and rasters that are not files cannot be.
The user can still tick anything by hand; the list tells why a raster was left unticked.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional, Sequence

from qgis.core import Qgis, QgsMapLayer, QgsRasterLayer

from .i18n import tr
from .results import OUTPUT_PROPERTY

# Tags the engine writes into every map it makes (core/app/predict.py): they identify its outputs however they
# were loaded (the dock, Processing, a project made elsewhere).
ENGINE_OUTPUT_TAGS = ("MODEL", "NETWORK", "SOURCE_RASTER")

_DTYPE_NAMES = {
    Qgis.DataType.Byte: "uint8", Qgis.DataType.UInt16: "uint16", Qgis.DataType.Int16: "int16",
    Qgis.DataType.UInt32: "uint32", Qgis.DataType.Int32: "int32", Qgis.DataType.Float32: "float32",
    Qgis.DataType.Float64: "float64",
}
_INTEGER_DTYPES = {"uint8", "uint16", "int16", "uint32", "int32"}


@dataclass(frozen=True)
class RasterKind:
    """What must agree between training rasters: the number of bands and their data type."""

    bands: int
    dtype: str

    def describe(self) -> str:
        if self.bands == 1:
            return tr("1 band, {dtype}").format(dtype=self.dtype)
        return tr("{n} bands, {dtype}").format(n=self.bands, dtype=self.dtype)


def raster_kind(layer: QgsRasterLayer) -> RasterKind:
    provider = layer.dataProvider()
    dtype = provider.dataType(1) if provider is not None and layer.bandCount() else Qgis.DataType.UnknownDataType
    return RasterKind(int(layer.bandCount()), _DTYPE_NAMES.get(dtype, "other"))


def raster_path(layer: QgsRasterLayer) -> str:
    """The file behind a GDAL raster layer, or '' (web services and memory rasters are not files)."""
    if layer.providerType() != "gdal":
        return ""
    return layer.dataProvider().dataSourceUri().split("|")[0]


@lru_cache(maxsize=512)
def _file_tags(path: str, mtime: float) -> frozenset:
    from osgeo import gdal

    dataset = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
    if dataset is None:
        return frozenset()
    return frozenset((dataset.GetMetadata() or {}).keys())


def is_plugin_output(layer: QgsMapLayer) -> bool:
    """A map this plugin made: marked by the dock, or tagged by the engine in the file itself."""
    if layer.customProperty(OUTPUT_PROPERTY, False):
        return True
    if not isinstance(layer, QgsRasterLayer):
        return False
    path = raster_path(layer)
    if not path or not os.path.isfile(path):
        return False
    return set(ENGINE_OUTPUT_TAGS) <= _file_tags(path, os.path.getmtime(path))


def is_class_raster(layer: QgsRasterLayer) -> bool:
    """A single-band integer raster drawn from a palette (a land-cover map, a label raster): not imagery."""
    if layer.bandCount() != 1 or raster_kind(layer).dtype not in _INTEGER_DTYPES:
        return False
    renderer = layer.renderer()
    if renderer is not None and renderer.type() == "paletted":
        return True
    return bool(layer.dataProvider().colorTable(1))  # a GDAL colour table (palette index)


def initial_ticks(new: Sequence[QgsRasterLayer], ticked: Sequence[QgsRasterLayer]) -> Dict[str, Optional[str]]:
    """For each new layer id: None to tick it, or why it stays unticked (for its tooltip).

    ``ticked`` are the rasters already ticked. When there are none, the new image with the most bands sets the
    kind to train on (a scene's six bands rather than an index or a mask added with it).
    """
    decisions: Dict[str, Optional[str]] = {}
    candidates: List[QgsRasterLayer] = []
    for layer in new:
        if not raster_path(layer):
            decisions[layer.id()] = tr("Only file rasters (GeoTIFF, JP2, VRT, ...) can be used for training.")
        elif is_class_raster(layer):
            decisions[layer.id()] = tr("A single-band class raster (drawn from a palette): not ticked for "
                                       "training. Tick it only if it really is imagery.")
        else:
            candidates.append(layer)
    kinds = {raster_kind(layer) for layer in ticked}
    if not kinds and candidates:
        kinds = {max((raster_kind(layer) for layer in candidates), key=lambda kind: kind.bands)}
    wanted = " / ".join(sorted(kind.describe() for kind in kinds))
    for layer in candidates:
        kind = raster_kind(layer)
        if kind in kinds:
            decisions[layer.id()] = None
        else:
            decisions[layer.id()] = tr("Not ticked: this raster has {kind}, the rasters to train on have {wanted}. "
                                       "Training needs the same bands in the same order.").format(
                kind=kind.describe(), wanted=wanted)
    return decisions


def training_summary(layers: Sequence[QgsRasterLayer]) -> str:
    """One line under the Imagery list: which rasters Train will use."""
    if not layers:
        return tr("No raster is ticked: tick the rasters to train on.")
    names = ", ".join(f"{layer.name()} ({raster_kind(layer).describe()}, {layer.crs().authid() or tr('no CRS')})"
                      for layer in layers)
    text = tr("Train uses {n} raster(s): {names}.").format(n=len(layers), names=names)
    if len({raster_kind(layer) for layer in layers}) > 1:
        text += " " + tr("The ticked rasters differ in bands or data type; training needs the same bands in the "
                         "same order.")
    return text
