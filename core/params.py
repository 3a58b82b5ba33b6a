# SPDX-License-Identifier: GPL-2.0-or-later
"""Plain parameter objects: what the QGIS dock, Processing and the command line hand to the engine.

Data flows one way: QGIS layers -> these dataclasses (paths, strings, numbers) -> core -> files -> layers.
Nothing here refers to QGIS.

:data:`TRAIN_OPTIONS` is the one table of the training options: for every field of :class:`TrainOptions` its
user-facing label and help, its command-line flag, and its choices (with their labels) or its valid range. The
command line (``core/cli.py``), Processing (``plugin/processing``) and the dock (``plugin/options_panel.py``) build
their widgets and flags from it, and :meth:`TrainOptions.validate` checks against it, so a choice list, a label or
a range is written once. Labels and help are English; the plugin translates them where it shows them.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, field, fields
from typing import Any, List, Mapping, Optional, Tuple

from .data.band_roles import SENSORS
from .data.grid import stride_or_tile_size
from .errors import InputError
from .i18n import tr_noop


@dataclass(frozen=True)
class Choice:
    value: str  # what the engine, the model file and the command line use
    label: str  # what a person reads in the dock and in Processing
    help: str = ""


@dataclass(frozen=True)
class Bounds:
    """The valid range of a number: ``low`` / ``high`` (None: unbounded), each inclusive or not."""

    low: Optional[float] = None
    high: Optional[float] = None
    low_inclusive: bool = True
    high_inclusive: bool = True

    def admits(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.low is not None and (value < self.low if self.low_inclusive else value <= self.low):
            return False
        return self.high is None or (value <= self.high if self.high_inclusive else value < self.high)

    def __str__(self) -> str:
        if self.low is not None and self.high is not None and self.low_inclusive and self.high_inclusive:
            return f"between {_number(self.low)} and {_number(self.high)}"
        parts = []
        if self.low is not None:
            parts.append(f"{'>=' if self.low_inclusive else '>'} {_number(self.low)}")
        if self.high is not None:
            parts.append(f"{'<=' if self.high_inclusive else '<'} {_number(self.high)}")
        return " and ".join(parts)


def _number(value: float) -> str:
    """A number as a person writes it: 1, 0.5, 4294967295 (not 1.0 or 4.29497e+09)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


AT_LEAST_1 = Bounds(1)
AT_LEAST_0 = Bounds(0)
POSITIVE = Bounds(0, low_inclusive=False)
FRACTION = Bounds(0, 1)


@dataclass(frozen=True)
class OptionSpec:
    """One option: ``kind`` is 'choice', 'int', 'float', 'bool' or 'text'; ``optional``: None is allowed (and is
    the default)."""

    name: str
    kind: str
    label: str
    help: str
    choices: Tuple[Choice, ...] = ()
    bounds: Optional[Bounds] = None
    optional: bool = False
    cli_flag: str = ""  # default: --name-with-dashes

    @property
    def flag(self) -> str:
        return self.cli_flag or "--" + self.name.replace("_", "-")

    @property
    def values(self) -> Tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    def choice(self, value: str) -> Choice:
        return self.choices[self.values.index(value)]

    def called(self, named_by: str) -> str:
        """How a message names the option: 'field' (Python), 'flag' (command line) or 'label' (dock, Processing)."""
        return {"field": self.name, "flag": self.flag, "label": self.label}[named_by]

    def rule(self, number_expected: bool = False) -> str:
        """What a valid value is, in words ('> 0', 'a whole number >= 1'); ``number_expected`` says so for a
        float option too (for a value that is not a number at all)."""
        if self.kind == "choice":
            return "one of: " + ", ".join(self.values)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "text":
            return "non-empty text"
        kind = "a whole number" if self.kind == "int" else "a number" if number_expected or self.bounds is None else ""
        return " ".join(part for part in (kind, str(self.bounds or "")) if part)

    def problem(self, value: Any, default: Any) -> Optional[str]:
        """Why ``value`` is not valid and how to fix it (None when it is valid)."""
        if value is None and self.optional:
            return None
        if self.kind == "choice":
            if value in self.values:
                return None
            return f"'{value}' is not supported; choose one of: {', '.join(self.values)}"
        is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if self.kind == "bool":
            ok = isinstance(value, bool)
        elif self.kind == "text":
            ok = isinstance(value, str) and (value.strip() != "" or self.optional)
        else:
            is_whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
            ok = (is_whole if self.kind == "int" else is_number) and (self.bounds is None or self.bounds.admits(value))
        if ok:
            return None
        rule = self.rule(number_expected=not is_number)
        got = (_number(value) if is_number and math.isfinite(value)
               else repr(value) if isinstance(value, str) else str(value))
        fix = f"give {rule}, or leave it unset" if self.optional else f"use e.g. {default}"
        return f"must be {rule} (got {got}); {fix}"


