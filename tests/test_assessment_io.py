# SPDX-License-Identifier: GPL-2.0-or-later
"""Accuracy assessment on real files: the class map, reference points and polygons in another CRS, the
validation sample, the CSV/HTML reports and the ``stssl assess`` / ``stssl sample`` commands."""
import csv
import json
import os

import numpy as np
import pyogrio
import pytest
import rasterio
import shapely

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.assessment.assess import assess_map
from spatiotemporal_ssl.core.assessment.maps import count_mapped_area, open_class_map
from spatiotemporal_ssl.core.assessment.reference import parse_class_map, read_reference
from spatiotemporal_ssl.core.assessment.report import write_csv, write_html
from spatiotemporal_ssl.core.assessment.sample import create_sample
from spatiotemporal_ssl.core.errors import InputError

from rasters import UTM_CRS, pixel_box, pixel_point, to_crs, utm_transform, write_labels, write_raster

NAMES = {1: "forest", 2: "water", 3: "urban"}


def _class_grid() -> np.ndarray:
    """20 x 30 px: forest left, water top right, urban bottom right; nodata (0) in the last column."""
    grid = np.ones((20, 30), dtype=np.uint8)
    grid[:10, 20:] = 2
    grid[10:, 20:] = 3
    grid[:, 29] = 0
    return grid


@pytest.fixture
def class_map(tmp_path):
    tags = {"CLASS_NAMES": json.dumps({str(k): v for k, v in NAMES.items()})}
    return write_raster(tmp_path / "classes.tif", _class_grid(), nodata=0, tags=tags)


def _lonlat(points):
    return to_crs(points, UTM_CRS, "EPSG:4326")


def test_mapped_area_is_counted_in_pixels_and_hectares(class_map):
    mapped = count_mapped_area(open_class_map(class_map))
    assert mapped.values.tolist() == [1, 2, 3]
    assert mapped.pixels.tolist() == [400, 90, 90] and mapped.nodata_pixels == 20
    assert mapped.hectares == pytest.approx([4.0, 0.9, 0.9])  # 10 m pixels: 0.01 ha each
    assert mapped.area_unit == "m²" and mapped.pixel_area == 100.0


def test_geographic_maps_get_geodesic_hectares(tmp_path):
    # 0.001 degree pixels at the equator: about 111.32 m x 110.57 m on WGS 84, i.e. about 1.231 ha.
    path = write_raster(tmp_path / "geo.tif", np.ones((3, 4), dtype=np.uint8), crs="EPSG:4326",
                        transform=rasterio.Affine(0.001, 0, 10.0, 0, -0.001, 0.0015))
    mapped = count_mapped_area(open_class_map(path))
    assert mapped.hectares[0] == pytest.approx(12 * 1.2308, rel=2e-3)
    assert "geodesic" in mapped.hectares_note


def test_a_map_with_fractional_values_is_refused(tmp_path):
    path = write_raster(tmp_path / "conf.tif", np.full((4, 4), 0.75, dtype=np.float32))
    with pytest.raises(InputError, match="not whole numbers.*classified raster"):
        count_mapped_area(open_class_map(path))


def test_points_in_another_crs_are_sampled_and_the_unusable_ones_counted(tmp_path, class_map):
    points = [pixel_point(2, 3), pixel_point(5, 25), pixel_point(15, 25), pixel_point(12, 5),
              pixel_point(4, 29),  # on nodata
              pixel_point(-3, 4), pixel_point(4, 40)]  # outside the map
    ref = write_labels(tmp_path / "ref.gpkg", _lonlat(points), ["forest", 2, "Urban", 2, 1, 1, 1], field="truth",
                       crs="EPSG:4326")
    sample = read_reference(ref, "truth", open_class_map(class_map))
    assert sample.kind == "points" and sample.features == 7
    assert sample.map_values.tolist() == [1, 2, 3, 1]
    assert sample.reference_values.tolist() == [1, 2, 3, 2]  # names matched to the map's class names
    assert (sample.points_outside, sample.nodata_units) == (2, 1)
    assert any("2 reference point(s) lie outside" in line for line in sample.dropped_lines())


def test_polygons_in_another_crs_count_the_pixels_whose_centre_is_inside(tmp_path, class_map):
    # 4 x 5 px fully inside forest; 2 x 12 px straddling forest/water (centres exactly on whole pixels);
    # a polygon over the nodata column; one away from the map; one smaller than a pixel between centres.
    polygons = [pixel_box(1, 1, 5, 6), pixel_box(2, 14, 4, 26), pixel_box(12, 28, 14, 30),
                pixel_box(100, 100, 102, 102), pixel_box(6.1, 6.1, 6.3, 6.3)]
    ref = write_labels(tmp_path / "poly.gpkg", to_crs(polygons, UTM_CRS, "EPSG:3857"), [1, 2, 3, 1, 1],
                       crs="EPSG:3857")
    sample = read_reference(ref, "class", open_class_map(class_map))
    assert sample.kind == "polygons"
    pairs = list(zip(sample.map_values.tolist(), sample.reference_values.tolist()))
    assert pairs.count((1, 1)) == 20 and pairs.count((1, 2)) == 12 and pairs.count((2, 2)) == 12
    assert pairs.count((3, 3)) == 2 and sample.units == 46
    assert (sample.nodata_units, sample.polygons_outside, sample.polygons_without_pixel) == (2, 1, 1)


