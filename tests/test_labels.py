# SPDX-License-Identifier: GPL-2.0-or-later
"""Labels -> per-tile class coverage -> tile labels, with real GeoPackages and GeoTIFFs."""
import numpy as np
import pytest
import rasterio
import shapely

from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.data.labels.assign import assign_multi_label, assign_single_label
from spatiotemporal_ssl.core.data.labels.classes import build_class_table
from spatiotemporal_ssl.core.data.labels.coverage import tile_class_coverage
from spatiotemporal_ssl.core.data.labels.rasters import read_class_raster_codes, tile_class_coverage_from_raster
from spatiotemporal_ssl.core.data.labels.vectors import read_label_vector, require_overlap
from spatiotemporal_ssl.core.params import ClassSpec
from spatiotemporal_ssl.core.data.raster import open_raster_info
from spatiotemporal_ssl.core.data.tiling import TileGrid, extract_tiles
from spatiotemporal_ssl.tests.rasters import (
    UTM_CRS, pixel_box, pixel_point, to_crs, utm_transform, write_labels, write_raster,
)

CLASSES = [ClassSpec(1, "forest", (0, 100, 0)), ClassSpec(2, "water", (0, 100, 200))]


def _coverage(tmp_path, geoms, values, crs=UTM_CRS, data=None, nodata=None, tile=8, min_valid=None):
    data = np.ones((1, 16, 16), np.uint8) if data is None else data
    raster = write_raster(tmp_path / "x.tif", data, nodata=nodata)
    labels = write_labels(tmp_path / "labels.gpkg", geoms, values, crs=crs)
    info = open_raster_info(raster)
    shapes = read_label_vector(labels, "class", info.crs)
    grid = TileGrid.for_raster(info, tile)
    with rasterio.open(raster) as ds:
        _, valid = extract_tiles(ds, grid, *grid.origins())
    return tile_class_coverage(shapes, CLASSES, info.transform, grid, valid)


def test_polygon_covering_three_quarters_of_a_tile(tmp_path):
    # Tile (0, 0) is pixels 0..7; the polygon covers rows 0..5 (6 of 8) and all columns: 48 of 64 pixels.
    coverage = _coverage(tmp_path, [pixel_box(0, 0, 6, 8)], ["forest"])
    assert coverage[0].tolist() == [0.75, 0.0]
    assert coverage[1:].sum() == 0.0
    assert assign_single_label(coverage, 0.5)[0] == 0
    assert assign_single_label(coverage, 0.8)[0] == -1


def test_partial_pixels_follow_the_pixel_centre_rule(tmp_path):
    # 5.4 rows: the centre of row 5 (5.5) is outside, so 5 rows of 8 count.
    coverage = _coverage(tmp_path, [pixel_box(0, 0, 5.4, 8)], ["forest"])
    assert coverage[0, 0] == pytest.approx(40 / 64)


def test_labels_in_wgs84_are_reprojected_onto_a_utm_raster(tmp_path):
    box = pixel_box(0, 0, 6, 8)
    (box_wgs84,) = to_crs([box], UTM_CRS, "EPSG:4326")
    assert box_wgs84.bounds[0] == pytest.approx(-81.0, abs=0.01)  # really in degrees
    coverage = _coverage(tmp_path, [box_wgs84], ["forest"], crs="EPSG:4326")
    assert coverage[0].tolist() == [0.75, 0.0]


def test_nodata_pixels_leave_the_denominator(tmp_path):
    data = np.ones((1, 16, 16), np.uint8)
    data[0, 4:8, 0:8] = 0  # bottom half of tile (0, 0) is nodata
    coverage = _coverage(tmp_path, [pixel_box(0, 0, 4, 8)], ["forest"], data=data, nodata=0)
    assert coverage[0, 0] == 1.0  # 32 covered of 32 valid, not 32 of 64


def test_overlapping_polygons_count_each_class(tmp_path):
    coverage = _coverage(tmp_path, [pixel_box(0, 0, 8, 8), pixel_box(0, 0, 6, 8)], ["forest", "water"])
    assert coverage[0].tolist() == [1.0, 0.75]
    assert assign_single_label(coverage, 0.5)[0] == 0  # the larger coverage wins


def test_points_label_the_tile_that_contains_them(tmp_path):
    data = np.ones((1, 16, 16), np.uint8)
    data[0, 12, 12] = 0
    coverage = _coverage(tmp_path, [pixel_point(3, 10), pixel_point(12, 12)], ["water", "forest"],
                         data=data, nodata=0)
    assert coverage[1].tolist() == [0.0, 1.0]  # tile (0, 8)
    assert coverage[3].tolist() == [0.0, 0.0]  # the point on a nodata pixel labels nothing
    assert assign_single_label(coverage, 0.5).tolist() == [-1, 1, -1, -1]


def test_read_label_vector_keeps_values_and_reprojects(tmp_path):
    labels = write_labels(tmp_path / "l.gpkg", [pixel_box(0, 0, 2, 2), pixel_box(2, 2, 4, 4)], [" forest", "water"])
    shapes = read_label_vector(labels, "class", "EPSG:4326")
    assert shapes.values == ["forest", "water"]
    assert str(shapes.crs.to_epsg()) == "4326" and shapes.source_crs.to_epsg() == 32617
    assert -82 < shapes.geometries[0].centroid.x < -80


