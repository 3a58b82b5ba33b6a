# SPDX-License-Identifier: GPL-2.0-or-later
"""``stssl``: the command line over the same engine as the QGIS plugin.

    stssl train RASTER... --labels VECTOR --class-field NAME [--date ...] --out MODEL
    stssl train --series A.tif B.tif C.tif --labels VECTOR --class-field NAME --backbone presto --out MODEL
    stssl predict MODEL RASTER --out CLASSES.tif [--confidence CONF.tif]
    stssl predict MODEL --series A.tif B.tif C.tif --out CLASSES.tif
    stssl evaluate --patches SET.npz --method fixmatch --metadata teacher [--json OUT]
    stssl demo [--out DIR] [--quick]
    stssl presto-weights [--download] [--to DIR] [--url URL] [--pretrained PATH]

Also runs under ``torchrun --nproc_per_node N -m spatiotemporal_ssl.core.cli train ...`` (DDP).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
import warnings
from contextlib import ExitStack
from typing import List, Optional

from .errors import InputError, TrainingCancelled
from .signals import Interrupted, SignalStop
from . import cli_parser
from .params import PredictRequest, RasterInput, TrainOptions, TrainRequest
from .progress import ProgressBar



def _options_from(args: argparse.Namespace) -> TrainOptions:
    """The training options the command line was given, validated (errors name the flags)."""
    return TrainOptions.from_mapping({k: v for k, v in vars(args).items() if k in TrainOptions.__dataclass_fields__},
                                     named_by="flag")


def _training_progress(label: str):
    bar = ProgressBar(label)

    def on_progress(p) -> None:
        if p.phase != "training":
            return
        bits = [f"step {p.step}/{p.total_steps}", f"loss {p.losses.get('loss', float('nan')):.3f}"]
        if p.mask_rate is not None:
            bits.append(f"mask {p.mask_rate:.2f}")
        if p.student_mask_rate is not None:  # the share the student learns from (student option 'agreed')
            bits.append(f"student mask {p.student_mask_rate:.2f}")
        if p.pseudo_label_accuracy is not None:
            bits.append(f"pl-acc {p.pseudo_label_accuracy:.2f}")
        if p.val_accuracy is not None:
            bits.append(f"val {p.val_accuracy:.3f}")
        bar.update(p.step / max(1, p.total_steps), " ".join(bits), p.eta_seconds)

    return bar, on_progress


def _location(args: argparse.Namespace):
    """--lat and --lon go together: one without the other is an error, not silently ignored."""
    if (args.lat is None) != (args.lon is None):
        given, missing = ("--lat", "--lon") if args.lon is None else ("--lon", "--lat")
        raise InputError(f"{given} was given without {missing}; give both, in degrees (e.g. --lat 35.8 --lon -78.6)")
    return (args.lat, args.lon) if args.lat is not None else None


def _resume_command(argv: List[str], model_path: str) -> str:
    """The command that continues an interrupted run: the same one, resuming from the saved model file."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--resume":
            skip = True
            continue
        if a.startswith("--resume="):
            continue
        out.append(a)
    return shlex.join(["stssl", *out, "--resume", model_path])


def _series_dates(args: argparse.Namespace) -> Optional[List[Optional[str]]]:
    """With --series: the date of every raster, from --date (once per raster) or --timestep-dates; None: detect."""
    from .data.series import parse_timestep_dates

    n = len(args.rasters)
    if args.date and args.timestep_dates:
        raise InputError("with --series give the rasters' dates either with --date (once per raster) or with "
                         "--timestep-dates, not both")
    if args.date:
        if len(args.date) != n:
            raise InputError(f"--date was given {len(args.date)} times for the {n} rasters of the --series; give "
                             "one date per raster, in the order of the rasters")
        return list(args.date)
    if args.timestep_dates:
        texts = args.timestep_dates if isinstance(args.timestep_dates, list) else [args.timestep_dates]
        if len(texts) != 1:
            raise InputError("with --series give --timestep-dates once: one date per raster, in the order of the "
                             "rasters")
        return list(parse_timestep_dates(texts[0], "--timestep-dates") or [])
    return None


