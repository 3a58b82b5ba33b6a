# SPDX-License-Identifier: GPL-2.0-or-later
"""Acquisition dates: parsing, product ids, sidecars, GDAL tags and the order in which they are trusted."""
from __future__ import annotations

import datetime
import json
import math

import numpy as np
import pytest
import rasterio
from affine import Affine

from spatiotemporal_ssl.core.data.dates import UNKNOWN, AcquisitionDate, detect_acquisition_date, parse_date
from spatiotemporal_ssl.core.errors import InputError

D = datetime.date

# The structure of a real Landsat 8 Collection 2 Level-2 MTL (shortened): the acquisition date sits in
# IMAGE_ATTRIBUTES, the later processing date in LEVEL2_PROCESSING_RECORD.
LANDSAT_C2_MTL = """GROUP = LANDSAT_METADATA_FILE
  GROUP = PRODUCT_CONTENTS
    ORIGIN = "Image courtesy of the U.S. Geological Survey"
    DIGITAL_OBJECT_IDENTIFIER = "https://doi.org/10.5066/P9OGBGM6"
    LANDSAT_PRODUCT_ID = "LC08_L2SP_196025_20230615_20230622_02_T1"
    PROCESSING_LEVEL = "L2SP"
    COLLECTION_NUMBER = 02
    COLLECTION_CATEGORY = "T1"
    OUTPUT_FORMAT = "GEOTIFF"
    FILE_NAME_BAND_4 = "LC08_L2SP_196025_20230615_20230622_02_T1_SR_B4.TIF"
  END_GROUP = PRODUCT_CONTENTS
  GROUP = IMAGE_ATTRIBUTES
    SPACECRAFT_ID = "LANDSAT_8"
    SENSOR_ID = "OLI_TIRS"
    WRS_TYPE = 2
    WRS_PATH = 196
    WRS_ROW = 25
    NADIR_OFFNADIR = "NADIR"
    TARGET_WRS_PATH = 196
    TARGET_WRS_ROW = 25
    DATE_ACQUIRED = 2023-06-15
    SCENE_CENTER_TIME = "10:12:33.1234560Z"
    STATION_ID = "LGN"
    CLOUD_COVER = 12.34
  END_GROUP = IMAGE_ATTRIBUTES
  GROUP = LEVEL2_PROCESSING_RECORD
    ORIGIN = "Image courtesy of the U.S. Geological Survey"
    DATE_PRODUCT_GENERATED = 2023-06-22T05:12:13Z
  END_GROUP = LEVEL2_PROCESSING_RECORD
END_GROUP = LANDSAT_METADATA_FILE
END
"""
LANDSAT_ID = "LC08_L2SP_196025_20230615_20230622_02_T1"

SENTINEL2_PRODUCT_XML = """<?xml version="1.0" encoding="UTF-8"?>
<n1:Level-2A_User_Product xmlns:n1="https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-2A.xsd">
  <n1:General_Info>
    <Product_Info>
      <PRODUCT_START_TIME>2023-06-15T10:30:21.024Z</PRODUCT_START_TIME>
      <PRODUCT_STOP_TIME>2023-06-15T10:30:21.024Z</PRODUCT_STOP_TIME>
      <GENERATION_TIME>2023-06-15T17:00:00.000000Z</GENERATION_TIME>
    </Product_Info>
  </n1:General_Info>
</n1:Level-2A_User_Product>
"""
SENTINEL2_TILE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<n1:Level-2A_Tile_ID xmlns:n1="https://psd-14.sentinel2.eo.esa.int/PSD/S2_PDI_Level-2A_Tile_Metadata.xsd">
  <n1:General_Info>
    <TILE_ID metadataLevel="Brief">S2A_OPER_MSI_L2A_TL_2APS_20230615T170000_A041000_T32UNU_N05.09</TILE_ID>
    <SENSING_TIME metadataLevel="Standard">2023-06-15T10:41:56.123Z</SENSING_TIME>
  </n1:General_Info>
