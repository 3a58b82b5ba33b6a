# SPDX-License-Identifier: GPL-2.0-or-later
"""Presto (core.models.presto) as a backbone of the engine's networks: teacher and student views of one encoder.

The engine's tiles stay what they are everywhere else: normalised (N, C, H, W), a series stacked date-major
(channel ``t * B + b`` is band ``b`` of timestep ``t``), so augmentations, the trainer and prediction need no change.
Inside the network :class:`PrestoBackbone`

1. un-normalises the tile with the band statistics stored in its spec (nodata pixels are 0 after normalisation,
   i.e. the band mean; tiles that are mostly nodata never reach the network);
2. maps every timestep's bands onto Presto's 17 channels with the band roles and the reflectance scaling of
   core.data.band_roles (a torch port of its per-timestep mapping: gather, affine scale, derived green, NDVI);
   channels without a band are missing and masked, as Presto expects;
3. optionally averages ``temporal_pool`` consecutive timesteps into one token (a date-free operation, so the
   student can do it too): 16-day composites become about monthly steps, the spacing Presto was pretrained on, at
   half the tokens; see docs/benchmarks.md for what it cost and gave;
4. encodes every pixel of the tile (B*H*W pixels) and mean-pools the pixel embeddings over the tile.

Views (``NetworkConfig.metadata_role``):
- ``"input"`` (teacher): Presto's location token from the tile's lat/lon and the calendar month of every
  timestep. Metadata dropout (location or date marked unknown) drops the location token per tile (key-padding mask)
  or gives it the constant month.
- ``"none"`` / ``"token"`` (student): no location token, the constant month ``PIXEL_ONLY_MONTH`` at every timestep,
  relative positions kept; with the spec's ``student_view == "token"`` a learned 128-d token takes the location
  token's place (the paper's learned token).

The pooled 128-d embedding is both the class head's input and the meta feature that distillation matches.
"""
from __future__ import annotations

import json
import math
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from ..data.band_roles import CHANNEL_INDEX, PRESTO_CHANNELS, BandRoles, detect_band_roles
from ..data.presto_input import _to_channel, detect_scaling, scaling_from
from ..errors import InputError
from .metadata import MetaBatch
from .presto import EMBED_DIM, MAX_TIMESTEPS, PIXEL_ONLY_MONTH, PrestoEncoder

STUDENT_VIEWS = ("constant", "token")
SCALINGS = ("detect", "reflectance", "dn10000", "landsat_c2")
# Presto was pretrained on monthly series of up to 24 months; denser series are pooled to at most this many steps.
POOLED_TIMESTEPS = 12


def default_temporal_pool(timesteps: int) -> int:
    """Consecutive timesteps averaged into one token: 1 up to 12 timesteps, else enough to give at most 12."""
    return max(1, math.ceil(timesteps / POOLED_TIMESTEPS))


def make_presto_spec(band_names: Sequence[str], timesteps: int, band_mean: Union[Sequence[float], np.ndarray],
                     band_std: Union[Sequence[float], np.ndarray], sample: Optional[np.ndarray] = None,
                     band_roles: Union[str, Mapping[int, str], None] = None, sensor: Optional[str] = None,
                     scaling: Union[str, Mapping, None] = "detect", dtype: Optional[np.dtype] = None,
                     nodata: Optional[float] = None, student_view: str = "constant",
                     temporal_pool: Optional[int] = None) -> dict:
    """The JSON-able description a :class:`PrestoBackbone` is built from (stored in the model file).

    ``band_names`` are the bands of one timestep (a series of ``timesteps`` steps has ``timesteps * len(band_names)``
    channels, date-major); ``band_mean``/``band_std`` the normalisation statistics of all channels; ``sample``
    raw values (..., bands) for scaling detection. Roles and scaling that cannot be known are an InputError that
    says what to give (``--band-roles``, ``--sensor``, ``--scaling``)."""
    names = [str(n) for n in band_names]
    timesteps = int(timesteps)
    if not names:
        raise InputError("the Presto backbone needs the names (roles) of the bands of one timestep; give "
                         "--band-names or --band-roles")
    if len(band_mean) != timesteps * len(names):
        raise InputError(f"{len(band_mean)} channels are not {timesteps} timesteps x {len(names)} bands "
                         f"({', '.join(names)}); check --band-names and --timestep-dates")
    if student_view not in STUDENT_VIEWS:
        raise InputError(f"Presto student view '{student_view}' is not one of {', '.join(STUDENT_VIEWS)}")
    pool = int(temporal_pool) if temporal_pool else default_temporal_pool(timesteps)
    steps = math.ceil(timesteps / pool)
    if pool < 1 or steps > MAX_TIMESTEPS:
        raise InputError(f"{timesteps} timesteps pooled by {pool} give {steps} steps; Presto takes at most "
                         f"{MAX_TIMESTEPS}: make monthly composites first, or pool more timesteps")
    roles = detect_band_roles(names, sensor=sensor, explicit=band_roles or None)
    if not roles.groups():
        raise InputError(f"the bands ({', '.join(names)}) fill no complete Presto group ({roles.describe()}); "
                         "give the band roles (--band-roles) or use the CNN backbone")
    if scaling is None or (isinstance(scaling, str) and scaling.strip().lower() == "detect"):
        if sample is None:
            raise InputError("no values to detect the reflectance scaling from; give --scaling")
        scale = detect_scaling(np.asarray(sample).reshape(-1, len(names)), roles, dtype, nodata)
    else:
        scale = scaling_from(scaling)
    spec = {"band_names": names, "timesteps": timesteps, "roles": roles.to_dict(), "scaling": scale,
            "band_mean": [float(v) for v in band_mean], "band_std": [float(v) for v in band_std],
            "temporal_pool": pool, "student_view": student_view}
    return json.loads(json.dumps(spec))  # plain lists and dicts: what a model file stores and gives back


