# SPDX-License-Identifier: GPL-2.0-or-later
"""The GeoPackage label layer: one polygon per labelled tile, with its class value and name.

Edits go through the layer's edit buffer inside an edit command, so QGIS's Undo undoes a click or a stroke.
When the layer was not in edit mode, the tool commits at the end of each stroke so the file on disk is
always what the dock shows; when the user has started editing, the edits stay in the buffer until they save.
"""
from __future__ import annotations

import os
from typing import Dict, Iterable, List, Sequence, Tuple

from qgis.core import (
    Qgis, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsFeature, QgsFeatureRequest, QgsField, QgsFields,
    QgsGeometry, QgsProject, QgsRectangle, QgsVectorFileWriter, QgsVectorLayer, QgsWkbTypes,
)

from ..core.params import ClassSpec
from .i18n import tr
from .palette import categorized_renderer, find_class
from .tile_grid import LayerTileGrid

CLASS_VALUE_FIELD = "class_value"
CLASS_NAME_FIELD = "class_name"
LAYER_NAME = "labels"

# Field types: QgsField takes QMetaType.Type from QGIS 3.38 on, and only that on Qt 6 (QGIS 4), where
# QVariant.Type is gone; QGIS 3.22-3.36 take QVariant.Type. Decided by the QGIS version, not by whether
# QMetaType imports: a Qt 6 build of QGIS 3.34 has QMetaType but still wants QVariant.Type.
if Qgis.QGIS_VERSION_INT >= 33800:
    from qgis.PyQt.QtCore import QMetaType

    INT_FIELD, STRING_FIELD = QMetaType.Type.Int, QMetaType.Type.QString
else:
    from qgis.PyQt.QtCore import QVariant

    INT_FIELD, STRING_FIELD = QVariant.Type.Int, QVariant.Type.String


