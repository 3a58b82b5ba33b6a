# SPDX-License-Identifier: GPL-2.0-or-later
"""Prediction speed and memory: does `stssl predict` stream, and does I/O, tiling and writing stay out of the way?

    python benchmarks/bench_predict.py            # both measures; writes benchmarks/out/speed/predict.json
    python benchmarks/bench_predict.py --quick    # smaller rasters, fewer repeats (minutes)

(a) Throughput ratio: tiles per second of `stssl predict` end to end (a subprocess: start-up, model load, windowed
    reads, normalisation, tiling, the network, probability averaging, writing the class and confidence GeoTIFFs) on
    a 4096 x 4096 four-band uint16 raster, divided by the bare model's tiles per second on the same batches already
    in memory (the first 800 batches of 256 tiles). Both are measured in this one run, back to back in each repeat;
    the median of the per-repeat ratios is reported.
    Target >= 0.8.
(b) Memory: peak RSS of `stssl predict` on a 16384 x 16384 four-band raster minus the same on a 2048 x 2048 one.
    Target < 300 MB: it streams blocks and never loads the raster.

The rasters are the bundled Raleigh Landsat-7 sample (bands 1-4, scaled to uint16), mirrored to the size wanted, with
its CRS and nodata, written block by block as tiled DEFLATE GeoTIFFs into benchmarks/out/speed/ (git-ignored). The
model is trained for a few steps by `stssl train` on the four-band sample: speed does not depend on its accuracy.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from benchlib import REPO_ROOT, SAMPLE_DIR, SPEED_DIR, write_speed_result

STSSL = Path(sys.executable).parent / "stssl"
SAMPLE_IMAGE = SAMPLE_DIR / "raleigh_landsat7_2000.tif"
SAMPLE_LABELS = SAMPLE_DIR / "raleigh_labels.gpkg"
BANDS = 4
UINT8_TO_UINT16 = 257  # 1..255 -> 257..65535; 0 stays nodata


def thread_env(threads: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    return env


def sample_bands() -> Tuple[np.ndarray, dict]:
    import rasterio

    with rasterio.open(SAMPLE_IMAGE) as src:
        data = src.read(list(range(1, BANDS + 1)))
        profile = dict(crs=src.crs, transform=src.transform, nodata=src.nodata)
    valid = np.all(data != (profile["nodata"] or 0), axis=0)
    scaled = np.where(valid[None], data.astype(np.uint16) * UINT8_TO_UINT16, 0).astype(np.uint16)
    return scaled, profile


def mirrored(index: np.ndarray, size: int) -> np.ndarray:
    """Index into a source of ``size`` mirrored end to end (0..size-1, size-1..0, ...), so the mosaic has no seams."""
    period = index % (2 * size)
    return np.where(period < size, period, 2 * size - 1 - period)


def make_raster(path: Path, size: int, block_rows: int = 512) -> Path:
    """A size x size four-band uint16 GeoTIFF mirrored from the sample, written in blocks of rows."""
    import rasterio

    if path.exists():
        return path
    source, profile = sample_bands()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.tif")
    columns = mirrored(np.arange(size), source.shape[2])
    with rasterio.open(tmp, "w", driver="GTiff", width=size, height=size, count=BANDS, dtype="uint16",
                       crs=profile["crs"], transform=profile["transform"], nodata=0, tiled=True, blockxsize=256,
                       blockysize=256, compress="deflate", predictor=2, bigtiff="if_safer") as dst:
        dst.update_tags(ACQUISITION_DATE="2000-04-01",
                        NOTE="benchmark raster: Raleigh Landsat-7 sample bands 1-4 mirrored; CC BY-SA 3.0")
        for row0 in range(0, size, block_rows):
            rows = mirrored(np.arange(row0, min(size, row0 + block_rows)), source.shape[1])
            block = source[:, rows][:, :, columns]
            dst.write(block, window=rasterio.windows.Window(0, row0, size, len(rows)))
    tmp.replace(path)
    return path


def train_model(workdir: Path, threads: int) -> Path:
    """A four-band model from the sample, with the engine's defaults (the default CPU model), a few steps."""
    model = workdir / "model4.pt"
    if model.exists():
        return model
    train_raster = workdir / "raleigh4.tif"
    if not train_raster.exists():
        import rasterio

        data, profile = sample_bands()
        with rasterio.open(train_raster, "w", driver="GTiff", width=data.shape[2], height=data.shape[1],
                           count=BANDS, dtype="uint16", crs=profile["crs"], transform=profile["transform"],
                           nodata=0, compress="deflate") as dst:
            dst.write(data)
    command = [str(STSSL), "train", str(train_raster), "--labels", str(SAMPLE_LABELS), "--class-field", "label",
               "--date", "unknown", "--out", str(model), "--steps", "30", "--overwrite"]
    subprocess.run(command, cwd=REPO_ROOT, env=thread_env(threads), check=True, capture_output=True, text=True)
    return model