</n1:Level-2A_Tile_ID>
"""


# --- parse_date --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "2023-06-15", "20230615", "2023-06-15T10:20:30Z", "2023-06-15 10:20:30", "2023:06:15 10:20:30",
    "2023-06-15T10:30:21.024Z", "2023-06-15T10:20:30+02:00", "  2023-06-15  ", '"2023-06-15"',
])
def test_parse_date_accepts_common_formats(text):
    assert parse_date(text, "date") == D(2023, 6, 15)


def test_parse_date_keeps_the_calendar_date_of_a_datetime():
    assert parse_date("2017-06-13 10:10:31", "date") == D(2017, 6, 13)
    assert parse_date(datetime.datetime(2017, 6, 13, 23, 59), "date") == D(2017, 6, 13)
    assert parse_date(D(2017, 6, 13), "date") == D(2017, 6, 13)


@pytest.mark.parametrize("text", ["", "unknown", "UNKNOWN", "None", " none "])
def test_parse_date_unknown_words_mean_no_date(text):
    assert parse_date(text, "date") is None


@pytest.mark.parametrize("text", ["2023-13-45", "2023-02-30", "15/06/2023", "yesterday", "2023-06", "2023-06_15",
                                  "2023-06-15T25:00:00"])
def test_parse_date_rejects_bad_text_naming_the_input(text):
    with pytest.raises(InputError) as info:
        parse_date(text, "date for raster 'x.tif'")
    message = str(info.value)
    assert "raster 'x.tif'" in message and text in message and "YYYY-MM-DD" in message


# --- AcquisitionDate ---------------------------------------------------------------------------------------

def test_acquisition_date_properties():
    june = AcquisitionDate(D(2023, 6, 15), "explicit")
    assert june.known and june.iso == "2023-06-15"
    assert june.day_of_year == 166.0  # 31 + 28 + 31 + 30 + 31 + 15
    assert AcquisitionDate(D(2020, 12, 31), "explicit").day_of_year == 366.0  # leap year
    assert not UNKNOWN.known and UNKNOWN.iso == "" and math.isnan(UNKNOWN.day_of_year)
    assert UNKNOWN.source == "unknown"


# --- product ids and plain dates in file names ------------------------------------------------------------

@pytest.mark.parametrize("name, expected, source", [
    # Sentinel-2 SAFE product: the first date is the sensing start, the last the processing baseline's.
    ("S2A_MSIL2A_20230615T103021_N0509_R108_T32UNU_20230616T010203.SAFE", D(2023, 6, 15), "filename:sentinel-2"),
    ("S2A_MSIL1C_20170105T013442_N0204_R031_T53NMJ_20170105T013443.tif", D(2017, 1, 5), "filename:sentinel-2"),
    ("T32UNU_20230615T103021_B04_10m.jp2", D(2023, 6, 15), "filename:sentinel-2"),
    ("S2B_32UNU_20220701_0_L2A_B04.tif", D(2022, 7, 1), "filename:sentinel-2"),
    # Landsat collection ids: acquisition first, processing second.
    ("LC08_L2SP_196025_20230615_20230622_02_T1_SR_B4.TIF", D(2023, 6, 15), "filename:landsat"),
    ("LT05_L1TP_044034_19950812_20200912_02_T1_B3.TIF", D(1995, 8, 12), "filename:landsat"),
    # Pre-collection scene ids: year and day of year (2023 day 166 = 15 June; 2000 is leap: day 230 = 17 Aug).
    ("LC81960252023166LGN00_B4.TIF", D(2023, 6, 15), "filename:landsat"),
    ("LE70440342000230EDC00_B3.TIF", D(2000, 8, 17), "filename:landsat"),
    # Plain dates.
    ("field_2021-07-04_clip.tif", D(2021, 7, 4), "filename:date"),
    ("mosaic20210704.tif", D(2021, 7, 4), "filename:date"),
    ("area_2021_07_04.tif", D(2021, 7, 4), "filename:date"),
])
def test_dates_in_file_names(tmp_path, name, expected, source):
    found = detect_acquisition_date(str(tmp_path / name), tags={})
    assert (found.value, found.source) == (expected, source)


@pytest.mark.parametrize("name", [
    "ortho_mosaic.tif",
    "tile_123456789.tif",  # a 9-digit run is not a date
    "tile_20211345.tif",  # month 13
    "scan_19500101.tif",  # before Landsat: not an acquisition date
    "x_2021-07_04.tif",  # mixed separators
    "LC81960252023367LGN00_B4.TIF",  # day 367 does not exist
])
def test_names_without_a_date_stay_unknown(tmp_path, name):
    assert detect_acquisition_date(str(tmp_path / name), tags={}) == UNKNOWN


# --- sidecars ----------------------------------------------------------------------------------------------

def test_landsat_mtl_txt_next_to_the_band(tmp_path):
    (tmp_path / f"{LANDSAT_ID}_MTL.txt").write_text(LANDSAT_C2_MTL)
    found = detect_acquisition_date(str(tmp_path / f"{LANDSAT_ID}_SR_B4.TIF"), tags={})
    assert found == AcquisitionDate(D(2023, 6, 15), f"sidecar:{LANDSAT_ID}_MTL.txt")


def test_landsat_mtl_is_used_for_a_clip_in_the_scene_folder_but_not_when_ambiguous(tmp_path):
    (tmp_path / f"{LANDSAT_ID}_MTL.txt").write_text(LANDSAT_C2_MTL)
    assert detect_acquisition_date(str(tmp_path / "clip.tif"), tags={}).value == D(2023, 6, 15)
    other = LANDSAT_C2_MTL.replace("2023-06-15", "2023-07-01").replace("20230615", "20230701")
    (tmp_path / "LC08_L2SP_196025_20230701_20230710_02_T1_MTL.txt").write_text(other)
    assert detect_acquisition_date(str(tmp_path / "clip.tif"), tags={}) == UNKNOWN
    # ... while each band still finds its own scene's MTL.
    band = tmp_path / "LC08_L2SP_196025_20230701_20230710_02_T1_SR_B5.TIF"
    assert detect_acquisition_date(str(band), tags={}).value == D(2023, 7, 1)


def test_old_landsat_mtl_with_acquisition_date(tmp_path):
    (tmp_path / "LT50440342009223PAC01_MTL.txt").write_text(
        "GROUP = L1_METADATA_FILE\n  GROUP = PRODUCT_METADATA\n    ACQUISITION_DATE = 2009-08-11\n"
        "  END_GROUP = PRODUCT_METADATA\nEND_GROUP = L1_METADATA_FILE\nEND\n"
    )
    found = detect_acquisition_date(str(tmp_path / "LT50440342009223PAC01_B3.TIF"), tags={})
    assert found == AcquisitionDate(D(2009, 8, 11), "sidecar:LT50440342009223PAC01_MTL.txt")


def test_landsat_mtl_json(tmp_path):
    mtl = {"LANDSAT_METADATA_FILE": {"PRODUCT_CONTENTS": {"LANDSAT_PRODUCT_ID": LANDSAT_ID},
                                     "IMAGE_ATTRIBUTES": {"DATE_ACQUIRED": "2023-06-15"},
                                     "LEVEL2_PROCESSING_RECORD": {"DATE_PRODUCT_GENERATED": "2023-06-22T05:12:13Z"}}}
    (tmp_path / f"{LANDSAT_ID}_MTL.json").write_text(json.dumps(mtl))
    found = detect_acquisition_date(str(tmp_path / "clip.tif"), tags={})
    assert found == AcquisitionDate(D(2023, 6, 15), f"sidecar:{LANDSAT_ID}_MTL.json")


def _safe_product(tmp_path):
    safe = tmp_path / "S2A_MSIL2A_20230615T103021_N0509_R108_T32UNU_20230615T170000.SAFE"
    img = safe / "GRANULE" / "L2A_T32UNU_A041000_20230615T103500" / "IMG_DATA" / "R10m"
    img.mkdir(parents=True)
    (safe / "MTD_MSIL2A.xml").write_text(SENTINEL2_PRODUCT_XML)
    return safe, img


def test_sentinel2_tile_metadata_found_up_the_safe_tree(tmp_path):
    safe, img = _safe_product(tmp_path)
    (img.parent.parent / "MTD_TL.xml").write_text(SENTINEL2_TILE_XML)
    found = detect_acquisition_date(str(img / "B04.tif"), tags={})
    assert found == AcquisitionDate(D(2023, 6, 15), "sidecar:MTD_TL.xml")


def test_sentinel2_product_metadata_at_the_safe_root(tmp_path):
    safe, img = _safe_product(tmp_path)
    found = detect_acquisition_date(str(img / "B04.tif"), tags={})
    assert found == AcquisitionDate(D(2023, 6, 15), "sidecar:MTD_MSIL2A.xml")


def test_sentinel2_metadata_outside_the_folder_is_not_used_without_a_safe(tmp_path):
    (tmp_path / "MTD_MSIL2A.xml").write_text(SENTINEL2_PRODUCT_XML)
    sub = tmp_path / "exports"
    sub.mkdir()
    assert detect_acquisition_date(str(sub / "B04.tif"), tags={}) == UNKNOWN
    assert detect_acquisition_date(str(tmp_path / "B04.tif"), tags={}).source == "sidecar:MTD_MSIL2A.xml"


# --- GDAL tags (real GeoTIFFs) ----------------------------------------------------------------------------

def _write_geotiff(path, tags=None, band_tags=None):
    profile = dict(driver="GTiff", width=4, height=4, count=1, dtype="uint16", crs="EPSG:32633",
                   transform=Affine(10.0, 0.0, 500000.0, 0.0, -10.0, 5000000.0))
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.ones((1, 4, 4), dtype=np.uint16))
        if tags:
            dst.update_tags(**tags)
        if band_tags:
            dst.update_tags(1, **band_tags)


def test_tifftag_datetime_read_from_a_geotiff(tmp_path):
    path = tmp_path / "scene.tif"
    _write_geotiff(path, tags={"TIFFTAG_DATETIME": "2019:08:21 10:30:00"})
    assert detect_acquisition_date(str(path)) == AcquisitionDate(D(2019, 8, 21), "gdal:TIFFTAG_DATETIME")


def test_band_one_acquisition_tag_read_from_a_geotiff(tmp_path):
    path = tmp_path / "scene.tif"
    _write_geotiff(path, band_tags={"acquisition_date": "2018-04-30"})
    assert detect_acquisition_date(str(path)) == AcquisitionDate(D(2018, 4, 30), "gdal:ACQUISITION_DATE")


# --- priority ----------------------------------------------------------------------------------------------

def test_explicit_value_beats_everything(tmp_path):
    path = tmp_path / "scene_20230615.tif"
    _write_geotiff(path, tags={"ACQUISITIONDATE": "2019-08-21"})
    assert detect_acquisition_date(str(path), explicit="2020-01-02") == AcquisitionDate(D(2020, 1, 2), "explicit")
    assert detect_acquisition_date(str(path), explicit=D(2020, 1, 3)).value == D(2020, 1, 3)
    assert detect_acquisition_date(str(path), explicit="unknown") == AcquisitionDate(None, "explicit")
    # A blank field means "detect", not "unknown".
    assert detect_acquisition_date(str(path), explicit="  ").source == "gdal:ACQUISITIONDATE"


def test_bad_explicit_value_names_the_raster(tmp_path):
    with pytest.raises(InputError, match="scene.tif"):
        detect_acquisition_date(str(tmp_path / "scene.tif"), explicit="2023-13-45", tags={})


def test_acquisition_tag_beats_sidecar_and_name(tmp_path):
    (tmp_path / f"{LANDSAT_ID}_MTL.txt").write_text(LANDSAT_C2_MTL)
    found = detect_acquisition_date(str(tmp_path / f"{LANDSAT_ID}_SR_B4.TIF"), tags={"Sensing_Time": "2022-02-02"})
    assert found == AcquisitionDate(D(2022, 2, 2), "gdal:SENSING_TIME")


def test_sidecar_beats_name(tmp_path):
    (tmp_path / f"{LANDSAT_ID}_MTL.txt").write_text(LANDSAT_C2_MTL)
    found = detect_acquisition_date(str(tmp_path / "clip_20200101.tif"), tags={})
    assert found == AcquisitionDate(D(2023, 6, 15), f"sidecar:{LANDSAT_ID}_MTL.txt")


def test_product_id_beats_a_plain_date_in_the_name(tmp_path):
    name = f"export_20200101_{LANDSAT_ID}.tif"
    assert detect_acquisition_date(str(tmp_path / name), tags={}) == AcquisitionDate(D(2023, 6, 15), "filename:landsat")


def test_file_creation_time_ranks_below_the_name(tmp_path):
    creation = {"TIFFTAG_DATETIME": "2024:03:01 12:00:00"}
    named = detect_acquisition_date(str(tmp_path / "scene_20230615.tif"), tags=creation)
    assert named == AcquisitionDate(D(2023, 6, 15), "filename:date")
    unnamed = detect_acquisition_date(str(tmp_path / "scene.tif"), tags=creation)
    assert unnamed == AcquisitionDate(D(2024, 3, 1), "gdal:TIFFTAG_DATETIME")


def test_malformed_tag_is_skipped_not_fatal(tmp_path):
    found = detect_acquisition_date(str(tmp_path / "scene_20230615.tif"), tags={"ACQUISITIONDATE": "15-JUN-23"})
    assert found == AcquisitionDate(D(2023, 6, 15), "filename:date")


def test_missing_file_without_clues_is_unknown(tmp_path):
    assert detect_acquisition_date(str(tmp_path / "does_not_exist.tif")) == UNKNOWN