def test_reference_errors_name_the_input_and_the_fix(tmp_path, class_map):
    cm = open_class_map(class_map)
    ref = write_labels(tmp_path / "ref.gpkg", [pixel_point(1, 1)], ["meadow"], field="truth")
    with pytest.raises(InputError, match="'meadow'.*forest=1.*class mapping"):
        read_reference(ref, "truth", cm)
    assert read_reference(ref, "truth", cm, {"Meadow": 1}).reference_values.tolist() == [1]
    with pytest.raises(InputError, match="no field 'klass'.*truth"):
        read_reference(ref, "klass", cm)
    far = write_labels(tmp_path / "far.gpkg", [shapely.Point(9.0, 47.0)], [1], crs="EPSG:4326")
    with pytest.raises(InputError, match="no feature.*lies on map 'classes.tif'.*EPSG:4326.*EPSG:32617"):
        read_reference(far, "class", cm)
    nodata = write_labels(tmp_path / "nodata.gpkg", [pixel_point(3, 29)], [1])
    with pytest.raises(InputError, match="no usable sample.*nodata"):
        read_reference(nodata, "class", cm)
    with pytest.raises(InputError, match="NAME=VALUE"):
        parse_class_map("forest:1")
    assert parse_class_map("forest=1; water = 2") == {"forest": 1, "water": 2}


def test_a_class_without_reference_samples_stops_the_assessment(tmp_path, class_map):
    ref = write_labels(tmp_path / "ref.gpkg", [pixel_point(1, 1), pixel_point(2, 2), pixel_point(4, 22)], [1, 1, 2])
    with pytest.raises(InputError, match="'urban'.*hold no reference sample"):
        assess_map(class_map, ref, "class")


def _assessment(tmp_path, class_map):
    rng = np.random.default_rng(3)
    grid = _class_grid()
    rows, cols = np.nonzero(grid > 0)
    pick = rng.choice(rows.size, 60, replace=False)
    points = [pixel_point(r, c) for r, c in zip(rows[pick], cols[pick])]
    truth = grid[rows[pick], cols[pick]].astype(int)
    truth[:6] = np.where(truth[:6] == 1, 2, 1)  # six labelling disagreements
    ref = write_labels(tmp_path / "truth.gpkg", points, truth.tolist())
    return assess_map(class_map, ref, "class"), truth, grid[rows[pick], cols[pick]]


def test_assessment_of_a_map_from_files(tmp_path, class_map):
    report, truth, mapped = _assessment(tmp_path, class_map)
    assert report.values == [1, 2, 3] and report.names == ["forest", "water", "urban"]
    assert report.counts.sum() == 60 and np.trace(report.counts) == 54
    assert report.sample.overall_accuracy == pytest.approx(54 / 60)
    assert report.mapped_pixels.tolist() == [400, 90, 90]
    assert report.estimated_area("ha").sum() == pytest.approx(5.8)