def _choice(name: str, label: str, help: str, *choices: Choice) -> OptionSpec:
    return OptionSpec(name, "choice", label, help, choices=choices)


# One row per TrainOptions field, in field order (the defaults live on the dataclass below). The order of a choice
# list is the order of Processing's enum indices: append new choices at the end.
TRAIN_OPTIONS: Tuple[OptionSpec, ...] = (
    _choice("method", tr_noop("Method"), tr_noop("The semi-supervised algorithm that learns from unlabelled tiles"),
            Choice("supervised", tr_noop("Supervised only (no unlabelled tiles)")),
            Choice("fixmatch", tr_noop("FixMatch")), Choice("freematch", tr_noop("FreeMatch")),
            Choice("softmatch", tr_noop("SoftMatch")),
            Choice("quick", tr_noop("Quick map (pretrained Presto, head only)"),
                   tr_noop("A linear probe on the frozen pretrained Presto embedding: only the class head trains, on "
                           "the labelled tiles; needs the Presto backbone"))),
    _choice("metadata", tr_noop("Metadata"), tr_noop("How each tile's location and acquisition date are used"),
            Choice("none", tr_noop("No metadata (pixels only)")),
            Choice("input", tr_noop("Metadata as network input (baseline)"),
                   tr_noop("The network reads location and date, so it needs them to classify")),
            Choice("teacher", tr_noop("Metadata teacher (location and date)"),
                   tr_noop("A teacher network sees each tile's location and acquisition date and guides the student, "
                           "which sees pixels only and is the model that is saved."))),
    _choice("encoding", tr_noop("Metadata encoding"), tr_noop("How location and date become the metadata network's "
                                                              "input features"),
            Choice("paper", tr_noop("As in the paper (lat, lon, day of year)")),
            Choice("sphere", tr_noop("Spherical harmonics + season")),
            Choice("season", tr_noop("Season, aligned across hemispheres"))),
    OptionSpec("sh_degree", "int", tr_noop("Spherical-harmonic degree"),
               tr_noop("Highest degree L of the 'sphere' encoding"), bounds=AT_LEAST_0),
    _choice("backbone", tr_noop("Backbone"), tr_noop("The network that reads the pixels"),
            Choice("cnn", tr_noop("CNN (fast on a CPU)")),
            Choice("vit", tr_noop("ViT (as in the paper; best on a GPU)")),
            Choice("presto", tr_noop("Presto (pretrained, time series)"),
                   tr_noop("The pretrained Presto encoder on every pixel's series; needs the bands' roles")),
            Choice("auto", tr_noop("Auto (Presto or CNN, from the input)"),
                   tr_noop("Presto where the input is a series of 6 or more timesteps whose bands it can read "
                           "(near infrared or NDVI among them, reflectance values), with the Presto weights (and, on "
                           "a CPU, small tiles); the CNN otherwise. The report says which was used and why."))),
    _choice("model_size", tr_noop("Network size"), tr_noop("How large the networks are"),
            Choice("auto", tr_noop("Auto (small on a GPU, tiny on a CPU)")), Choice("tiny", tr_noop("Tiny")),
            Choice("small", tr_noop("Small (ViT-S)"))),
    OptionSpec("tile_size_px", "int", tr_noop("Tile size"),
               tr_noop("Edge of a tile in raster pixels; one label per tile"), bounds=AT_LEAST_1,
               cli_flag="--tile-size"),
    OptionSpec("stride_px", "int", tr_noop("Training tile stride"),
               tr_noop("Pixels between the origins of training tiles (default: the tile size, no overlap)"),
               bounds=AT_LEAST_1, optional=True, cli_flag="--stride"),
    OptionSpec("steps", "int", tr_noop("Training steps"), tr_noop("Optimisation steps"), bounds=AT_LEAST_1),
    OptionSpec("batch_size", "int", tr_noop("Batch size"), tr_noop("Labelled tiles per step"), bounds=AT_LEAST_1),
    OptionSpec("unlabeled_ratio", "int", tr_noop("Unlabelled tiles per labelled tile"),
               tr_noop("Unlabelled tiles in a step for each labelled tile"), bounds=AT_LEAST_1),
    OptionSpec("lr", "float", tr_noop("Learning rate"), tr_noop("AdamW learning rate (cosine schedule)"),
               bounds=POSITIVE),
    OptionSpec("weight_decay", "float", tr_noop("Weight decay"), tr_noop("AdamW weight decay"), bounds=AT_LEAST_0),
    OptionSpec("ema_momentum", "float", tr_noop("EMA momentum"),
               tr_noop("Momentum of the moving average of the weights, which is the model that is saved"),
               bounds=Bounds(0, 1, low_inclusive=False, high_inclusive=False)),
    OptionSpec("threshold", "float", tr_noop("Confidence threshold"),
               tr_noop("Pseudo-labels less confident than this are ignored (FixMatch)"), bounds=FRACTION),
    OptionSpec("lambda_u", "float", tr_noop("Unlabelled loss weight"), tr_noop("Weight of the loss on pseudo-labels"),
               bounds=AT_LEAST_0),
    OptionSpec("unlabeled_steps", "int", tr_noop("Steps with unlabelled tiles"),
               tr_noop("The first steps learn from the unlabelled tiles as well, the steps after them from the labels "
                       "alone, so a longer run ends closer to the labels (unset: every step with the CNN or the "
                       "ViT, the first 500 with the automatic Presto backbone)"),
               bounds=AT_LEAST_1, optional=True),
    OptionSpec("lambda_d", "float", tr_noop("Distillation weight"),
               tr_noop("Weight of the loss that pulls the student towards the teacher"), bounds=AT_LEAST_0),
    _choice("distill_loss", tr_noop("Distillation loss"), tr_noop("How the student's output is compared with the "
                                                                  "teacher's"),
            Choice("mse", tr_noop("Mean squared error")), Choice("l1", tr_noop("Mean absolute error")),
            Choice("cos", tr_noop("Cosine distance")), Choice("none", tr_noop("None (no distillation)"))),
    _choice("student_targets", tr_noop("Student's pseudo-labels"),
            tr_noop("Which of the teacher's confident pseudo-labels the pixel-only student learns from"),
            Choice("agreed", tr_noop("Those the student's own prediction agrees with"),
                   tr_noop("A tile whose teacher pseudo-label differs from the student's own prediction of its weak "
                           "view is left out of the student's loss, so a teacher that reads location and date wrongly "
                           "cannot pull the student after it")),
            Choice("teacher", tr_noop("All of them (as in the paper)"))),
    OptionSpec("meta_dropout", "float", tr_noop("Metadata dropout"),
               tr_noop("Probability of hiding a tile's location or date from the metadata network"), bounds=FRACTION),
    OptionSpec("meta_warmup_steps", "int", tr_noop("Metadata warm-up steps"),
               tr_noop("Steps at the start in which the metadata network sees no metadata"), bounds=AT_LEAST_0),
    OptionSpec("multi_label", "bool", tr_noop("Multi-label"),
               tr_noop("Mark every class present in a tile, not only the one that covers most of it")),
    OptionSpec("val_fraction", "float", tr_noop("Validation fraction"),
               tr_noop("Fraction of the labelled tiles held out to choose the best checkpoint"),
               bounds=Bounds(0, 1, high_inclusive=False)),
    OptionSpec("eval_every", "int", tr_noop("Validate every"), tr_noop("Steps between validations"), bounds=AT_LEAST_1),
    OptionSpec("patience_steps", "int", tr_noop("Early-stopping patience"),
               tr_noop("Stop after this many steps without a better validation accuracy (unset or 0: never)"),
               bounds=AT_LEAST_0, optional=True, cli_flag="--patience"),
    OptionSpec("checkpoint_every", "int", tr_noop("Checkpoint every"),
               tr_noop("Also write the model file every this many steps, so a stopped run can be resumed "
                       "(0: only at the end)"), bounds=AT_LEAST_0),
    OptionSpec("seed", "int", tr_noop("Seed"), tr_noop("Random seed: the same seed and inputs train the same model"),
               bounds=Bounds(0, 2 ** 32 - 1)),
    OptionSpec("device", "text", tr_noop("Device"),
               tr_noop("Where the networks run: auto (CUDA if available), cpu, cuda or cuda:N; a CUDA GPU is many "
                       "times faster than a CPU")),
    OptionSpec("amp", "bool", tr_noop("Mixed precision"), tr_noop("Mixed precision on CUDA (faster, less memory)"),
               cli_flag="--no-amp"),
    OptionSpec("init_weights", "text", tr_noop("Initial weights"),
               tr_noop("A local weights file to start from (no downloads)"), optional=True),
    # Presto backbone (core/models/presto_backbone.py) and Quick map (method "quick").
    OptionSpec("pretrained", "text", tr_noop("Presto weights"),
               tr_noop("The Presto weights file default_model.pt (default: $STSSL_PRESTO_WEIGHTS; in QGIS also the "
                       "folder that Download... saves to)"), optional=True),
    OptionSpec("band_roles", "text", tr_noop("Band roles"),
               tr_noop("Roles of the bands of one timestep, e.g. '1=B2,2=B3,3=B4,4=B8' (default: from the band "
                       "names)"), optional=True),
    OptionSpec("sensor", "choice", tr_noop("Sensor"),
               tr_noop("The sensor, where band names depend on it (Landsat SR_B*); default: from the names"),
               choices=tuple(Choice(v, v) for v in SENSORS), optional=True),
    _choice("scaling", tr_noop("Reflectance scaling"), tr_noop("How the optical bands' values become reflectance"),
            Choice("detect", tr_noop("Detect from the values")), Choice("reflectance", tr_noop("Reflectance (0-1)")),
            Choice("dn10000", tr_noop("Digital numbers / 10000")),
            Choice("landsat_c2", tr_noop("Landsat Collection 2 (x 0.0000275 - 0.2)"))),
    _choice("student_view", tr_noop("Presto student view"),
            tr_noop("How the pixel-only Presto student fills Presto's location and month inputs"),
            Choice("constant", tr_noop("Constant month, no location token")),
            Choice("token", tr_noop("A learned token (as in the paper)"))),
    OptionSpec("encoder_lr", "float", tr_noop("Encoder learning rate"),
               tr_noop("Learning rate of the pretrained encoder (default: the learning rate x 0.1)"),
               bounds=AT_LEAST_0, optional=True),
    OptionSpec("encoder_anchor", "float", tr_noop("Encoder anchor"),
               tr_noop("How strongly the pretrained encoder is pulled back towards its pretrained weights at every "
                       "step (0: not at all)"),
               bounds=AT_LEAST_0),
    OptionSpec("temporal_pool", "int", tr_noop("Temporal pooling"),
               tr_noop("Consecutive timesteps averaged into one Presto step (0: enough for at most 12 steps)"),
               bounds=AT_LEAST_0),
    _choice("normalization", tr_noop("Normalisation"),
            tr_noop("How the CNN scales each raster's bands before reading them"),
            Choice("auto", tr_noop("Auto (each raster by its own statistics for single dates)"),
                   tr_noop("Each raster scaled by its own statistics where the input is single-date rasters read by "
                           "the CNN; one scale from the training rasters for Presto and time series. The report "
                           "says which was used and why.")),
            Choice("training", tr_noop("One scale from the training rasters"),
                   tr_noop("Every raster is scaled with the training rasters' statistics: the network reads "
                           "absolute values")),
            Choice("per_raster", tr_noop("Each raster by its own statistics"),
                   tr_noop("Each raster (in a patch set: each date) is centred and scaled by its own band statistics, "
                           "so a map of another season reads how a tile differs from its scene; assumes the rasters "
                           "hold a similar mix of classes. CNN and ViT only"))),
)

