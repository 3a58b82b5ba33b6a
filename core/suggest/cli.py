# SPDX-License-Identifier: GPL-2.0-or-later
"""``stssl suggest``: the tiles to label next, as a GeoPackage of ranked tile polygons.

    stssl suggest MODEL RASTER... --labels VECTOR --class-field F [--n 50] [--score confidence] --out s.gpkg

:func:`add_suggest_command` adds it to the ``stssl`` subparsers (core/cli.py), whose ``main`` turns an
:class:`InputError` into a message and exit code 2.
"""
from __future__ import annotations

import argparse
import os
from typing import List, Optional

from ..app.outputs import check_output_path
from ..errors import InputError
from ..params import RasterInput
from . import DEFAULT_COUNT, DEFAULT_MIN_DISTANCE_TILES, DEFAULT_SCORE, SCORES


def raster_inputs(paths: List[str], dates: Optional[List[str]], location=None) -> List[RasterInput]:
    """One date for every raster, one per raster, or none (detect, as training did)."""
    if dates and len(dates) not in (1, len(paths)):
        raise InputError(f"--date was given {len(dates)} times for {len(paths)} rasters; give one date for all "
                         "or one per raster")
    per_raster: List[Optional[str]] = list(dates * len(paths) if dates and len(dates) == 1 else dates or [])
    per_raster = per_raster or [None] * len(paths)
    return [RasterInput(p, d, location) for p, d in zip(paths, per_raster)]


def cmd_suggest(args: argparse.Namespace) -> int:
    from .tiles import suggest_tiles, write_suggestions

    if os.path.splitext(args.out)[1].lower() != ".gpkg":
        raise InputError(f"--out '{args.out}' must be a GeoPackage; give a file name ending in .gpkg")
    check_output_path(args.out, args.overwrite, "suggestions")  # before any reading or scoring
    location = (args.lat, args.lon) if args.lat is not None and args.lon is not None else None
    result = suggest_tiles(args.model, raster_inputs(args.rasters, args.date, location), args.labels,
                           args.class_field, n=args.n, score=args.score, min_distance=args.min_distance,
                           min_coverage=args.min_coverage, device=args.device, batch_size=args.batch_size)
    path = write_suggestions(result, args.out, overwrite=args.overwrite)
    print(f"suggestions: {path} ({len(result)} tiles of {result.candidates} unlabelled; {result.labelled} "
          f"labelled already; score '{result.score_name}', at least {result.min_distance:g} tiles apart)")
    if result.short:
        print(f"note: only {len(result)} tiles are {result.min_distance:g} tiles apart; lower --min-distance for more")
    names = [c.name for c in result.classes]
    for rank in range(min(len(result), 10)):
        print(f"  {rank + 1:>3}. {os.path.basename(result.rasters[int(result.raster_index[rank])])} "
              f"row {int(result.row[rank])} col {int(result.col[rank])}: score {result.score[rank]:.4f}, "
              f"predicted {names[int(result.class_index[rank])]} ({result.confidence[rank]:.2f})")
    return 0


def add_suggest_command(sub: "argparse._SubParsersAction") -> None:
    """Add ``suggest`` to the ``stssl`` subcommands."""
    p = sub.add_parser("suggest", help="rank the unlabelled tiles of the training rasters: which to label next")
    p.add_argument("model", metavar="MODEL", help="model file written by 'stssl train' or the plugin")
    p.add_argument("rasters", nargs="+", metavar="RASTER", help="the training rasters (same bands as the model)")
    p.add_argument("--labels", required=True, help="the labels trained on (vector or class raster): their tiles "
                                                   "are not suggested")
    p.add_argument("--class-field", default=None, help="attribute with the class (vector labels)")
    p.add_argument("--n", type=int, default=DEFAULT_COUNT, help="how many tiles to suggest")
    p.add_argument("--score", choices=tuple(SCORES), default=DEFAULT_SCORE,
                   help="; ".join(f"{k}: {v}" for k, v in SCORES.items()))
    p.add_argument("--min-distance", type=float, default=DEFAULT_MIN_DISTANCE_TILES,
                   help="fewest tile widths between two suggestions (0: no diversity rule)")
    p.add_argument("--min-coverage", type=float, default=0.5, help="as in training: the fraction of a tile a "
                                                                   "label must cover to make it labelled")
    p.add_argument("--date", action="append", default=None,
                   help="acquisition date YYYY-MM-DD or 'unknown', once or once per raster (default: detect)")
    p.add_argument("--lat", type=float, default=None, help="location for rasters without a CRS (with --lon)")
    p.add_argument("--lon", type=float, default=None)
    p.add_argument("--out", required=True, help="GeoPackage to write (.gpkg)")
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--device", default="auto")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_suggest)