def _stack_series(args: argparse.Namespace, scope: ExitStack):
    """--series: the rasters as one stack (a VRT in a temporary folder that lives while ``scope`` does)."""
    from .app.series_stack import series_stack

    stack = scope.enter_context(series_stack(args.rasters, _series_dates(args)))
    order = ", ".join(f"{os.path.basename(p)} ({d})" for p, d in zip(stack.sources, stack.layout.dates))
    print(f"series of {len(stack.sources)} dates of bands {', '.join(stack.layout.band_names)}: {order}")
    return stack


def cmd_train(args: argparse.Namespace) -> int:
    with ExitStack() as scope:
        return _train(args, scope)


def _train(args: argparse.Namespace, scope: ExitStack) -> int:
    opts = _options_from(args)
    location = _location(args)
    if args.series:
        stack = _stack_series(args, scope)
        rasters = [RasterInput(stack.path, None, location, list(stack.layout.dates))]
    else:
        if args.date and len(args.date) not in (1, len(args.rasters)):
            raise InputError(f"--date was given {len(args.date)} times for {len(args.rasters)} rasters; give one date "
                             "for all or one per raster")
        one_for_all = bool(args.date) and len(args.date) == 1
        dates = (args.date * len(args.rasters)) if one_for_all else (args.date or [None] * len(args.rasters))
        series = _timestep_dates_per_raster(args.timestep_dates, len(args.rasters))
        rasters = [RasterInput(p, d, location, s) for p, d, s in zip(args.rasters, dates, series)]
    request = TrainRequest(
        rasters=rasters, labels_path=args.labels,
        class_field=args.class_field, out_model=args.out, options=opts, min_coverage=args.min_coverage,
        presence_fraction=args.presence, overwrite=args.overwrite)
    from .app.pipeline import train_model

    bar, on_progress = _training_progress("train")
    with SignalStop() as stop:  # the first Ctrl-C / SIGTERM in training saves the best model so far
        result = train_model(request, progress=on_progress, should_stop=stop.requested, resume_from=args.resume)
    bar.close()
    rank = int(os.environ.get("RANK", "0"))
    if rank == 0:
        rep = result.report
        print(f"model: {result.model_path}")
        if result.backbone_choice is not None:
            print(f"backbone: {result.backbone_choice.reason}")
        if result.normalization is not None:
            print(f"normalisation: {result.normalization.reason}")
        print(f"device: {result.device_name}; steps: {result.steps_done} (best {result.best_step}); "
              f"{result.train_seconds:.1f} s; labelled tiles: {result.n_labeled} (+{result.n_validation} held out), "
              f"unlabelled: {result.n_unlabeled}")
        if rep.get("accuracy") is not None:
            print(f"held-out validation accuracy: {rep['accuracy']:.3f} on {rep['n_validation']} tiles")
            for name, acc in zip(rep["class_names"], rep.get("per_class_accuracy", [])):
                print(f"  {name:>20}: {'-' if acc is None else f'{acc:.3f}'}")
            base = rep.get("baseline")
            if base:
                advice = ("--method quick gives it as a map" if base["name"].startswith("Quick map") else
                          "label more tiles, or check the map against a per-pixel classifier")
                verdict = "this model is better" if base["deep_model_better"] else \
                    f"the cheap baseline is as good or better ({advice})"
                print(f"baseline on the same tiles: {base['name']} {base['accuracy']:.3f}; {verdict}")
        elif rep.get("min_tiles_per_class_for_validation") is not None:
            print(f"no held-out validation: at --val-fraction {rep['val_fraction']:g} a class needs "
                  f"{rep['min_tiles_per_class_for_validation']} labelled tiles before "
                  f"{rep['min_validation_tiles_per_class']} are held out; the last model of the run was kept")
        if rep.get("label_reach"):
            from .learning.label_reach import reach_line

            print(reach_line(rep["label_reach"]))
        for p in result.provenance:
            date = p.get("acquisition_date") or "unknown"
            print(f"raster {os.path.basename(p['path'])}: date {date} ({p.get('date_source')})")
        if result.cancelled:
            why = f"interrupted ({stop.name})" if stop.signum is not None else "cancelled"
            kept = (f"the best model so far (EMA, step {result.best_step})" if result.best_step else
                    f"the model so far (EMA at step {result.steps_done}, not validated yet)")
            print(f"training was {why} at step {result.steps_done}; {kept} was saved with its training state to "
                  f"{result.model_path}")
            print(f"resume with: {_resume_command(getattr(args, 'argv', []), result.model_path)}")
            if stop.signum is not None:
                return stop.exit_code
    return 0