def test_csv_and_html_reports_are_written_atomically(tmp_path, class_map):
    report, _, _ = _assessment(tmp_path, class_map)
    report.names[2] = "urban <&> \"built\""
    out_csv = write_csv(report, str(tmp_path / "acc.csv"))
    with open(out_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    titles = [r[0] for r in rows if r and r[0].startswith("# ")]
    assert len(titles) == 5 and "sample counts" in titles[0] and "area per class" in titles[3]
    header = rows[1]
    assert header[1:4] == ["forest", "water", "urban <&> \"built\""] and header[-1] == "total"
    matrix = [[int(v) for v in r[1:4]] for r in rows[2:5]]
    assert matrix == report.counts.tolist()
    area_header = next(r for r in rows if r[:2] == ["class value", "class name"] and "estimated area (ha)" in r)
    assert "±95% CI (ha)" in area_header and "estimated area (pixels)" in area_header
    with pytest.raises(InputError, match="exists"):
        write_csv(report, out_csv)

    page = open(write_html(report, str(tmp_path / "acc.html")), encoding="utf-8").read()
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 1 and "</html>" in page
    assert "urban &lt;&amp;&gt; &quot;built&quot;" in page and "urban <&>" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # self-contained
    assert page.count('class="bar"') == 3 and "Olofsson" in page
    assert [f for f in os.listdir(tmp_path) if f.startswith(".")] == []  # no temporary files left


def test_validation_sample_is_stratified_reproducible_and_empty_to_label(tmp_path, class_map):
    out = str(tmp_path / "sample.gpkg")
    result = create_sample(class_map, out, per_class=7, seed=11)
    assert result.plan.counts.tolist() == [7, 7, 7]
    meta, _, wkb, (ids, map_class, names, reference) = pyogrio.raw.read(out)
    assert list(meta["fields"]) == ["sample_id", "map_class", "map_name", "reference"]
    assert meta["crs"] == "EPSG:32617" and meta["geometry_type"] == "Point"
    assert np.isnan(reference.astype(float)).all()  # NULL: nothing labelled yet
    assert sorted(map_class.tolist()) == [1] * 7 + [2] * 7 + [3] * 7 and sorted(ids.tolist()) == list(range(1, 22))
    assert names[list(map_class).index(2)] == "water"
    xy = shapely.get_coordinates(shapely.from_wkb(wkb))
    inv = ~utm_transform()
    grid = _class_grid()
    for (x, y), value in zip(xy, map_class):
        col, row = inv @ (x, y)
        assert col % 1 == pytest.approx(0.5) and row % 1 == pytest.approx(0.5)  # pixel centres
        assert grid[int(row), int(col)] == value
    assert len({tuple(p) for p in xy}) == 21  # without replacement

    again = create_sample(class_map, str(tmp_path / "again.gpkg"), per_class=7, seed=11)
    other = create_sample(class_map, str(tmp_path / "other.gpkg"), per_class=7, seed=12)
    read = lambda p: shapely.get_coordinates(shapely.from_wkb(pyogrio.raw.read(p)[2])).tolist()  # noqa: E731
    assert read(again.path) == xy.tolist() and read(other.path) != xy.tolist()


def test_validation_sample_sized_from_expected_accuracies(tmp_path, class_map):
    result = create_sample(class_map, str(tmp_path / "s.gpkg"), expected_ua="forest=0.9, 0.8", target_se=0.05,
                           min_per_class=10)
    plan = result.plan
    w = np.array([400, 90, 90]) / 580
    s = np.sqrt(np.array([0.9 * 0.1, 0.16, 0.16]))
    assert plan.cochran_n == int(np.ceil(((w * s).sum() / 0.05) ** 2))
    assert plan.counts.min() >= 10 and plan.total == max(plan.cochran_n, plan.counts.sum())
    with pytest.raises(InputError, match="class 'meadow' is not in map"):
        create_sample(class_map, str(tmp_path / "t.gpkg"), expected_ua="meadow=0.9")
    with pytest.raises(InputError, match="no expected user's accuracy for class.*water"):
        create_sample(class_map, str(tmp_path / "t.gpkg"), expected_ua="forest=0.9")
    with pytest.raises(InputError, match="must be a GeoPackage"):
        create_sample(class_map, str(tmp_path / "t.shp"), per_class=3)


def test_stssl_sample_then_assess(tmp_path, class_map, capsys):
    out = str(tmp_path / "pts.gpkg")
    assert cli.main(["sample", class_map, "--out", out, "--per-class", "5", "--seed", "2"]) == 0
    text = capsys.readouterr().out
    assert "15 points, seed 2" in text and "water" in text and "--class-field reference" in text

    # Label the sample as a user would: the true class, which here is the map class.
    meta, _, wkb, fields = pyogrio.raw.read(out)
    labelled = str(tmp_path / "labelled.gpkg")
    pyogrio.raw.write(labelled, geometry=wkb, field_data=[fields[1]], fields=["reference"], crs=meta["crs"],
                      geometry_type="Point", driver="GPKG")
    csv_out, html_out = str(tmp_path / "a.csv"), str(tmp_path / "a.html")
    assert cli.main(["assess", class_map, "--reference", labelled, "--class-field", "reference",
                     "--csv", csv_out, "--html", html_out]) == 0
    text = capsys.readouterr().out
    assert "overall accuracy (area-adjusted): 1.0000 ± 0.0000" in text
    assert f"csv: {csv_out}" in text and os.path.exists(html_out)

    assert cli.main(["assess", class_map, "--reference", labelled, "--class-field", "truth"]) == 2
    assert "has no field 'truth'" in capsys.readouterr().err
    assert cli.main(["assess", class_map, "--reference", labelled, "--class-field", "reference",
                     "--csv", csv_out]) == 2
    assert "exists" in capsys.readouterr().err
    assert cli.main(["sample", class_map, "--out", str(tmp_path / "x.gpkg"), "--per-class", "3",
                     "--expected-ua", "0.9"]) == 2
    assert "either --per-class or --expected-ua" in capsys.readouterr().err
    # The unlabelled sample names what is missing instead of failing with a traceback.
    assert cli.main(["assess", class_map, "--reference", out, "--class-field", "reference"]) == 2
    assert "no value in field 'reference'" in capsys.readouterr().err
