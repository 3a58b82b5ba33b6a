# SPDX-License-Identifier: GPL-2.0-or-later
"""Building the training tile set from several rasters and one label file, and band statistics."""
import os

import numpy as np
import pytest

from spatiotemporal_ssl.core.data.dataset import TileSet, build_tileset, compute_band_stats
from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.params import RasterInput
from spatiotemporal_ssl.tests.rasters import (
    SAMPLE_IMAGE, SAMPLE_LABELS, pixel_box, pixel_point, utm_transform, write_labels, write_raster,
)


def _image(tmp_path, name, bands=3, size=(24, 24), nodata=None, dtype=np.uint16, transform=None, seed=0, crs="EPSG:32617"):
    data = np.random.default_rng(seed).integers(10, 200, (bands, *size)).astype(dtype)
    return write_raster(tmp_path / name, data, nodata=nodata, transform=transform, crs=crs), data


def _two_class_labels(tmp_path, transform=None):
    # forest covers tiles (0, 0) and (0, 8) entirely; water covers 3/4 of tile (8, 0); a sliver touches (16, 16).
    geoms = [pixel_box(0, 0, 8, 16, transform), pixel_box(8, 0, 14, 8, transform), pixel_box(16, 16, 17, 24, transform)]
    return write_labels(tmp_path / "labels.gpkg", geoms, ["forest", "water", "water"])


def test_labelled_and_unlabelled_pools_from_two_rasters(tmp_path):
    a, _ = _image(tmp_path, "a.tif", seed=1)
    b, _ = _image(tmp_path, "b.tif", seed=2, transform=utm_transform(500000 + 240, 4000000))  # east of a
    labels = _two_class_labels(tmp_path)
    tiles, classes, prov = build_tileset(
        [RasterInput(a, "2021-07-01"), RasterInput(b, "unknown")], labels, "class", tile_size_px=8)
    assert [c.name for c in classes] == ["forest", "water"]
    assert len(tiles) == 18  # 9 tiles per raster, all valid
    lab = tiles.labeled
    assert sorted(zip(tiles.raster_index[lab], tiles.row[lab], tiles.col[lab], tiles.labels[lab])) == [
        (0, 0, 0, 0), (0, 0, 8, 0), (0, 8, 0, 1)]
    # A labelled tile is never also in the unlabelled pool.
    keys = list(zip(tiles.raster_index, tiles.row, tiles.col))
    assert len(set(keys)) == len(keys)
    assert np.all(tiles.labels[~tiles.labeled] == -1)
    assert prov[0]["labeled_per_class"] == {"forest": 2, "water": 1}
    assert prov[1]["tiles_labeled"] == 0 and prov[1]["tiles_unlabeled"] == 9
    # Place and season: UTM 17N at 4,000,000 N is about 36.1 N, 81 W; the date only for raster a.
    assert np.all((tiles.lat > 36.0) & (tiles.lat < 36.2)) and np.all((tiles.lon > -81.01) & (tiles.lon < -80.9))
    assert np.all(tiles.lon[tiles.raster_index == 1] > tiles.lon[tiles.raster_index == 0].max())
    assert np.all(tiles.doy[tiles.raster_index == 0] == 182) and np.all(np.isnan(tiles.doy[tiles.raster_index == 1]))
    assert prov[0]["acquisition_date"] == "2021-07-01" and prov[0]["date_source"] == "explicit"
    assert tiles.images.dtype == np.float32 and tiles.images.shape[1:] == (3, 8, 8)


def test_images_are_raw_values_of_the_right_pixels(tmp_path):
    a, data = _image(tmp_path, "a.tif", seed=3)
    tiles, _, _ = build_tileset([RasterInput(a)], _two_class_labels(tmp_path), "class", tile_size_px=8)
    k = int(np.flatnonzero((tiles.row == 8) & (tiles.col == 16))[0])
    np.testing.assert_array_equal(tiles.images[k], data[:, 8:16, 16:24].astype(np.float32))


def test_nodata_tiles_dropped_and_counted_edge_tiles_kept_and_masked(tmp_path):
    data = np.random.default_rng(4).integers(1, 200, (2, 20, 28)).astype(np.uint8)
    data[:, 0:8, 16:24] = 0  # tile (0, 16) entirely nodata
    data[:, 8:16, 0:6] = 0  # tile (8, 0): 16 of 64 pixels valid -> below half
    path = write_raster(tmp_path / "x.tif", data, nodata=0)
    labels = write_labels(tmp_path / "l.gpkg", [pixel_box(0, 0, 8, 8), pixel_box(0, 8, 8, 16)], ["forest", "water"])
    tiles, _, prov = build_tileset([RasterInput(path)], labels, "class", tile_size_px=8)
    # Grid of 3 x 4 tiles (the last row and column reach past the 20 x 28 edge).
    assert prov[0]["tiles_total"] == 12
    # Dropped: (0, 16) all nodata, (8, 0) 16 of 64 valid, and corner tile (16, 24) with only 4 x 4 pixels
    # inside the raster.
    assert prov[0]["tiles_dropped_nodata"] == 3 and prov[0]["tiles_valid"] == 9 == len(tiles)
    present = set(zip(tiles.row.tolist(), tiles.col.tolist()))
    assert not present & {(0, 16), (8, 0), (16, 24)}
    assert (16, 0) in present  # bottom edge tile, half inside
    # Edge tile (0, 24): 8 x 4 inside = half valid -> kept, padding masked and zero.
    k = int(np.flatnonzero((tiles.row == 0) & (tiles.col == 24))[0])
    assert tiles.valid[k, :, :4].all() and not tiles.valid[k, :, 4:].any()
    assert np.all(tiles.images[k][:, :, 4:] == 0)