def create_label_layer(path: str, crs: QgsCoordinateReferenceSystem, display_name: str = "") -> QgsVectorLayer:
    """Create an empty GeoPackage of tile polygons at ``path`` (overwritten) and open it."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fields = QgsFields()
    fields.append(QgsField(CLASS_VALUE_FIELD, INT_FIELD))
    fields.append(QgsField(CLASS_NAME_FIELD, STRING_FIELD, len=80))
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = LAYER_NAME
    options.fileEncoding = "UTF-8"
    writer = QgsVectorFileWriter.create(
        path, fields, QgsWkbTypes.Type.Polygon, crs, QgsProject.instance().transformContext(), options
    )
    if writer.hasError() != QgsVectorFileWriter.WriterError.NoError:
        message = writer.errorMessage()
        del writer
        raise OSError(tr("cannot create label layer '{path}': {error}").format(path=path, error=message))
    del writer  # closes the file
    return open_label_layer(path, display_name)


def open_label_layer(path: str, display_name: str = "") -> QgsVectorLayer:
    """Open a label GeoPackage written by :func:`create_label_layer`."""
    uri = f"{path}|layername={LAYER_NAME}"
    layer = QgsVectorLayer(uri, display_name or tr("Labels"), "ogr")
    if not layer.isValid():
        layer = QgsVectorLayer(path, display_name or tr("Labels"), "ogr")
    if not layer.isValid():
        raise OSError(tr("cannot open label layer '{path}'").format(path=path))
    return layer


def layer_path(layer: QgsVectorLayer) -> str:
    """The file behind an OGR layer (the part of the source before '|')."""
    return layer.source().split("|")[0]


def is_tile_label_layer(layer: QgsVectorLayer) -> bool:
    names = layer.fields().names()
    return CLASS_VALUE_FIELD in names and CLASS_NAME_FIELD in names


def apply_palette(layer: QgsVectorLayer, palette: Sequence[ClassSpec], class_field: str = CLASS_VALUE_FIELD,
                  save_default: bool = True) -> None:
    """Style the label layer by the palette and keep the style in the GeoPackage (its default style)."""
    layer.setRenderer(categorized_renderer(layer, palette, class_field))
    layer.triggerRepaint()
    if save_default and layer.dataProvider().storageType() == "GPKG" and is_tile_label_layer(layer):
        save_default_style(layer)


STYLE_NAME = "spatiotemporal_ssl_classes"


def save_default_style(layer: QgsVectorLayer) -> None:
    """Store the style in the GeoPackage as its default, so the file shows its classes in any project.

    The previous copy is deleted first: saving over a style of the same name makes QGIS ask in a modal dialog.
    """
    result = layer.listStylesInDatabase()
    count, ids, names = result[0], result[1], result[2]
    for style_id, name in zip(ids, names):
        if name == STYLE_NAME:
            layer.deleteStyleFromDatabase(style_id)
    layer.saveStyleToDatabase(STYLE_NAME, "", True, "")


def rename_classes(layer: QgsVectorLayer, palette: Sequence[ClassSpec]) -> None:
    """Keep the class_name attribute in step with the palette after a rename (values do not change)."""
    if not is_tile_label_layer(layer):
        return
    names = {spec.value: spec.name for spec in palette}
    name_idx = layer.fields().indexOf(CLASS_NAME_FIELD)
    changes = {}
    for feature in layer.getFeatures():
        value = feature[CLASS_VALUE_FIELD]
        if value in names and feature[CLASS_NAME_FIELD] != names[value]:
            changes[feature.id()] = {name_idx: names[value]}
    if not changes:
        return
    if layer.isEditable():
        for fid, attrs in changes.items():
            for idx, val in attrs.items():
                layer.changeAttributeValue(fid, idx, val)
    else:
        layer.dataProvider().changeAttributeValues(changes)
        layer.reload()


class TileEditSession:
    """One stroke of edits (click, drag, polygon): one undo command, committed at the end if we began editing."""

    def __init__(self, layer: QgsVectorLayer, grid: LayerTileGrid, description: str):
        self.layer = layer
        self.grid = grid
        self.started_editing = False
        self.changed = 0
        self._to_layer = QgsCoordinateTransform(grid.crs, layer.crs(), QgsProject.instance())
        if not layer.isEditable():
            layer.startEditing()
            self.started_editing = True
        layer.beginEditCommand(description)

    def _tile_geometry(self, row: int, col: int) -> QgsGeometry:
        geometry = self.grid.tile_polygon(row, col)
        if self.grid.crs != self.layer.crs():
            geometry.transform(self._to_layer)
        return geometry

    def _features_of_tile(self, row: int, col: int) -> List[QgsFeature]:
        """Label features that are exactly this tile (same bounds, up to rounding)."""
        rect = self._tile_geometry(row, col).boundingBox()
        tol = 1e-6 * max(rect.width(), rect.height())
        probe = QgsRectangle(rect)
        probe.grow(tol)
        found = []
        for feature in self.layer.getFeatures(QgsFeatureRequest().setFilterRect(probe)):
            box = feature.geometry().boundingBox()
            if (abs(box.xMinimum() - rect.xMinimum()) <= tol and abs(box.xMaximum() - rect.xMaximum()) <= tol
                    and abs(box.yMinimum() - rect.yMinimum()) <= tol and abs(box.yMaximum() - rect.yMaximum()) <= tol):
                found.append(feature)
        return found

    def label_tile(self, row: int, col: int, spec: ClassSpec) -> bool:
        """Give the tile class ``spec``; replaces another class there. True when something changed."""
        existing = self._features_of_tile(row, col)
        value_idx = self.layer.fields().indexOf(CLASS_VALUE_FIELD)
        name_idx = self.layer.fields().indexOf(CLASS_NAME_FIELD)
        if existing:
            keep, extra = existing[0], existing[1:]
            changed = False
            for feature in extra:
                self.layer.deleteFeature(feature.id())
                changed = True
            if keep[CLASS_VALUE_FIELD] != spec.value:
                self.layer.changeAttributeValue(keep.id(), value_idx, spec.value)
                self.layer.changeAttributeValue(keep.id(), name_idx, spec.name)
                changed = True
            self.changed += int(changed)
            return changed
        feature = QgsFeature(self.layer.fields())
        feature.setGeometry(self._tile_geometry(row, col))
        feature.setAttribute(value_idx, spec.value)
        feature.setAttribute(name_idx, spec.name)
        ok = self.layer.addFeature(feature)
        self.changed += int(ok)
        return ok

    def erase_tile(self, row: int, col: int) -> bool:
        removed = False
        for feature in self._features_of_tile(row, col):
            removed |= self.layer.deleteFeature(feature.id())
        self.changed += int(removed)
        return removed

    def finish(self) -> bool:
        """End the undo command; commit if this session began editing. False (and rolled back) on failure."""
        if self.changed:
            self.layer.endEditCommand()
        else:
            self.layer.destroyEditCommand()
        ok = True
        if self.started_editing:
            ok = self.layer.commitChanges()
            if not ok:
                self.layer.rollBack()
        self.layer.triggerRepaint()
        return ok


def tile_class_counts(layer: QgsVectorLayer, class_field: str, palette: Sequence[ClassSpec],
                      grids: Iterable[LayerTileGrid], min_coverage: float = 0.5) -> Tuple[Dict[int, int], int, int]:
    """Labelled tiles per class value, the number of unlabelled tiles, and labels of no palette class.

    A tile counts for a class when that class's polygons cover at least ``min_coverage`` of it, as the
    engine decides. Tile polygons drawn by the tile tool are exactly one tile each. Counts are summed over
    the rasters (``grids``), because every raster that a label overlaps gets a labelled tile from it.
    """
    counts: Dict[int, int] = {spec.value: 0 for spec in palette}
    unlabelled = 0
    classified, unknown = _classified_geometries(layer, class_field, palette)
    for grid in grids:
        labelled_tiles = _labelled_tiles(layer, classified, grid, min_coverage)
        for value in labelled_tiles.values():
            counts[value] = counts.get(value, 0) + 1
        unlabelled += grid.count - len(labelled_tiles)
    return counts, unlabelled, unknown


def tiles_by_class(layer: QgsVectorLayer, class_field: str, palette: Sequence[ClassSpec], grid: LayerTileGrid,
                   min_coverage: float = 0.5) -> Tuple[Dict[Tuple[int, int], int], int]:
    """The tiles of ``grid`` that the layer's labels give a class (tile -> class value, by the rule of
    :func:`tile_class_counts`), and how many labels have no palette class."""
    classified, unknown = _classified_geometries(layer, class_field, palette)
    return _labelled_tiles(layer, classified, grid, min_coverage), unknown


def tile_layer_from_labels(source: QgsVectorLayer, class_field: str, palette: Sequence[ClassSpec],
                           grid: LayerTileGrid, path: str, display_name: str = "") -> Tuple[QgsVectorLayer, int, int]:
    """A new tile label layer at ``path`` holding the tiles that ``source``'s labels give a class (see
    :func:`tiles_by_class`): (layer, tiles written, labels of no palette class). ``source`` is not changed.

    Raises ValueError (with a user message) when no tile is labelled, OSError when the file cannot be written.
    """
    tiles, unknown = tiles_by_class(source, class_field, palette, grid)
    if not tiles:
        raise ValueError(tr("No tile of the selected raster is covered at least half by a label of '{name}' with a "
                            "class of the Classes list.").format(name=source.name()))
    layer = create_label_layer(path, grid.crs, display_name)
    apply_palette(layer, palette)
    by_value = {spec.value: spec for spec in palette}
    session = TileEditSession(layer, grid, tr("Label tiles"))
    for (row, col), value in sorted(tiles.items()):
        session.label_tile(row, col, by_value[value])
    if not session.finish():
        raise OSError(tr("The label layer could not be saved: {errors}").format(errors="; ".join(layer.commitErrors())))
    return layer, len(tiles), unknown


def _classified_geometries(layer: QgsVectorLayer, class_field: str,
                           palette: Sequence[ClassSpec]) -> Tuple[List[Tuple[int, QgsGeometry]], int]:
    classified: List[Tuple[int, QgsGeometry]] = []
    unknown = 0
    for feature in (layer.getFeatures() if layer is not None else []):
        spec = find_class(palette, feature[class_field]) if class_field else None
        if spec is None:
            unknown += 1
        elif not feature.geometry().isEmpty():
            classified.append((spec.value, QgsGeometry(feature.geometry())))
    return classified, unknown


def _labelled_tiles(layer: QgsVectorLayer, classified: List[Tuple[int, QgsGeometry]], grid: LayerTileGrid,
                    min_coverage: float) -> Dict[Tuple[int, int], int]:
    """Tile -> class value; where labels of two classes cover a tile, the class met first in the layer keeps it."""
    transform = QgsCoordinateTransform(layer.crs(), grid.crs, QgsProject.instance()) if layer is not None else None
    per_class: Dict[int, List[QgsGeometry]] = {}
    for value, geometry in classified:
        geometry = QgsGeometry(geometry)
        if layer.crs() != grid.crs:
            geometry.transform(transform)
        if geometry.type() == QgsWkbTypes.GeometryType.PointGeometry:
            geometry = _point_tiles_as_polygon(geometry, grid)  # a point labels the tile it falls in
        per_class.setdefault(value, []).append(geometry)
    labelled_tiles: Dict[Tuple[int, int], int] = {}
    for value, geometries in per_class.items():
        candidates = sorted({t for g in geometries for t in grid.tiles_in_rect(g.boundingBox())})
        for tile in grid.tiles_covered(QgsGeometry.unaryUnion(geometries), min_coverage, candidates):
            labelled_tiles.setdefault(tile, value)
    return labelled_tiles


def _point_tiles_as_polygon(points: QgsGeometry, grid: LayerTileGrid) -> QgsGeometry:
    parts = []
    for point in points.asMultiPoint() if points.isMultipart() else [points.asPoint()]:
        tile = grid.tile_at(point.x(), point.y())
        if tile is not None:
            parts.append(grid.tile_polygon(*tile))
    return QgsGeometry.unaryUnion(parts) if parts else QgsGeometry()
