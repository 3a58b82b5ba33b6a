# SPDX-License-Identifier: GPL-2.0-or-later
"""``stssl assess`` and ``stssl sample``: accuracy assessment and validation samples on the command line.

    stssl sample MAP.tif --out points.gpkg [--per-class N | --expected-ua 0.9 [--target-se 0.01]]
    stssl assess MAP.tif --reference REF.gpkg --class-field F [--class-map forest=1,...] [--csv OUT] [--html OUT]

:func:`add_assessment_commands` adds both to the ``stssl`` subparsers (core/cli.py), whose ``main`` turns
an :class:`InputError` into a message and exit code 2.
"""
from __future__ import annotations

import argparse
from typing import Dict

from ..errors import InputError
from ..app.outputs import check_output_path
from . import DEFAULT_MIN_PER_CLASS


def _class_map(args: argparse.Namespace) -> Dict[str, int]:
    from .reference import parse_class_map

    mapping: Dict[str, int] = {}
    for text in args.class_map or []:
        mapping.update(parse_class_map(text))
    return mapping


def cmd_assess(args: argparse.Namespace) -> int:
    from .assess import assess_map
    from .report import summary_lines, write_csv, write_html

    # Refuse unwritable outputs before reading anything.
    for path, what in ((args.csv, "CSV report"), (args.html, "HTML report")):
        if path:
            check_output_path(path, args.overwrite, what)
    if args.csv and args.html and args.csv == args.html:
        raise InputError("--csv and --html name the same file; give two file names")
    report = assess_map(args.map, args.reference, args.class_field, _class_map(args))
    for line in summary_lines(report):
        print(line)
    if args.csv:
        print(f"csv: {write_csv(report, args.csv, args.overwrite)}")
    if args.html:
        print(f"html: {write_html(report, args.html, args.overwrite)}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from .sample import create_sample

    if args.per_class is not None and args.expected_ua:
        raise InputError("give either --per-class or --expected-ua, not both")
    if args.per_class is None and not args.expected_ua:
        raise InputError("give --per-class N (points in every class) or --expected-ua (e.g. 0.9, or "
                         "1=0.7 2=0.9) to size the sample from a target standard error")
    result = create_sample(args.map, args.out, per_class=args.per_class,
                           expected_ua=" ".join(args.expected_ua) if args.expected_ua else None,
                           target_se=args.target_se, min_per_class=args.min_per_class, seed=args.seed,
                           reference_field=args.reference_field, overwrite=args.overwrite)
    plan = result.plan
    print(f"sample: {result.path} ({plan.total} points, seed {result.seed}; {plan.rule})")
    width = max([len(n) for n in plan.names] + [5])
    print(f"{'class':>{width}}  {'value':>6}  {'mapped px':>12}  {'points':>6}")
    for name, value, pixels, count in zip(plan.names, plan.values, plan.mapped_pixels, plan.counts):
        print(f"{name:>{width}}  {int(value):>6}  {int(pixels):>12,}  {int(count):>6}")
    if plan.expected_se is not None:
        print(f"expected standard error of overall accuracy: {plan.expected_se:.4f} "
              f"(if the expected user's accuracies hold)")
    for note in plan.notes:
        print(f"note: {note}")
    print(f"label the points in field '{result.reference_field}' (integer class codes), then run: "
          f"stssl assess {args.map} --reference {result.path} --class-field {result.reference_field}")
    return 0


def add_assessment_commands(sub: "argparse._SubParsersAction") -> None:
    """Add ``assess`` and ``sample`` to the ``stssl`` subcommands."""
    p = sub.add_parser("assess", help="accuracy and area of a class map from reference data (Olofsson et al. 2014)")
    p.add_argument("map", metavar="MAP", help="classified raster (integer class codes)")
    p.add_argument("--reference", required=True, help="reference points or polygons (any OGR format and CRS)")
    p.add_argument("--class-field", required=True, help="attribute of the reference layer with the class")
    p.add_argument("--class-map", action="append", default=None, metavar="NAME=VALUE,...",
                   help="map class names in the reference to map codes, e.g. 'forest=1,water=2' "
                        "(the map's own class names are known without it)")
    p.add_argument("--csv", default=None, help="write the matrices and tables as CSV")
    p.add_argument("--html", default=None, help="write a self-contained HTML report")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_assess)

    p = sub.add_parser("sample", help="stratified random validation points over a class map, to label")
    p.add_argument("map", metavar="MAP", help="classified raster (integer class codes)")
    p.add_argument("--out", required=True, help="point GeoPackage to write (.gpkg)")
    p.add_argument("--per-class", type=int, default=None, help="the same number of points in every class")
    p.add_argument("--expected-ua", nargs="+", default=None, metavar="U",
                   help="expected user's accuracy: one number for all classes, or CLASS=U per class "
                        "(code or name), e.g. --expected-ua 1=0.7 2=0.6 0.9")
    p.add_argument("--target-se", type=float, default=0.01, help="target standard error of overall accuracy")
    p.add_argument("--min-per-class", type=int, default=DEFAULT_MIN_PER_CLASS,
                   help="fewest points in a class with --expected-ua (Olofsson et al.: 50-100 for small classes)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--reference-field", default="reference", help="name of the empty field to label")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_sample)
