"""Plain parameter objects: what the QGIS dock, Processing and the command line hand to the engine.

Data flows one way: QGIS layers -> these dataclasses (paths, strings, numbers) -> core -> files -> layers.
Nothing here refers to QGIS.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict
from typing import Optional, List, Tuple

METHODS = ("supervised", "fixmatch", "freematch", "softmatch", "quick")
METADATA_MODES = ("none", "input", "teacher")
ENCODINGS = ("paper", "sphere", "season")
BACKBONES = ("cnn", "vit", "presto")
DISTILL_LOSSES = ("mse", "l1", "cos", "none")
# Presto backbone (core/models/presto_backbone.py) and Quick map (method "quick": a linear probe on the frozen
# pretrained embedding).
PRESTO_SCALINGS = ("detect", "reflectance", "dn10000", "landsat_c2")
PRESTO_STUDENT_VIEWS = ("constant", "token")  # constant month, no location token | the paper's learned token
PRESTO_SENSORS = ("sentinel2", "landsat4", "landsat5", "landsat7", "landsat8", "landsat9", "modis")


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
    """Everything about *how* to train. Defaults are sensible for a CPU and a few dozen labelled tiles."""

    method: str = "fixmatch"
    metadata: str = "teacher"
    encoding: str = "season"
    sh_degree: int = 3
    backbone: str = "cnn"
    model_size: str = "auto"  # auto | tiny | small (ViT-S)
    tile_size_px: int = 8
    stride_px: Optional[int] = None  # default: tile_size_px (non-overlapping training tiles)
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
    lambda_d: float = 1.0
    distill_loss: str = "mse"
    meta_dropout: float = 0.5  # 0.2 -> 0.5 raised the student on Mato Grosso series splits (README, benchmarks)
    meta_warmup_steps: int = 0
    multi_label: bool = False
    val_fraction: float = 0.2
    eval_every: int = 50
    patience_steps: Optional[int] = None  # None: no early stopping (best checkpoint is still kept)
    checkpoint_every: int = 0  # write the model file every N steps (0: only at the end), for long or cluster runs
    seed: int = 0
    device: str = "auto"
    amp: bool = True
    init_weights: Optional[str] = None  # a local weights file (no downloads)
    # --- Presto backbone (backbone "presto") and Quick map (method "quick") ---
    pretrained: Optional[str] = None  # Presto weights file; None: $STSSL_PRESTO_WEIGHTS
    band_roles: Optional[str] = None  # roles of one timestep's bands, "1=B2,2=B3,3=B4,4=B8"; None: from band names
    sensor: Optional[str] = None  # for band names that depend on it (Landsat SR_B*); None: from the names
    scaling: str = "detect"  # reflectance scaling of the optical bands
    student_view: str = "constant"  # how the pixel-only Presto student fills Presto's location/month inputs
    encoder_lr: Optional[float] = None  # learning rate of the pretrained encoder; None: lr * 0.1
    temporal_pool: int = 0  # consecutive timesteps averaged into one Presto step; 0: as many as give <= 12 steps

    def validate(self) -> None:
        from .errors import InputError

        def _one_of(name: str, value: str, allowed: tuple) -> None:
            if value not in allowed:
                raise InputError(f"{name} '{value}' is not supported; choose one of: {', '.join(allowed)}")

        _one_of("method", self.method, METHODS)
        _one_of("metadata", self.metadata, METADATA_MODES)
        _one_of("encoding", self.encoding, ENCODINGS)
        _one_of("backbone", self.backbone, BACKBONES)
        _one_of("distill loss", self.distill_loss, DISTILL_LOSSES)
        _one_of("scaling", self.scaling, PRESTO_SCALINGS)
        _one_of("student view", self.student_view, PRESTO_STUDENT_VIEWS)
        if self.sensor is not None:
            _one_of("sensor", self.sensor, PRESTO_SENSORS)
        if self.method == "quick" and self.backbone != "presto":
            raise InputError("method 'quick' (Quick map) is a linear probe on the pretrained Presto embedding; "
                             "choose backbone 'presto'")
        if self.encoder_lr is not None and not self.encoder_lr >= 0:
            raise InputError(f"encoder_lr must be >= 0 (got {self.encoder_lr})")
        if int(self.temporal_pool) < 0:
            raise InputError(f"temporal_pool must be >= 0 (got {self.temporal_pool})")
        for name in ("tile_size_px", "steps", "batch_size", "unlabeled_ratio", "eval_every"):
            if int(getattr(self, name)) < 1:
                raise InputError(f"{name} must be at least 1 (got {getattr(self, name)})")
        if self.stride_px is not None and self.stride_px < 1:
            raise InputError(f"stride_px must be at least 1 (got {self.stride_px})")
        if not 0.0 <= self.val_fraction < 1.0:
            raise InputError(f"val_fraction must be in [0, 1) (got {self.val_fraction})")

    def to_dict(self) -> dict:
        return asdict(self)


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