def test_nan_float_raster(tmp_path):
    data = np.random.default_rng(5).random((4, 16, 16)).astype(np.float32)
    data[:, 8:16, 8:16] = np.nan  # one whole tile of NaN
    data[2, 0, 0] = np.nan
    path = write_raster(tmp_path / "f.tif", data)
    labels = write_labels(tmp_path / "l.gpkg", [pixel_box(0, 0, 8, 8), pixel_box(0, 8, 8, 16)], ["forest", "water"])
    tiles, _, prov = build_tileset([RasterInput(path)], labels, "class", tile_size_px=8)
    assert prov[0]["tiles_dropped_nodata"] == 1 and len(tiles) == 3
    assert np.isfinite(tiles.images).all()
    k = int(np.flatnonzero((tiles.row == 0) & (tiles.col == 0))[0])
    assert not tiles.valid[k, 0, 0] and tiles.valid[k].sum() == 63


def test_different_band_counts_name_both_rasters(tmp_path):
    a, _ = _image(tmp_path, "a.tif", bands=4)
    b, _ = _image(tmp_path, "b.tif", bands=3)
    with pytest.raises(InputError, match="raster 'b.tif' has 3 bands but raster 'a.tif' has 4"):
        build_tileset([RasterInput(a), RasterInput(b)], _two_class_labels(tmp_path), "class", 8)


def test_tile_larger_than_raster(tmp_path):
    a, _ = _image(tmp_path, "a.tif", size=(30, 40))
    with pytest.raises(InputError, match=r"tile size 64 px is larger than raster 'a.tif' \(40 x 30 px\)"):
        build_tileset([RasterInput(a)], _two_class_labels(tmp_path), "class", 64)


def test_label_errors(tmp_path):
    a, _ = _image(tmp_path, "a.tif")
    small = write_labels(tmp_path / "small.gpkg", [pixel_box(0, 0, 2, 2), pixel_box(10, 10, 12, 12)], ["forest", "water"])
    with pytest.raises(InputError, match=r"no tile of raster\(s\) 'a.tif' is covered at least 50% by a label; lower "
                                         "min_coverage or the tile size, or draw larger polygons"):
        build_tileset([RasterInput(a)], small, "class", 8)
    one = write_labels(tmp_path / "one.gpkg", [pixel_box(0, 0, 8, 8), pixel_box(10, 10, 11, 11)], ["forest", "water"])
    with pytest.raises(InputError, match="only class 'forest' has labelled tiles; label at least two classes"):
        build_tileset([RasterInput(a)], one, "class", 8)
    far = write_labels(tmp_path / "far.gpkg", [pixel_box(500, 500, 508, 508)] * 2, ["forest", "water"])
    with pytest.raises(InputError, match="none of the 2 labels in 'far.gpkg' overlaps raster 'a.tif'"):
        build_tileset([RasterInput(a)], far, "class", 8)


def test_location_given_for_a_raster_without_crs(tmp_path):
    a, _ = _image(tmp_path, "a.tif", crs=None)
    with pytest.raises(InputError, match="has no CRS"):
        build_tileset([RasterInput(a)], _two_class_labels(tmp_path), "class", 8)
    tiles, _, prov = build_tileset([RasterInput(a, location=(48.1, 11.6))], _two_class_labels(tmp_path), "class", 8)
    assert np.all(tiles.lat == 48.1) and np.all(tiles.lon == 11.6)
    assert prov[0]["location"] == "given" and prov[0]["warnings"]


def test_multi_label_tiles(tmp_path):
    a, _ = _image(tmp_path, "a.tif")
    geoms = [pixel_box(0, 0, 8, 6), pixel_box(0, 6, 8, 8), pixel_box(8, 0, 16, 8), pixel_box(16, 16, 17, 17)]
    labels = write_labels(tmp_path / "m.gpkg", geoms, ["forest", "water", "water", "forest"])
    tiles, classes, _ = build_tileset([RasterInput(a)], labels, "class", 8, multi_label=True, presence_fraction=0.2)
    assert tiles.labels.shape == (9, 2) and tiles.labels.dtype == np.float32
    by_pos = {(r, c): (lab.tolist(), bool(ok)) for r, c, lab, ok in zip(tiles.row, tiles.col, tiles.labels, tiles.labeled)}
    assert by_pos[(0, 0)] == ([1.0, 1.0], True)  # forest 0.75 and water 0.25 both present
    assert by_pos[(8, 0)] == ([0.0, 1.0], True)
    assert by_pos[(16, 16)] == ([0.0, 0.0], False)  # one pixel of 64: not enough to say what is absent


