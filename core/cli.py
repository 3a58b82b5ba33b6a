"""``stssl``: the command line over the same engine as the QGIS plugin.

    stssl train RASTER... --labels VECTOR --class-field NAME [--date ...] --out MODEL
    stssl predict MODEL RASTER --out CLASSES.tif [--confidence CONF.tif]
    stssl evaluate --patches SET.npz --method fixmatch --metadata teacher [--json OUT]
    stssl demo [--out DIR] [--quick]

Also runs under ``torchrun --nproc_per_node N -m spatiotemporal_ssl.core.cli train ...`` (DDP).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional

from .errors import InputError, TrainingCancelled
from .params import BACKBONES, DISTILL_LOSSES, ENCODINGS, METADATA_MODES, METHODS, RasterInput, TrainOptions, TrainRequest
from .progress import ProgressBar


def _add_training_options(p: argparse.ArgumentParser, steps_default: int) -> None:
    d = TrainOptions()
    g = p.add_argument_group("training")
    g.add_argument("--method", choices=METHODS, default=d.method)
    g.add_argument("--metadata", choices=METADATA_MODES, default=d.metadata,
                   help="none: plain; input: one network sees metadata; teacher: Spatiotemporal SSL (default)")
    g.add_argument("--encoding", choices=ENCODINGS, default=d.encoding)
    g.add_argument("--sh-degree", type=int, default=d.sh_degree, help="degree L of the 'sphere' encoding")
    g.add_argument("--backbone", choices=BACKBONES, default=d.backbone)
    g.add_argument("--model-size", choices=("auto", "tiny", "small"), default=d.model_size)
    g.add_argument("--steps", type=int, default=steps_default)
    g.add_argument("--batch-size", type=int, default=d.batch_size, help="labelled tiles per step")
    g.add_argument("--unlabeled-ratio", type=int, default=d.unlabeled_ratio, help="unlabelled tiles per labelled tile")
    g.add_argument("--lr", type=float, default=d.lr)
    g.add_argument("--threshold", type=float, default=d.threshold, help="FixMatch confidence threshold")
    g.add_argument("--lambda-d", type=float, default=d.lambda_d, help="distillation weight")
    g.add_argument("--distill-loss", choices=DISTILL_LOSSES, default=d.distill_loss)
    g.add_argument("--meta-dropout", type=float, default=d.meta_dropout)
    g.add_argument("--meta-warmup-steps", type=int, default=d.meta_warmup_steps)
    g.add_argument("--val-fraction", type=float, default=d.val_fraction)
    g.add_argument("--eval-every", type=int, default=d.eval_every)
    g.add_argument("--patience", type=int, default=None, dest="patience_steps", help="early stopping patience in steps")
    g.add_argument("--checkpoint-every", type=int, default=d.checkpoint_every,
                   help="also write the model file every N steps (resumable with --resume)")
    g.add_argument("--seed", type=int, default=d.seed)
    g.add_argument("--device", default=d.device, help="auto (CUDA if available), cpu, cuda, cuda:N")
    g.add_argument("--no-amp", dest="amp", action="store_false", help="disable mixed precision on CUDA")
    g.add_argument("--init-weights", default=None, help="a local weights file to start from (no downloads)")


def _options_from(args: argparse.Namespace, **extra) -> TrainOptions:
    fields = TrainOptions.__dataclass_fields__
    values = {k: getattr(args, k) for k in fields if hasattr(args, k)}
    values.update(extra)
    return TrainOptions(**values)


def _training_progress(label: str):
    bar = ProgressBar(label)

    def on_progress(p) -> None:
        if p.phase != "training":
            return
        bits = [f"step {p.step}/{p.total_steps}", f"loss {p.losses.get('loss', float('nan')):.3f}"]
        if p.mask_rate is not None:
            bits.append(f"mask {p.mask_rate:.2f}")
        if p.pseudo_label_accuracy is not None:
            bits.append(f"pl-acc {p.pseudo_label_accuracy:.2f}")
        if p.val_accuracy is not None:
            bits.append(f"val {p.val_accuracy:.3f}")
        bar.update(p.step / max(1, p.total_steps), " ".join(bits), p.eta_seconds)

    return bar, on_progress


def cmd_train(args: argparse.Namespace) -> int:
    if args.date and len(args.date) not in (1, len(args.rasters)):
        raise InputError(f"--date was given {len(args.date)} times for {len(args.rasters)} rasters; give one date for all or one per raster")
    dates = (args.date * len(args.rasters)) if args.date and len(args.date) == 1 else (args.date or [None] * len(args.rasters))
    location = (args.lat, args.lon) if args.lat is not None and args.lon is not None else None
    opts = _options_from(args, tile_size_px=args.tile_size, stride_px=args.stride, multi_label=args.multi_label)
    request = TrainRequest(
        rasters=[RasterInput(p, d, location) for p, d in zip(args.rasters, dates)], labels_path=args.labels,
        class_field=args.class_field, out_model=args.out, options=opts, min_coverage=args.min_coverage,
        presence_fraction=args.presence, overwrite=args.overwrite)
    from .app.pipeline import train_model

    bar, on_progress = _training_progress("train")
    result = train_model(request, progress=on_progress, resume_from=args.resume)
    bar.close()
    rank = int(os.environ.get("RANK", "0"))
    if rank == 0:
        rep = result.report
        print(f"model: {result.model_path}")
        print(f"device: {result.device_name}; steps: {result.steps_done} (best {result.best_step}); "
              f"{result.train_seconds:.1f} s; labelled tiles: {result.n_labeled} (+{result.n_validation} held out), "
              f"unlabelled: {result.n_unlabeled}")
        if rep.get("accuracy") is not None:
            print(f"held-out validation accuracy: {rep['accuracy']:.3f} on {rep['n_validation']} tiles")
            for name, acc in zip(rep["class_names"], rep.get("per_class_accuracy", [])):
                print(f"  {name:>20}: {'-' if acc is None else f'{acc:.3f}'}")
        elif rep.get("min_tiles_per_class_for_validation") is not None:
            print(f"no held-out validation: at --val-fraction {rep['val_fraction']:g} a class needs "
                  f"{rep['min_tiles_per_class_for_validation']} labelled tiles before "
                  f"{rep['min_validation_tiles_per_class']} are held out; the last model of the run was kept")
        for p in result.provenance:
            print(f"raster {os.path.basename(p['path'])}: date {p.get('acquisition_date') or 'unknown'} ({p.get('date_source')})")
        if result.cancelled:
            print("training was cancelled; the best model so far was saved")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from .app.modelfile import load_model
    from .app.predict import predict_raster

    model = load_model(args.model, device=args.device)
    bar = ProgressBar("predict")
    result = predict_raster(model, args.raster, args.out, out_confidence=args.confidence, out_teacher=args.teacher,
                            acquisition_date=args.date, resolution=args.resolution, stride_px=args.stride,
                            batch_size=args.batch_size, overwrite=args.overwrite,
                            progress=lambda f: bar.update(f))
    bar.close()
    print(f"classified {result.tiles} tiles of {args.raster} in {result.seconds:.1f} s on {model.device}")
    print(f"classes: {result.classes_path}")
    if result.confidence_path:
        print(f"confidence: {result.confidence_path}")
    if result.teacher_path:
        print(f"teacher map: {result.teacher_path}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .app.evaluate import evaluate_patchset

    if args.json:
        from .app.outputs import check_output_path

        check_output_path(args.json, True, "JSON result")
    bar, on_progress = _training_progress(f"{args.method}/{args.metadata}")
    opts = {k: getattr(args, k) for k in ("batch_size", "unlabeled_ratio", "lr", "threshold", "lambda_d", "distill_loss",
                                          "meta_dropout", "meta_warmup_steps", "val_fraction", "eval_every",
                                          "patience_steps", "backbone", "model_size", "sh_degree", "amp", "init_weights")}
    result = evaluate_patchset(args.patches, method=args.method, metadata=args.metadata, encoding=args.encoding,
                               steps=args.steps, seed=args.seed, device=args.device, progress=on_progress, **opts)
    bar.close()
    keys = ["method", "metadata", "encoding", "accuracy", "balanced_accuracy", "macro_f1", "teacher_accuracy",
            "mask_rate", "pseudo_label_accuracy", "n_labeled", "n_unlabeled", "n_test", "steps", "train_seconds", "device"]
    for k in keys:
        if k in result:
            v = result[k]
            print(f"{k:>22}: {v:.4f}" if isinstance(v, float) else f"{k:>22}: {v}")
    if int(os.environ.get("RANK", "0")) != 0:
        return 0  # under torchrun only rank 0 reports
    if args.json:
        tmp = args.json + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(result, fh, indent=2)
        os.replace(tmp, args.json)
        print(f"{'json':>22}: {args.json}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .app.demo import run_demo

    run_demo(args.out, quick=args.quick, device=args.device, overwrite=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stssl", description="Spatiotemporal semi-supervised land-cover mapping")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a model from rasters and labels")
    p.add_argument("rasters", nargs="+", metavar="RASTER", help="one or more rasters (other dates, other places)")
    p.add_argument("--labels", required=True, help="vector (GeoPackage, Shapefile, GeoJSON; any CRS) or a class raster")
    p.add_argument("--class-field", default=None, help="attribute with the class (vector labels)")
    p.add_argument("--date", action="append", default=None,
                   help="acquisition date YYYY-MM-DD or 'unknown'; once for all rasters or once per raster (default: detect)")
    p.add_argument("--lat", type=float, default=None, help="location for rasters without a CRS (with --lon)")
    p.add_argument("--lon", type=float, default=None)
    p.add_argument("--tile-size", type=int, default=TrainOptions.tile_size_px, help="tile size in pixels")
    p.add_argument("--stride", type=int, default=None, help="training tile stride in pixels (default: tile size)")
    p.add_argument("--min-coverage", type=float, default=0.5, help="fraction of a tile a class must cover to label it")
    p.add_argument("--multi-label", action="store_true", help="mark every class above --presence in a tile")
    p.add_argument("--presence", type=float, default=0.1)
    p.add_argument("--out", required=True, help="model file to write")
    p.add_argument("--resume", default=None, help="continue from a model file's training state")
    p.add_argument("--overwrite", action="store_true")
    _add_training_options(p, TrainOptions.steps)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="classify a raster with a model")
    p.add_argument("model")
    p.add_argument("raster")
    p.add_argument("--out", required=True, help="class GeoTIFF")
    p.add_argument("--confidence", default=None, help="confidence GeoTIFF (max probability)")
    p.add_argument("--teacher", default=None, help="also write the teacher's map (needs the acquisition date and CRS)")
    p.add_argument("--date", default=None, help="acquisition date for the teacher map (default: detect)")
    p.add_argument("--resolution", choices=("pixel", "stride"), default="pixel")
    p.add_argument("--stride", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--device", default="auto")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("evaluate", help="train and score on a patch set (.npz) with a held-out test split")
    p.add_argument("--patches", required=True)
    p.add_argument("--json", default=None, help="write all metrics to this JSON file")
    _add_training_options(p, 500)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("demo", help="train, predict and score on the bundled Raleigh Landsat-7 sample")
    p.add_argument("--out", default="stssl-demo", help="output folder")
    p.add_argument("--quick", action="store_true", help="a short run (about a minute on a CPU)")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=cmd_demo)

    from .assessment.cli import add_assessment_commands

    add_assessment_commands(sub)
    from .suggest.cli import add_suggest_command
    add_suggest_command(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"stssl: error: {exc}", file=sys.stderr)
        return 2
    except TrainingCancelled as exc:
        print(f"stssl: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("stssl: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