_BY_NAME = {spec.name: spec for spec in TRAIN_OPTIONS}


def option(name: str) -> OptionSpec:
    """The table row of a training option."""
    return _BY_NAME[name]


METHODS = option("method").values
METADATA_MODES = option("metadata").values
ENCODINGS = option("encoding").values
BACKBONES = tuple(v for v in option("backbone").values if v != "auto")  # what a network is built with
NORMALIZATIONS = tuple(v for v in option("normalization").values if v != "auto")  # what a model file records
DISTILL_LOSSES = option("distill_loss").values

PRESTO_SCALINGS = option("scaling").values
PRESTO_STUDENT_VIEWS = option("student_view").values
PRESTO_SENSORS = option("sensor").values

RESOLUTION = _choice("resolution", tr_noop("Output resolution"),
                     tr_noop("One class per input pixel, or one per stride cell (smaller files, same model work)"),
                     Choice("pixel", tr_noop("one value per pixel")),
                     Choice("stride", tr_noop("one value per stride (faster)")))
RESOLUTIONS = RESOLUTION.values


@dataclass
class RasterInput:
    """One training raster. ``acquisition_date`` is 'YYYY-MM-DD', 'unknown', or None to detect it."""

    path: str
    acquisition_date: Optional[str] = None
    # Location override for rasters without a CRS: (lat, lon) in degrees WGS84 applied to every tile.
    location: Optional[Tuple[float, float]] = None
    # A stack of timesteps (bands grouped by date) for the Presto backbone: 'YYYY-MM-DD' of every timestep, where
    # the band descriptions do not hold them (core/data/stack.py).
    timestep_dates: Optional[List[str]] = None