def test_read_label_vector_errors_name_the_input_and_the_fix(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_label_vector(str(tmp_path / "missing.gpkg"), "class", UTM_CRS)
    labels = write_labels(tmp_path / "l.gpkg", [pixel_box(0, 0, 2, 2)], ["forest"], extra={"id": np.array([1])})
    with pytest.raises(InputError, match=r"no field 'landcover'; choose the class field among: class, id"):
        read_label_vector(labels, "landcover", UTM_CRS)
    empty = write_labels(tmp_path / "e.gpkg", [pixel_box(0, 0, 2, 2), shapely.Polygon()], ["forest", "water"])
    with pytest.raises(InputError, match=r"feature\(s\) 2 have an empty geometry"):
        read_label_vector(empty, "class", UTM_CRS)
    nothing = write_labels(tmp_path / "n.gpkg", [], [], crs=UTM_CRS)
    with pytest.raises(InputError, match="has no features"):
        read_label_vector(nothing, "class", UTM_CRS)
    lines = write_labels(tmp_path / "line.gpkg", [shapely.LineString([(500000, 3999900), (500100, 3999800)])], ["forest"])
    with pytest.raises(InputError, match="lines"):
        read_label_vector(lines, "class", UTM_CRS)


def test_labels_outside_the_raster_name_both_crs(tmp_path):
    raster = write_raster(tmp_path / "x.tif", np.ones((1, 16, 16), np.uint8))
    far = shapely.box(-10, 40, -9, 41)  # Atlantic, degrees
    labels = write_labels(tmp_path / "labels.gpkg", [far, far], ["forest", "water"], crs="EPSG:4326")
    info = open_raster_info(raster)
    shapes = read_label_vector(labels, "class", info.crs)
    with pytest.raises(InputError) as err:
        require_overlap([(shapes, info)])
    assert str(err.value) == (
        "none of the 2 labels in 'labels.gpkg' overlaps raster 'x.tif'; check that they cover the same area "
        "(label CRS EPSG:4326, raster CRS EPSG:32617)"
    )


def test_class_table_from_names_is_sorted_with_worldcover_colours():
    table = build_class_table(["water", "forest", "water", "Urban", "kelp"])
    assert [(c.value, c.name) for c in table] == [(1, "forest"), (2, "kelp"), (3, "Urban"), (4, "water")]
    colours = {c.name: c.color for c in table}
    assert colours["forest"] == (0x00, 0x64, 0x00)
    assert colours["water"] == (0x00, 0x64, 0xC8)
    assert colours["Urban"] == (0xFA, 0x00, 0x00)
    assert len(set(colours.values())) == 4


def test_class_table_keeps_numeric_codes_and_renumbers_zero():
    table = build_class_table([30, 10, 20.0, "10"])
    assert [(c.value, c.name) for c in table] == [(10, "10"), (20, "20"), (30, "30")]
    with_zero = build_class_table([0, 1, 2])
    assert [(c.value, c.name) for c in with_zero] == [(1, "0"), (2, "1"), (3, "2")]


def test_multi_label_presence():
    coverage = np.array([[0.6, 0.15, 0.05], [0.05, 0.0, 0.0], [0.0, 0.0, 0.0], [0.3, 0.3, 0.0]])
    targets, labelled = assign_multi_label(coverage, presence=0.1)
    assert targets.tolist() == [[1, 1, 0], [0, 0, 0], [0, 0, 0], [1, 1, 0]]
    assert labelled.tolist() == [True, False, False, True]
    _, mostly_covered = assign_multi_label(coverage, presence=0.1, min_total_coverage=0.7)
    assert mostly_covered.tolist() == [True, False, False, False]


def test_single_label_tie_is_unlabelled():
    assert assign_single_label(np.array([[0.5, 0.5], [0.6, 0.4]]), 0.5).tolist() == [-1, 0]
    with pytest.raises(InputError):
        assign_single_label(np.zeros((1, 2)), 1.5)


def test_class_raster_on_the_same_grid_with_nodata(tmp_path):
    image = write_raster(tmp_path / "x.tif", np.ones((2, 16, 16), np.uint8))
    codes = np.zeros((16, 16), np.uint8)
    codes[0:6, 0:8] = 1  # 3/4 of tile (0, 0)
    codes[0:8, 8:16] = 2
    codes[8:16, 8:16] = 255  # nodata
    classes_path = write_raster(tmp_path / "classes.tif", codes, nodata=255)
    assert sorted(read_class_raster_codes(classes_path)) == [0, 1, 2]
    table = [ClassSpec(1, "forest", (0, 0, 0)), ClassSpec(2, "water", (0, 0, 255))]
    info = open_raster_info(image)
    # 0 is a real code here (255 is nodata), but no class uses it: the user's table says what counts.
    with pytest.raises(InputError, match=r"class value\(s\) '0'"):
        tile_class_coverage_from_raster(classes_path, info, TileGrid.for_raster(info, 8), table)
    coverage = tile_class_coverage_from_raster(classes_path, info, TileGrid.for_raster(info, 8), table, class_nodata=0)
    assert coverage.tolist() == [[0.75, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]]


def test_class_raster_on_another_grid_is_resampled_nearest(tmp_path):
    image = write_raster(tmp_path / "x.tif", np.ones((1, 16, 16), np.uint8))
    # 20 m class pixels, in WGS 84 would distort; keep the CRS, change the grid: 8 x 8 pixels of 20 m.
    codes = np.zeros((8, 8), np.uint8)
    codes[0:2, 0:4] = 3  # rows 0..3, cols 0..7 of the image: half of tile (0, 0)
    classes_path = write_raster(tmp_path / "coarse.tif", codes, transform=utm_transform(pixel=20.0), nodata=0)
    info = open_raster_info(image)
    table = build_class_table(read_class_raster_codes(classes_path))
    assert [(c.value, c.name) for c in table] == [(3, "3")]
    coverage = tile_class_coverage_from_raster(classes_path, info, TileGrid.for_raster(info, 8), table)
    assert coverage[:, 0].tolist() == [0.5, 0.0, 0.0, 0.0]
