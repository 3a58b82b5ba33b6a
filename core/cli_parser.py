# SPDX-License-Identifier: GPL-2.0-or-later
"""The ``stssl`` argument parser: its commands and flags. The training flags come from the options table
(core/params.py), one flag per option, so the command line, the dock and Processing share one vocabulary; the
commands themselves run in core/cli.py."""
from __future__ import annotations

import argparse
from typing import Callable, Mapping, Optional

from .params import EVALUATE_STEPS, RESOLUTION, TRAIN_OPTIONS, OptionSpec, PredictRequest, TrainOptions


SERIES_HELP = ("the RASTERs are single-date rasters of one place (one grid, the same bands): stack them into one "
               "time series per pixel, in date order, for --backbone presto. Each raster is dated by its own "
               "acquisition date (detected, or --date once per raster, or --timestep-dates with one date per "
               "raster); a date without data at a pixel (clouds, nodata) is masked at that timestep")

# Fields of TrainOptions that `stssl train` takes in its own group and `stssl evaluate` takes from the patch set.
_TRAIN_ONLY = ("tile_size_px", "stride_px", "multi_label")


def _add_option(group: argparse._ArgumentGroup, spec: OptionSpec, default) -> None:
    """One flag from the options table (core/params.py), with its choices, default and help."""
    if spec.kind == "bool":  # a switch that flips the default
        group.add_argument(spec.flag, dest=spec.name, action="store_false" if default else "store_true",
                           help=f"turn off: {spec.help}" if default else spec.help)
        return
    text = spec.help
    if spec.choices:
        text += " (" + "; ".join(f"{c.value}: {c.label}" for c in spec.choices) + ")"
    if default is not None:
        text += " [default: %(default)s]"
    kind = {"choice": str, "int": int, "float": float, "text": str}[spec.kind]
    metavar = None if spec.choices else spec.flag.lstrip("-").replace("-", "_").upper()
    group.add_argument(spec.flag, dest=spec.name, type=kind, default=default, help=text, choices=spec.values or None,
                       metavar=metavar)


def _add_training_options(p: argparse.ArgumentParser, steps_default: int, names: Optional[tuple] = None,
                          title: str = "training") -> None:
    """The options table's flags; ``names`` limits them (default: all but the train-only ones)."""
    defaults = TrainOptions(steps=steps_default).to_dict()
    g = p.add_argument_group(title)
    for spec in TRAIN_OPTIONS:
        if (spec.name in names) if names is not None else (spec.name not in _TRAIN_ONLY):
            _add_option(g, spec, defaults[spec.name])


