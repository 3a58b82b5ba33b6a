# SPDX-License-Identifier: GPL-2.0-or-later
"""The tile grid and tile reading: whole-raster coverage, padded edges, masked nodata, few large reads."""
import numpy as np
import pytest
import rasterio

from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.data.tiling import TileGrid, extract_tiles
from spatiotemporal_ssl.tests.rasters import utm_transform, write_raster


def test_grid_covers_the_whole_raster_with_edge_tiles():
    grid = TileGrid(width=40, height=30, tile_size_px=8, stride_px=8)
    assert (grid.n_rows, grid.n_cols, grid.count) == (4, 5, 20)
    rows, cols = grid.origins()
    assert rows[:6].tolist() == [0, 0, 0, 0, 0, 8]
    assert cols[:6].tolist() == [0, 8, 16, 24, 32, 0]
    # The last tile row starts at 24 and reaches past the 30-pixel edge instead of leaving rows 24..29 out.
    assert rows.max() == 24 and rows.max() + 8 >= 30


def test_overlapping_grid_and_exact_fit():
    grid = TileGrid(width=40, height=30, tile_size_px=8, stride_px=4)
    assert (grid.n_rows, grid.n_cols) == (7, 9)
    exact = TileGrid(width=32, height=16, tile_size_px=8, stride_px=8)
    assert (exact.n_rows, exact.n_cols) == (2, 4)


def test_index_of_and_tile_at_pixel_agree():
    grid = TileGrid(width=40, height=30, tile_size_px=8, stride_px=8)
    rows, cols = grid.origins()
    assert grid.index_of(16, 24) == 13
    assert (rows[13], cols[13]) == (16, 24)
    assert grid.index_of(rows, cols).tolist() == list(range(grid.count))
    assert grid.tile_at_pixel(17, 30) == (16, 24)
    assert grid.tile_at_pixel(29, 39) == (24, 32)
    assert grid.tile_at_pixel(30, 0) is None
    with pytest.raises(ValueError):
        grid.index_of(3, 0)


def test_tile_bounds_in_map_coordinates():
    grid = TileGrid(width=40, height=30, tile_size_px=8, stride_px=8)
    assert grid.tile_bounds(utm_transform(), 8, 16) == (500160.0, 3999840.0, 500240.0, 3999920.0)


def test_tile_larger_than_raster_is_an_input_error(tmp_path):
    from spatiotemporal_ssl.core.data.raster import open_raster_info

    path = write_raster(tmp_path / "x.tif", np.ones((1, 30, 40), np.uint8))
    with pytest.raises(InputError) as err:
        TileGrid.for_raster(open_raster_info(path), 64)
    assert str(err.value) == "tile size 64 px is larger than raster 'x.tif' (40 x 30 px); lower the tile size"


def test_extract_tiles_pads_edges_and_masks_nodata(tmp_path):
    data = np.arange(2 * 30 * 40, dtype=np.int16).reshape(2, 30, 40) % 1000 + 1
    data[:, 0, 0] = -9999  # nodata in both bands
    path = write_raster(tmp_path / "x.tif", data, nodata=-9999)
    grid = TileGrid(40, 30, 8, 8)
    rows, cols = grid.origins()
    with rasterio.open(path) as ds:
        images, valid = extract_tiles(ds, grid, rows, cols)
    assert images.shape == (20, 2, 8, 8) and images.dtype == np.float32 and valid.shape == (20, 8, 8)
    np.testing.assert_array_equal(images[6], data[:, 8:16, 8:16].astype(np.float32))
    assert not valid[0, 0, 0] and images[0, :, 0, 0].tolist() == [0.0, 0.0]
    assert valid[0].sum() == 63
    # Bottom-right tile: rows 24..31, cols 32..39 -> rows 30, 31 are past the edge.
    last = grid.index_of(24, 32)
    assert valid[last, :6].all() and not valid[last, 6:].any()
    assert np.all(images[last, :, 6:] == 0)
    np.testing.assert_array_equal(images[last, :, :6], data[:, 24:30, 32:40].astype(np.float32))


def test_extract_tiles_masks_nan_in_float_rasters(tmp_path):
    data = np.random.default_rng(0).random((3, 16, 16)).astype(np.float32)
    data[1, 2:4, 5:7] = np.nan  # NaN in one band makes the pixel invalid
    path = write_raster(tmp_path / "f.tif", data)
    grid = TileGrid(16, 16, 8, 8)
    with rasterio.open(path) as ds:
        images, valid = extract_tiles(ds, grid, *grid.origins())
    assert valid[0].sum() == 64 - 4
    assert not valid[0, 2:4, 5:7].any()
    assert np.isfinite(images).all()


def test_extract_tiles_reads_in_strips_and_keeps_the_order_asked(tmp_path):
    data = np.random.default_rng(1).integers(1, 255, (3, 50, 60)).astype(np.uint8)
    path = write_raster(tmp_path / "x.tif", data)
    grid = TileGrid(60, 50, 8, 4)
    rows, cols = grid.origins()
    order = np.random.default_rng(2).permutation(len(rows))
    with rasterio.open(path) as ds:
        reads = []
        real_read = ds.read
        ds.read = lambda *a, **k: reads.append(k.get("window")) or real_read(*a, **k)
        whole, whole_valid = extract_tiles(ds, grid, rows[order], cols[order])
        n_reads_one_block = len(reads)
        reads.clear()
        # A budget of a few rows forces many strips; the result must not change.
        strips, strips_valid = extract_tiles(ds, grid, rows[order], cols[order], max_block_bytes=4 * 1024)
    assert n_reads_one_block == 1  # the whole 60 x 50 raster in one read, not one read per tile (156 tiles)
    assert 1 < len(reads) < len(rows)
    np.testing.assert_array_equal(whole, strips)
    np.testing.assert_array_equal(whole_valid, strips_valid)
    for k in (0, 17, len(rows) - 1):
        r, c = rows[order][k], cols[order][k]
        expected = np.zeros((3, 8, 8), np.float32)
        block = data[:, r:r + 8, c:c + 8]
        expected[:, :block.shape[1], :block.shape[2]] = block
        np.testing.assert_array_equal(whole[k], expected)