@dataclass
class ClassSpec:
    """One land-cover class: the value written to the class raster, its name and its RGB colour."""

    value: int
    name: str
    color: Tuple[int, int, int]


@dataclass
class TrainOptions:
    """Everything about *how* to train. Defaults are sensible for a CPU and a few dozen labelled tiles.

    What each field means and accepts is in :data:`TRAIN_OPTIONS`. Values from outside (command line, stored
    settings, Processing, a benchmark) come in through :meth:`from_mapping`, which validates them; whoever builds
    the options otherwise validates them once with :meth:`validate` (the trainer does not check them again).
    """

    method: str = "fixmatch"
    metadata: str = "teacher"
    encoding: str = "season"
    sh_degree: int = 3
    backbone: str = "auto"  # core/app/backbone_choice.py: Presto where it fits the input, else the CNN
    model_size: str = "auto"
    tile_size_px: int = 8
    stride_px: Optional[int] = None  # None: the tile size (see training_stride_px)
    steps: int = 1000
    batch_size: int = 32
    unlabeled_ratio: int = 7
    lr: float = 1e-3
    weight_decay: float = 5e-4
    ema_momentum: float = 0.999
    # The authors' tau is 0.95. With band swap in the strong views (core/learning/augment.py) the networks are less
    # overconfident and 0.95 drops pseudo-labels that are 94-98 % right; 0.9 raised FixMatch and Spatiotemporal SSL
    # on the Mato Grosso pixel-series splits (benchmarks/RESULTS.md). Multi-label keeps the authors' 0.05/0.70.
    threshold: float = 0.9
    lambda_u: float = 1.0
    # None: every step learns from the unlabelled tiles (core/learning/batches.py draws none after this many); the
    # automatic Presto backbone sets it (core/app/backbone_choice.py PRESTO_UNLABELED_STEPS).
    unlabeled_steps: Optional[int] = None
    lambda_d: float = 1.0
    distill_loss: str = "mse"
    # "agreed": a teacher that is confidently wrong under a shift of place or season cannot drag the student down
    # with it (docs/benchmarks.md, "Student's pseudo-labels"); "teacher" is the paper's.
    student_targets: str = "agreed"
    meta_dropout: float = 0.5  # 0.2 -> 0.5 raised the student on Mato Grosso series splits (README, benchmarks)
    meta_warmup_steps: int = 0
    multi_label: bool = False
    val_fraction: float = 0.2
    eval_every: int = 50
    patience_steps: Optional[int] = None  # None (or 0): no early stopping (best checkpoint is still kept)
    checkpoint_every: int = 0
    seed: int = 0
    device: str = "auto"
    amp: bool = True
    init_weights: Optional[str] = None
    # --- Presto backbone (backbone "presto") and Quick map (method "quick") ---
    pretrained: Optional[str] = None  # Presto weights file; None: $STSSL_PRESTO_WEIGHTS
    band_roles: Optional[str] = None  # roles of one timestep's bands, "1=B2,2=B3,3=B4,4=B8"; None: from band names
    sensor: Optional[str] = None  # for band names that depend on it (Landsat SR_B*); None: from the names
    scaling: str = "detect"  # reflectance scaling of the optical bands
    student_view: str = "constant"  # how the pixel-only Presto student fills Presto's location/month inputs
    encoder_lr: Optional[float] = None  # learning rate of the pretrained encoder; None: lr * 0.1
    encoder_anchor: float = 0.0  # core/learning/finetune.py: decay of the encoder towards its pretrained weights
    temporal_pool: int = 0  # consecutive timesteps averaged into one Presto step; 0: as many as give <= 12 steps
    normalization: str = "auto"  # core/app/scene_normalization.py: per raster for single dates, else training

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], named_by: str = "field") -> "TrainOptions":
        """Validated options from plain values. A key that is not an option is an InputError naming it; None
        stands for the default. ``named_by`` is how errors name an option (see :meth:`validate`)."""
        known = [f.name for f in fields(cls)]
        for key in values:
            if key not in known:
                raise InputError(f"'{key}' is not a training option; known options: {', '.join(known)}")
        options = cls(**{k: v for k, v in values.items() if v is not None})
        options.validate(named_by)
        return options

    def validate(self, named_by: str = "field") -> None:
        """Check every option against :data:`TRAIN_OPTIONS`. Errors name the option as ``named_by`` says: 'field'
        (``lr``), 'flag' (``--lr``, for the command line) or 'label' (``Learning rate``, for the dock and
        Processing), e.g. "--lr must be a number > 0 (got -1); use e.g. 0.001"."""
        defaults = TrainOptions.__dataclass_fields__
        for spec in TRAIN_OPTIONS:
            problem = spec.problem(getattr(self, spec.name), defaults[spec.name].default)
            if problem is not None:
                raise InputError(f"{spec.called(named_by)} {problem}")
        if self.method == "quick" and self.backbone not in ("presto", "auto"):
            raise InputError(f"{option('method').called(named_by)} 'quick' (Quick map) is a linear probe on the "
                             f"pretrained Presto embedding; choose {option('backbone').called(named_by)} 'presto'")
        if self.normalization == "per_raster" and (self.backbone == "presto" or self.method == "quick"):
            raise InputError(f"{option('normalization').called(named_by)} 'per_raster' is for the CNN and the ViT; "
                             "Presto reads reflectance, scaled the same in every raster: choose "
                             f"{option('normalization').called(named_by)} 'auto' or 'training' for Presto")

    # --- derived values -------------------------------------------------------------------------------------
    @property
    def training_stride_px(self) -> int:
        """Pixels between training tiles: ``stride_px``, by default the tile size."""
        return stride_or_tile_size(self.tile_size_px, self.stride_px)

    @property
    def prediction_stride_px(self) -> int:
        """The stride a trained model predicts with by default (stored in the model file): half a tile, so every
        pixel is averaged over several overlapping tiles."""
        return max(1, self.tile_size_px // 2)

    @property
    def has_teacher(self) -> bool:
        """Spatiotemporal SSL: a metadata teacher guides a pixel-only student."""
        return self.metadata == "teacher"

    @property
    def student_reads_metadata(self) -> bool:
        """The metadata-as-input baseline: the saved network itself reads location and date."""
        return self.metadata == "input"

    @property
    def uses_unlabeled(self) -> bool:
        """Whether training draws on the unlabelled pool (not for supervised training and Quick map)."""
        return self.method not in ("supervised", "quick")

    def learns_from_unlabeled_at(self, step: int) -> bool:
        """Whether step ``step`` (0-based) draws an unlabelled batch: a semi-supervised method, within
        ``unlabeled_steps``."""
        return self.uses_unlabeled and (self.unlabeled_steps is None or step < self.unlabeled_steps)

    @property
    def distills(self) -> bool:
        """Whether the student is pulled towards the teacher (it then carries a learned metadata token)."""
        return self.has_teacher and self.distill_loss != "none" and self.lambda_d > 0

    def to_dict(self) -> dict:
        return asdict(self)


EVALUATE_STEPS = 500  # `stssl evaluate`'s default: a comparison on a patch set, shorter than a training run


@dataclass
class TrainRequest:
    """A whole training job from rasters and labels, as the dock, Processing or `stssl train` builds it."""

    rasters: List[RasterInput]
    labels_path: str  # OGR vector (polygons/points) or a class raster
    class_field: Optional[str]  # attribute holding the class (vector labels); None for a class raster
    out_model: str
    options: TrainOptions = field(default_factory=TrainOptions)
    classes: Optional[List[ClassSpec]] = None  # palette; None: derive from the labels
    min_coverage: float = 0.5
    presence_fraction: float = 0.1  # multi-label: every class covering at least this fraction
    overwrite: bool = False


@dataclass
class PredictRequest:
    """Classifying one raster with a saved model, as the dock, Processing or `stssl predict` builds it
    (run by :func:`core.app.predict.classify_raster`)."""

    model_path: str
    raster_path: str
    out_classes: str
    out_confidence: Optional[str] = None
    out_teacher: Optional[str] = None  # the teacher's map; needs a model with a teacher
    acquisition_date: Optional[str] = None  # for the metadata networks: 'YYYY-MM-DD', 'unknown', None: detect
    resolution: str = "pixel"  # one of RESOLUTIONS
    stride_px: Optional[int] = None  # None: the model's prediction stride
    batch_size: int = 256
    # Edge in pixels of the input area read and classified at once: bounds memory, never changes the map (the engine
    # caps it so a block's values stay within 256 MiB).
    block_px: int = 1024
    device: str = "auto"
    overwrite: bool = False
    # Location (lat, lon) in degrees WGS84 for the metadata networks of a raster without a CRS.
    location: Optional[Tuple[float, float]] = None
    # 'YYYY-MM-DD' of every timestep of a stack raster, for a Presto teacher map where the band descriptions do
    # not hold them (core/data/stack.py).
    timestep_dates: Optional[List[str]] = None