def build_parser(handlers: Mapping[str, Callable[[argparse.Namespace], int]]) -> argparse.ArgumentParser:
    """The ``stssl`` parser; ``handlers`` maps each of its own commands (train, predict, evaluate, demo,
    presto-weights) to the function that runs it. The assessment and suggestion commands bring their own."""
    parser = argparse.ArgumentParser(prog="stssl", description="Spatiotemporal semi-supervised land-cover mapping")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a model from rasters and labels")
    p.add_argument("rasters", nargs="+", metavar="RASTER", help="one or more rasters (other dates, other places)")
    p.add_argument("--labels", required=True, help="vector (GeoPackage, Shapefile, GeoJSON; any CRS) or a class raster")
    p.add_argument("--class-field", default=None, help="attribute with the class (vector labels)")
    p.add_argument("--date", action="append", default=None,
                   help="acquisition date YYYY-MM-DD or 'unknown'; once for all rasters or once per raster "
                        "(default: detect)")
    p.add_argument("--lat", type=float, default=None, help="location for rasters without a CRS (with --lon)")
    p.add_argument("--lon", type=float, default=None)
    _add_training_options(p, TrainOptions.steps, names=_TRAIN_ONLY, title="tiles")
    p.add_argument("--min-coverage", type=float, default=0.5, help="fraction of a tile a class must cover to label it")
    p.add_argument("--presence", type=float, default=0.1, help="with --multi-label: the fraction a class must cover")
    p.add_argument("--timestep-dates", action="append", default=None, metavar="DATES",
                   help="a stack raster's timestep dates YYYY-MM-DD,... (bands grouped by date; default: from the band "
                        "descriptions); once for all rasters or once per raster")
    p.add_argument("--series", action="store_true", help=SERIES_HELP)
    p.add_argument("--out", required=True, help="model file to write")
    p.add_argument("--resume", default=None, help="continue from a model file's training state, with the options it "
                   "was trained with (only --steps, --device, --no-amp, checkpoints, validation and early stopping may "
                   "change)")
    p.add_argument("--overwrite", action="store_true")
    _add_training_options(p, TrainOptions.steps)
    p.set_defaults(func=handlers["train"])

    p = sub.add_parser("predict", help="classify a raster with a model")
    p.add_argument("model")
    p.add_argument("rasters", nargs="+", metavar="RASTER",
                   help="the raster to classify (with --series: the dates of one place, as in training)")
    p.add_argument("--series", action="store_true", help=SERIES_HELP)
    p.add_argument("--out", required=True, help="class GeoTIFF")
    p.add_argument("--confidence", default=None, help="confidence GeoTIFF (max probability)")
    p.add_argument("--teacher", default=None,
                   help="also write the teacher's map (reads the raster's date and place: a date that cannot be "
                        "detected is taken as unknown, with a warning; a raster without CRS needs --lat/--lon)")
    p.add_argument("--date", action="append", default=None,
                   help="acquisition date YYYY-MM-DD or 'unknown' for the teacher map (default: detect); with "
                        "--series once per raster")
    p.add_argument("--timestep-dates", default=None, metavar="DATES",
                   help="a stack raster's timestep dates for a Presto teacher map (default: from the band "
                        "descriptions)")
    p.add_argument("--lat", type=float, default=None, help="location of a raster without a CRS (with --lon)")
    p.add_argument("--lon", type=float, default=None)
    p.add_argument("--resolution", choices=RESOLUTION.values, default=PredictRequest.resolution,
                   help=RESOLUTION.help + " (" + "; ".join(f"{c.value}: {c.label}" for c in RESOLUTION.choices) + ")")
    p.add_argument("--stride", type=int, default=None, help="prediction stride in pixels (default: the model's)")
    p.add_argument("--batch-size", type=int, default=PredictRequest.batch_size, help="tiles per batch")
    p.add_argument("--block-px", type=int, default=PredictRequest.block_px,
                   help="edge in pixels of the area read and classified at once: lower it to use less memory; the "
                        "map does not change")
    p.add_argument("--device", default=PredictRequest.device)
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--force", action="store_true",
                   help="classify even when the raster's values lie far outside the training range")
    p.set_defaults(func=handlers["predict"])

    p = sub.add_parser("evaluate", help="train and score on a patch set (.npz) with a held-out test split")
    p.add_argument("--patches", required=True)
    p.add_argument("--json", default=None, help="write all metrics to this JSON file")
    p.add_argument("--band-names", default=None, metavar="NAMES",
                   help="bands of one timestep, e.g. blue,red,nir, for a set file without 'band_names'")
    p.add_argument("--timestep-dates", default=None, metavar="DATES",
                   help="YYYY-MM-DD of every timestep, comma-separated, for a set file without 'timestep_dates'")
    _add_training_options(p, EVALUATE_STEPS)
    p.set_defaults(func=handlers["evaluate"])

    p = sub.add_parser("demo", help="train, predict and score on the bundled Raleigh Landsat-7 sample")
    p.add_argument("--out", default="stssl-demo", help="output folder")
    p.add_argument("--quick", action="store_true", help="a short run (about a minute on a CPU)")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=handlers["demo"])

    from .app.presto_weights import DEFAULT_URL

    p = sub.add_parser("presto-weights", help="where the Presto weights are and whether they are the published file, "
                                              "or download them (--download)")
    p.add_argument("--download", action="store_true",
                   help="download the authors' file (3.3 MB, MIT licence) into --to and check its sha256")
    p.add_argument("--to", default=None, metavar="DIR",
                   help="the folder to download into, and to look in (for default_model.pt)")
    p.add_argument("--url", default=DEFAULT_URL, help="where to download from (a mirror) [default: %(default)s]")
    p.add_argument("--pretrained", default=None, metavar="PATH", help="check this weights file")
    p.set_defaults(func=handlers["presto-weights"])

    from .assessment.cli import add_assessment_commands

    add_assessment_commands(sub)
    from .suggest.cli import add_suggest_command
    add_suggest_command(sub)
    return parser