def describe_spec(spec: Mapping) -> str:
    """One line for reports and logs: groups fed, scaling, timesteps."""
    roles = BandRoles.from_dict(spec["roles"])
    pool = int(spec.get("temporal_pool", 1))
    steps = math.ceil(int(spec["timesteps"]) / pool)
    return (f"Presto: groups {', '.join(roles.groups())}; scaling {spec['scaling']['kind']}; "
            f"{spec['timesteps']} timesteps" + (f" pooled by {pool} into {steps}" if pool > 1 else ""))


def _channel_affine(scaling: Mapping) -> Dict[str, tuple]:
    """(scale, offset) per Presto channel that is an affine map of one band (all but linear-power S1)."""
    out = {}
    for name in PRESTO_CHANNELS:
        if name in ("VV", "VH") and scaling.get("s1", "db") != "db":
            continue
        zero, one = _to_channel(np.array([0.0, 1.0]), name, scaling)
        out[name] = (float(one - zero), float(zero))
    return out


class PrestoBackbone(nn.Module):
    """Normalised tiles -> pooled 128-d Presto embedding, in the teacher or the student view (see module doc)."""

    feature_dim = EMBED_DIM

    # Buffers (registered in __init__), typed for the checker.
    band_mean: torch.Tensor
    band_std: torch.Tensor
    sources: torch.Tensor
    has_source: torch.Tensor
    chan_scale: torch.Tensor
    chan_offset: torch.Tensor

    def __init__(self, spec: Mapping, view: str, learned_token: bool = False):
        super().__init__()
        if view not in ("teacher", "student"):
            raise ValueError("view must be 'teacher' or 'student'")
        self.spec = dict(spec)
        self.view = view
        self.encoder = PrestoEncoder()
        self.roles = BandRoles.from_dict(spec["roles"])
        self.timesteps = int(spec["timesteps"])
        self.bands = len(spec["band_names"])
        self.pool = int(spec.get("temporal_pool", 1))
        scaling = spec["scaling"]
        self.s1_linear = scaling.get("s1", "db") != "db"
        affine = _channel_affine(scaling)
        self.register_buffer("band_mean", torch.tensor(spec["band_mean"], dtype=torch.float32), persistent=False)
        self.register_buffer("band_std", torch.tensor(spec["band_std"], dtype=torch.float32), persistent=False)
        sources = torch.tensor(self.roles.sources, dtype=torch.long)
        self.register_buffer("sources", sources.clamp_min(0), persistent=False)
        self.register_buffer("has_source", sources >= 0, persistent=False)
        self.register_buffer("chan_scale", torch.tensor([affine.get(c, (1.0, 0.0))[0] for c in PRESTO_CHANNELS]),
                             persistent=False)
        self.register_buffer("chan_offset", torch.tensor([affine.get(c, (1.0, 0.0))[1] for c in PRESTO_CHANNELS]),
                             persistent=False)
        self.learned_token: Optional[nn.Parameter] = None
        if learned_token:
            self.learned_token = nn.Parameter(torch.randn(1, EMBED_DIM) * 0.02)

    @property
    def presto_timesteps(self) -> int:
        return math.ceil(self.timesteps / self.pool)

    # ------------------------------------------------------------------------------------------------------------
    def presto_channels(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) normalised tiles -> (B*H*W, T', 17) Presto channels, NaN where missing."""
        b, c, h, w = images.shape
        if c != self.timesteps * self.bands:
            raise InputError(f"the tiles have {c} channels; this Presto network was built for {self.timesteps} "
                             f"timesteps x {self.bands} bands")
        raw = images.float() * self.band_std[None, :, None, None] + self.band_mean[None, :, None, None]
        raw = raw.permute(0, 2, 3, 1).reshape(b * h * w, self.timesteps, self.bands)
        values = raw[..., self.sources]  # (P, T, 17)
        s1 = [CHANNEL_INDEX["VV"], CHANNEL_INDEX["VH"]]
        if self.s1_linear:
            values = values.clone()
            values[..., s1] = 10 * torch.log10(values[..., s1].clamp_min(1e-10))
            values[..., s1] = (values[..., s1] + 25) / 25
            affine = torch.ones(len(PRESTO_CHANNELS), dtype=torch.bool, device=images.device)
            affine[s1] = False
            values = torch.where(affine, values * self.chan_scale + self.chan_offset, values)
        else:
            values = values * self.chan_scale + self.chan_offset
        values = values.masked_fill(~self.has_source, float("nan"))
        b3, b2, b4, b8, ndvi = (CHANNEL_INDEX[k] for k in ("B3", "B2", "B4", "B8", "NDVI"))
        extra = []
        if self.roles.derived_green:
            extra.append((b3, (values[..., b2] + values[..., b4]) / 2))
        if self.roles.ndvi_from_bands:
            extra.append((ndvi, (values[..., b8] - values[..., b4]) / (values[..., b8] + values[..., b4])))
        if extra:
            columns = list(values.unbind(-1))
            for index, column in extra:
                columns[index] = column
            values = torch.stack(columns, -1)
        return self._pool_time(values)

    def _pool_time(self, values: torch.Tensor) -> torch.Tensor:
        """Average ``pool`` consecutive timesteps (ignoring missing values); a step with none stays NaN."""
        if self.pool == 1:
            return values
        p, t, k = values.shape
        steps = self.presto_timesteps
        pad = steps * self.pool - t
        if pad:
            values = torch.cat([values, values.new_full((p, pad, k), float("nan"))], 1)
        grouped = values.reshape(p, steps, self.pool, k)
        finite = torch.isfinite(grouped)
        total = grouped.masked_fill(~finite, 0.0).sum(2)
        count = finite.sum(2)
        return torch.where(count > 0, total / count.clamp_min(1), total.new_tensor(float("nan")))

    def _teacher_months(self, meta: MetaBatch, b: int) -> torch.Tensor:
        """(B, T') calendar month of every (pooled) step: the first timestep's of the step; the constant month where
        the date is unknown or dropped."""
        if meta.months is None:
            raise InputError("the Presto teacher needs the month of every timestep; give the timestep dates "
                             "(--timestep-dates, the patch set's 'timestep_dates' or band descriptions with dates)")
        months = meta.months.to(dtype=torch.long)
        if months.shape[1] == 1 and self.timesteps > 1:
            months = months.expand(b, self.timesteps)
        if months.shape != (b, self.timesteps):
            raise InputError(f"months for {tuple(months.shape)} tiles x timesteps; the network has "
                             f"{self.timesteps} timesteps")
        months = months[:, ::self.pool]
        unknown = (~meta.date_known[:, None]) | (months < 0)
        return months.masked_fill(unknown, PIXEL_ONLY_MONTH)

    def forward(self, images: torch.Tensor, meta: Optional[MetaBatch] = None) -> torch.Tensor:
        b, _c, h, w = images.shape
        x = self.presto_channels(images)
        per_tile = h * w
        if self.view == "teacher":
            if meta is None:
                raise ValueError("the Presto teacher needs metadata (location, months) for every tile")
            months = self._teacher_months(meta, b).repeat_interleave(per_tile, 0)
            if meta.latlon is None:
                raise InputError("the Presto teacher needs the latitude/longitude of every tile")
            latlon = meta.latlon.float().masked_fill(~meta.location_known[:, None], float("nan"))
            out = self.encoder(x, months=months, latlon=latlon.repeat_interleave(per_tile, 0))
        else:
            token = self.learned_token.expand(x.shape[0], -1) if self.learned_token is not None else None
            out = self.encoder(x, months=PIXEL_ONLY_MONTH, location_token=token)
        emb = out.embedding.reshape(b, per_tile, EMBED_DIM)
        if per_tile == 1:
            return emb[:, 0].nan_to_num(0.0)
        present = (~out.empty).reshape(b, per_tile, 1).to(emb.dtype)
        return (emb.nan_to_num(0.0) * present).sum(1) / present.sum(1).clamp_min(1.0)


# ----------------------------------------------------------------------------------------------------------------
def encoder_parameter_names(module: nn.Module) -> List[str]:
    """Names of the pretrained encoder's parameters in ``module`` (for the lower encoder learning rate)."""
    return [name for name, _ in module.named_parameters() if ".encoder." in f".{name}"]


def load_pretrained(model: nn.Module, path: Optional[str] = None, search_dirs: Sequence[str] = ()) -> str:
    """Load the authors' weights (core.models.presto.find_presto_weights) into every PrestoBackbone of ``model``;
    returns the path used."""
    from .presto import find_presto_weights, load_presto_state

    found = find_presto_weights(path, search_dirs)
    state = load_presto_state(found)
    backbones = [m for m in model.modules() if isinstance(m, PrestoBackbone)]
    for backbone in backbones:
        backbone.encoder.load_state_dict(state)
    return str(found)