def run_predict(model: Path, raster: Path, out_dir: Path, threads: int, extra: List[str]) -> Tuple[float, int, str]:
    """(wall seconds, peak RSS in bytes, stdout+stderr tail) of one `stssl predict` subprocess."""
    out_classes, out_confidence = out_dir / "classes.tif", out_dir / "confidence.tif"
    command = [str(STSSL), "predict", str(model), str(raster), "--out", str(out_classes), "--confidence",
               str(out_confidence), "--overwrite"] + extra
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=thread_env(threads), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    output = process.stdout.read() if process.stdout else b""
    _pid, status, usage = os.wait4(process.pid, 0)  # this child's own peak RSS, not the max over all children
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    text = output.decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{text[-3000:]}")
    return wall, int(usage.ru_maxrss) * 1024, text[-1500:]


def bare_model_rate(model_path: Path, raster: Path, batch_size: int, threads: int, max_batches: int) -> float:
    """Tiles per second of the bare student on prepared batches already in memory.

    The batches are the ones `predict` builds: tiles of the model's size at its prediction stride over the
    normalised raster, keeping tiles that hold any valid pixel, in row-major order (the first ``max_batches``).
    """
    import rasterio
    import torch

    from spatiotemporal_ssl.core.app.modelfile import load_model
    from spatiotemporal_ssl.core.data.normalization import normalize_tiles

    torch.set_num_threads(threads)
    model = load_model(str(model_path), device="cpu")
    tile, step = model.tile_size_px, model.stride_px
    with rasterio.open(raster) as src:
        # Enough rows for max_batches batches, read once; the timing below never touches the file.
        tiles_per_row = max(1, (src.width - tile) // step + 1)
        rows_needed = min(src.height, (max_batches * batch_size // tiles_per_row + 2) * step + tile)
        window = rasterio.windows.Window(0, 0, src.width, rows_needed)
        data = src.read(window=window, out_dtype="float32")
        valid = np.all(src.read_masks(window=window) > 0, axis=0)
    normalised = torch.from_numpy(normalize_tiles(data[None], valid[None], model.band_stats)[0])
    tiles = normalised.unfold(1, tile, step).unfold(2, tile, step).permute(1, 2, 0, 3, 4)
    has_valid = torch.from_numpy(valid).float().unfold(0, tile, step).unfold(1, tile, step).amax(dim=(2, 3)) > 0
    index = torch.nonzero(has_valid.flatten()).flatten()
    n_cols = tiles.shape[1]
    batches = [tiles[chosen // n_cols, chosen % n_cols].contiguous()
               for chosen in index[:max_batches * batch_size].split(batch_size)]
    with torch.inference_mode():
        model.probabilities(batches[0], network="student")  # warm-up
        started = time.perf_counter()
        n = 0
        for batch in batches:
            model.probabilities(batch, network="student")
            n += batch.shape[0]
        seconds = time.perf_counter() - started
    return n / seconds


def tiles_predicted(model_path: Path, raster: Path, out_dir: Path, batch_size: int, threads: int) -> Tuple[int, float]:
    """(tiles the student classifies, seconds) of one in-process `predict_raster` on the raster."""
    import torch

    from spatiotemporal_ssl.core.app.modelfile import load_model
    from spatiotemporal_ssl.core.app.predict import predict_raster

    torch.set_num_threads(threads)
    model = load_model(str(model_path), device="cpu")
    result = predict_raster(model, str(raster), str(out_dir / "classes_inprocess.tif"),
                            out_confidence=str(out_dir / "confidence_inprocess.tif"), batch_size=batch_size,
                            overwrite=True)
    return int(result.tiles), float(result.seconds)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2048 px throughput raster, 8192 px memory raster, "
                                                             "2 repeats")
    parser.add_argument("--threads", type=int, default=1, help="torch threads, for both sides of the ratio")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--batch-size", type=int, default=256, help="stssl predict's default")
    parser.add_argument("--memory-stride", type=int, default=8,
                        help="tile stride for the memory runs (the tile size: no overlap, 4x fewer tiles than "
                             "the default stride, same streaming)")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--keep-rasters", action="store_true", help="keep the big memory raster on disk")
    args = parser.parse_args(argv)
    workdir = SPEED_DIR / "predict"
    workdir.mkdir(parents=True, exist_ok=True)
    throughput_size = 2048 if args.quick else 4096
    memory_sizes = (2048, 8192 if args.quick else 16384)
    repeats = args.repeats or (2 if args.quick else 5)

    model = train_model(workdir, args.threads)
    raster = make_raster(workdir / f"raleigh4_{throughput_size}.tif", throughput_size)
    extra = ["--batch-size", str(args.batch_size)]
    n_tiles, in_process_seconds = tiles_predicted(model, raster, workdir, args.batch_size, args.threads)
    print(f"{n_tiles:,} tiles; in-process predict_raster {in_process_seconds:.1f} s", flush=True)
    e2e_rates, bare_rates, walls = [], [], []
    for repeat in range(repeats):
        # 800 batches (~205k tiles, several seconds): a short burst of load on this shared machine moved a
        # 200-batch measure by a third from repeat to repeat.
        rate = bare_model_rate(model, raster, args.batch_size, args.threads, max_batches=800)
        bare_rates.append(rate)
        wall, _rss, _log = run_predict(model, raster, workdir, args.threads, extra)
        walls.append(wall)
        e2e_rates.append(n_tiles / wall)
        print(f"throughput repeat {repeat + 1}/{repeats}: end to end {n_tiles / wall:,.0f} tiles/s ({wall:.1f} s), "
              f"bare model {rate:,.0f} tiles/s", flush=True)
    # Each repeat's two measures run back to back under the same load, so the ratio is taken per repeat and
    # the median of those ratios is reported.
    ratio = float(np.median(np.asarray(e2e_rates) / np.asarray(bare_rates)))
    measures = [
        {"name": f"predict throughput / bare model ({throughput_size}² px, 4 bands uint16)",
         "value": f"{ratio:.2f}", "target": "≥ 0.8", "met": ratio >= 0.8},
        {"name": "end-to-end tiles/s (median)", "value": f"{np.median(e2e_rates):,.0f}"},
        {"name": "bare model tiles/s (median)", "value": f"{np.median(bare_rates):,.0f}"},
        {"name": f"end-to-end seconds for {throughput_size}² px (median)", "value": f"{np.median(walls):.1f}"},
        {"name": "in-process predict_raster seconds (once, no start-up)", "value": f"{in_process_seconds:.1f}"},
    ]
    notes = [f"{n_tiles:,} tiles of the model's size at its prediction stride; batch {args.batch_size}; "
             f"{args.threads} torch thread(s) on both sides; {repeats} repeats, interleaved; median of the per-repeat ratios.",
             "End to end is the `stssl predict` process from start to exit (interpreter and torch import, model "
             "load, windowed reads, normalisation, tiling, probability averaging, class + confidence GeoTIFFs)."]
    result = {"when": _dt.datetime.now().isoformat(timespec="seconds"), "device": "cpu", "measures": measures,
              "notes": notes, "raw": {"e2e_rates": e2e_rates, "bare_rates": bare_rates, "walls": walls,
                                      "n_tiles": n_tiles}}

    if not args.skip_memory:
        memory_extra = extra + ["--stride", str(args.memory_stride), "--resolution", "stride"]
        peaks = {}
        for size in memory_sizes:
            path = make_raster(workdir / f"raleigh4_{size}.tif", size)
            wall, rss, _log = run_predict(model, path, workdir, args.threads, memory_extra)
            peaks[size] = rss
            print(f"memory: {size}² px peak RSS {rss / 2**20:,.0f} MiB ({wall:.0f} s)", flush=True)
            if size == memory_sizes[-1] and not args.keep_rasters:
                path.unlink(missing_ok=True)
        small, large = memory_sizes
        delta = (peaks[large] - peaks[small]) / 2**20
        measures += [
            {"name": f"peak RSS {large}² px − {small}² px (4 bands)", "value": f"{delta:,.0f} MiB",
             "target": "< 300 MB", "met": delta * 2**20 < 300e6},
            {"name": f"peak RSS {small}² px", "value": f"{peaks[small] / 2**20:,.0f} MiB"},
            {"name": f"peak RSS {large}² px", "value": f"{peaks[large] / 2**20:,.0f} MiB"},
        ]
        notes.append(f"Memory runs: `--stride {args.memory_stride} --resolution stride` (tiles without overlap) to "
                     "keep the 16384² run to minutes; the reading and writing are block by block either way. "
                     "Peak RSS is the child's own (wait4).")
        result["raw"]["peak_rss"] = {str(k): v for k, v in peaks.items()}
    write_speed_result("predict", result, measures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