def test_class_raster_labels_and_points(tmp_path):
    a, _ = _image(tmp_path, "a.tif")
    codes = np.zeros((24, 24), np.uint8)
    codes[0:8, 0:8] = 5
    codes[8:16, 8:16] = 7
    class_raster = write_raster(tmp_path / "c.tif", codes)
    tiles, classes, _ = build_tileset([RasterInput(a)], class_raster, None, 8)
    assert [(c.value, c.name) for c in classes] == [(5, "5"), (7, "7")]
    assert sorted(zip(tiles.row[tiles.labeled], tiles.col[tiles.labeled], tiles.labels[tiles.labeled])) == [
        (0, 0, 0), (8, 8, 1)]
    points = write_labels(tmp_path / "p.gpkg", [pixel_point(1, 1), pixel_point(20, 20)], ["forest", "water"])
    tiles, _, _ = build_tileset([RasterInput(a)], points, "class", 8)
    assert sorted(zip(tiles.row[tiles.labeled], tiles.col[tiles.labeled], tiles.labels[tiles.labeled])) == [
        (0, 0, 0), (16, 16, 1)]


def test_concat_keeps_arrays_aligned(tmp_path):
    # The tile sets of two rasters, as build_tileset joins them: every array in the same order.
    a, _ = _image(tmp_path, "a.tif")
    b, _ = _image(tmp_path, "b.tif", seed=2)
    labels = _two_class_labels(tmp_path)
    first, _, _ = build_tileset([RasterInput(a)], labels, "class", 8)
    second, _, _ = build_tileset([RasterInput(b)], labels, "class", 8)
    both = TileSet.concat([first, second])
    assert len(both) == len(first) + len(second)
    assert both.row.tolist() == first.row.tolist() + second.row.tolist()
    np.testing.assert_array_equal(both.images[len(first)], second.images[0])
    np.testing.assert_array_equal(both.labels, np.concatenate([first.labels, second.labels]))
    joined, _, _ = build_tileset([RasterInput(a), RasterInput(b)], labels, "class", 8)
    np.testing.assert_array_equal(joined.images, both.images)


def test_band_stats_use_valid_pixels_only(tmp_path):
    data = np.zeros((2, 40, 40), np.int16)
    data[0] = 100
    data[1] = np.random.default_rng(6).normal(50, 5, (40, 40)).round().astype(np.int16)
    data[:, :10, :] = -1  # nodata rows that would drag the mean down
    path = write_raster(tmp_path / "x.tif", data, nodata=-1)
    stats = compute_band_stats([RasterInput(path)], block_size_px=16)
    assert stats.mean[0] == 100.0 and stats.std[0] == 1.0  # constant band: std set to 1, see normalization
    assert stats.mean[1] == pytest.approx(data[1, 10:].mean(), abs=0.3)
    assert 3.0 < stats.std[1] < 5.5  # clipped at 2 sigma, so a little below 5
    capped = compute_band_stats([path, path], max_samples=100, seed=1)
    assert capped.mean[1] == pytest.approx(50, abs=2.0)


@pytest.mark.skipif(not os.path.exists(SAMPLE_IMAGE), reason="bundled sample not built (scripts/make_sample.py)")
def test_bundled_sample_gives_at_least_five_classes_at_tile_size_4():
    tiles, classes, prov = build_tileset([RasterInput(SAMPLE_IMAGE)], SAMPLE_LABELS, "label", 4)
    counts = dict(prov[0]["labeled_per_class"])
    assert sum(n > 0 for n in counts.values()) >= 5
    assert counts["forest"] > 20 and counts["developed"] > 10
    assert prov[0]["crs"] == "EPSG:32119" and prov[0]["acquisition_date"] is None
    assert prov[0]["tiles_dropped_nodata"] > 0
    assert 35.6 < np.nanmin(tiles.lat) and np.nanmax(tiles.lat) < 35.95  # Raleigh


def test_geographic_raster_works_and_says_tiles_are_pixels(tmp_path):
    from rasterio.transform import from_origin

    transform = from_origin(11.0, 48.0, 0.001, 0.001)  # ~100 m pixels in degrees
    a, _ = _image(tmp_path, "geo.tif", crs="EPSG:4326", transform=transform)
    geoms = [pixel_box(0, 0, 8, 8, transform), pixel_box(8, 8, 16, 16, transform)]
    labels = write_labels(tmp_path / "l.gpkg", geoms, ["forest", "water"], crs="EPSG:4326", layer="fields")
    tiles, _, prov = build_tileset([RasterInput(a)], labels + "|layername=fields", "class", 8)
    assert tiles.labeled.sum() == 2
    assert tiles.lat[0] == pytest.approx(48.0 - 0.004) and tiles.lon[0] == pytest.approx(11.004)
    assert any("tile sizes are in pixels" in w for w in prov[0]["warnings"])