def _timestep_dates_per_raster(given: Optional[List[str]], n: int) -> list:
    """--timestep-dates given once (for every raster) or once per raster, as lists of ISO dates."""
    from .data.series import parse_timestep_dates

    if not given:
        return [None] * n
    if len(given) not in (1, n):
        raise InputError(f"--timestep-dates was given {len(given)} times for {n} rasters; give it once for all "
                         "or once per raster")
    parsed = [parse_timestep_dates(text, "--timestep-dates") for text in given]
    return parsed * n if len(parsed) == 1 else parsed


def cmd_predict(args: argparse.Namespace) -> int:
    with ExitStack() as scope:
        return _predict(args, scope)


def _predict(args: argparse.Namespace, scope: ExitStack) -> int:
    from .app.modelfile import load_model
    from .app.predict import check_input_scale, classify_raster

    if args.series:
        stack = _stack_series(args, scope)
        raster, date, timestep_dates = stack.path, None, list(stack.layout.dates)
    elif len(args.rasters) > 1:
        raise InputError(f"{len(args.rasters)} rasters were given; predict classifies one raster, or with --series "
                         "several rasters that are dates of one place")
    else:
        raster, date = args.rasters[0], (args.date[0] if args.date else None)
        if args.date and len(args.date) > 1:
            raise InputError("--date was given more than once for one raster; give it once")
        timestep_dates = _timestep_dates_per_raster(args.timestep_dates and [args.timestep_dates], 1)[0]
    args.raster = raster
    request = PredictRequest(
        model_path=args.model, raster_path=raster, out_classes=args.out, out_confidence=args.confidence,
        out_teacher=args.teacher, acquisition_date=date, resolution=args.resolution, stride_px=args.stride,
        batch_size=args.batch_size, block_px=args.block_px, device=args.device, overwrite=args.overwrite,
        location=_location(args), timestep_dates=timestep_dates)
    model = load_model(request.model_path, device=request.device)
    check = check_input_scale(model, request.raster_path)
    if not check.ok:
        if not args.force:
            raise InputError(check.message() + "; nothing was written. Rerun with --force to classify it anyway")
        print(f"stssl: warning: {check.message()}; classifying anyway (--force)", file=sys.stderr)
    from .app.predict_time import long_prediction_note

    note = long_prediction_note(model, request.raster_path, request.resolution, request.stride_px,
                                teacher=bool(request.out_teacher), batch_size=request.batch_size)
    if note:
        print(f"stssl: note: {note}", file=sys.stderr)
    bar = ProgressBar("predict")
    result = classify_raster(request, model, progress=lambda f: bar.update(f))
    bar.close()
    what = "the series" if args.series else args.raster
    print(f"classified {result.tiles} tiles of {what} in {result.seconds:.1f} s on {model.device}")
    print(f"classes: {result.classes_path}")
    print(f"nodata: {result.nodata_summary()}")
    if result.confidence_path:
        print(f"confidence: {result.confidence_path}")
    if result.teacher_path:
        print(f"teacher map: {result.teacher_path}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .app.evaluate import evaluate_patchset

    if args.json:
        from .app.outputs import check_output_path

        check_output_path(args.json, True, "JSON result", inputs=[(args.patches, "patch set")])
    options = _options_from(args)
    bar, on_progress = _training_progress(f"{options.method}/{options.metadata}")
    result = evaluate_patchset(args.patches, options, progress=on_progress, band_names=args.band_names,
                               timestep_dates=args.timestep_dates)
    bar.close()
    keys = ["method", "metadata", "encoding", "backbone", "accuracy", "balanced_accuracy", "macro_f1",
            "teacher_accuracy", "mask_rate", "pseudo_label_accuracy", "n_labeled", "n_unlabeled", "n_test", "steps",
            "train_seconds", "device"]
    for k in keys:
        if k in result:
            v = result[k]
            print(f"{k:>22}: {v:.4f}" if isinstance(v, float) else f"{k:>22}: {v}")
    print(f"{'backbone chosen':>22}: {result['backbone_choice']['reason']}")
    print(f"{'normalisation':>22}: {result['normalization']['reason']}")
    if int(os.environ.get("RANK", "0")) != 0:
        return 0  # under torchrun only rank 0 reports
    if args.json:
        from .app.outputs import write_text_file

        write_text_file(args.json, json.dumps(result, indent=2), overwrite=True, what="JSON result")
        print(f"{'json':>22}: {args.json}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .app.demo import run_demo

    run_demo(args.out, quick=args.quick, device=args.device, overwrite=True)
    return 0


def cmd_presto_weights(args: argparse.Namespace) -> int:
    """Where the Presto weights are found and whether they are the published file; or download them (--download)."""
    from .app.presto_weights import check_weights, download_weights

    if args.download:
        if not args.to:
            raise InputError("--download needs --to DIR, the folder to save default_model.pt in (the QGIS plugin "
                             "keeps it in its data folder, shown in the dock under Presto weights)")
        bar = ProgressBar("Presto weights")
        path = download_weights(args.to, url=args.url, progress=lambda done, total: bar.update(
            done / total if total else 0.0, f"{done / 1e6:.1f} MB"))
        bar.close()
        print(f"Presto weights: {path} (sha256 checked: the published file)")
        print(f"use them with --pretrained {path}, or set STSSL_PRESTO_WEIGHTS to that path")
        return 0
    found = check_weights(args.pretrained, [args.to] if args.to else [])
    if found.path is None:
        raise InputError(found.problem)
    print(f"Presto weights: {found.path} (from the {found.source})")
    if found.published:
        print(f"sha256 {found.sha256}: the published file")
        return 0
    print(f"sha256 {found.sha256} is not the published file's: another file, which loads only if it holds the "
          "Presto encoder")
    return 1


def build_parser() -> argparse.ArgumentParser:
    return cli_parser.build_parser({"train": cmd_train, "predict": cmd_predict, "evaluate": cmd_evaluate,
                                    "demo": cmd_demo, "presto-weights": cmd_presto_weights})


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    # The engine's warnings (a date taken as unknown, repaired polygons, classes without tiles) go to stderr,
    # marked as such, wherever the logging of the host process points.
    warn = logging.StreamHandler(sys.stderr)
    warn.setLevel(logging.WARNING)
    warn.setFormatter(logging.Formatter("stssl: warning: %(message)s"))
    engine_log = logging.getLogger((__package__ or "spatiotemporal_ssl").split(".")[0])
    engine_log.addHandler(warn)
    try:
        # A raster without geotransform gets a precise message of ours; rasterio's warning (with a source line
        # that looks like a traceback) would only add noise.
        from rasterio.errors import NotGeoreferencedWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            if args.func is cmd_train:
                return args.func(args)  # installs its own handlers: a signal saves the model so far
            with SignalStop():  # SIGTERM, like Ctrl-C, unwinds and removes temporary files
                return args.func(args)
    except InputError as exc:
        print(f"stssl: error: {exc}", file=sys.stderr)
        return 2
    except TrainingCancelled as exc:
        print(f"stssl: {exc}", file=sys.stderr)
        return 130
    except Interrupted as exc:
        print(f"stssl: interrupted ({exc.name}); no partial output was left", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("stssl: interrupted; no partial output was left", file=sys.stderr)
        return 130
    finally:
        engine_log.removeHandler(warn)


if __name__ == "__main__":
    sys.exit(main())
