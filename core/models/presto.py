# SPDX-License-Identifier: GPL-2.0-or-later
"""The pretrained Presto encoder (Tseng et al. 2023, arXiv:2304.14065), written from its published facts.

Presto is a 0.4 M parameter transformer pretrained on millions of monthly pixel time series. It embeds one pixel's
series of up to 24 months, given as the 17 channels of :data:`~..data.band_roles.PRESTO_CHANNELS` (Sentinel-1/2, ERA5,
SRTM, NDVI; :mod:`..data.band_roles` maps a raster's bands onto them), into a 128-d vector. The weights are the authors'
(MIT licence) and are never shipped with the project: :func:`find_presto_weights` locates a copy.

API (everything takes and returns torch tensors; B pixels, T <= 24 timesteps)::

    state = load_presto_state(find_presto_weights(path, search_dirs=[plugin_data_dir]))
    encoder = PrestoEncoder.from_state(state).eval()
    out = encoder(x, mask, months=months, latlon=latlon)      # teacher view: location token + real months
    out = encoder(x, mask, months=PIXEL_ONLY_MONTH)           # student view: no location token, constant month
    out.embedding  # (B, 128)

- ``x`` (B, T, 17) float; ``mask`` (B, T, 17), True/1 = missing (``None``: nothing missing). NaN values in ``x``
  count as missing too, so a caller never has to zero them.
- Months (0 = January): ``months`` as a (B, T) tensor (a month per timestep) or one int for every timestep, or
  ``start_month`` (B,) tensor or int, then +1 (mod 12) per timestep. Exactly one of the two.
- ``latlon`` (B, 2) in degrees adds the location token; ``None`` leaves it out (the pixel-only view). A row with a
  NaN (location unknown, or dropped by metadata dropout) has no location token, as if it had been left out.
- ``location_token`` (B, 128): a token of the caller's in the location token's place (the Spatiotemporal SSL
  student's learned, data-free token); not with ``latlon``.
- ``dynamic_world`` (B, T) Dynamic World classes, 9 = missing (``None``: all missing).
- ``return_tokens=True`` also returns ``tokens`` (B, N, 128), ``norm`` of every token in the full layout of
  :func:`token_layout` (location token first when given), and ``token_missing`` (B, N); missing tokens are NaN.

Missing tokens. The authors drop a pixel's missing tokens, which forces every pixel of a batch to miss the same
number. Here every pixel keeps the full token layout and a missing token is excluded from attention as a key
(key-padding mask) and from the mean pooling (masked mean). A missing token's own query row is computed but never
read, so each pixel's embedding is exactly what the removal gives, whatever its neighbours in the batch miss.
Tokens missing in the whole batch (e.g. Sentinel-1 and ERA5 for optical input) are dropped before the blocks: the
same result, fewer tokens. A pixel with no token at all (nothing observed, no location) gets a NaN embedding and
``empty`` True: the caller treats it as nodata.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from ..data.band_roles import PRESTO_CHANNELS, PRESTO_GROUPS
from ..errors import InputError
# Finding and checking the weights file needs no torch (the dock shows its status without it): presto_files.
from .presto_files import (PRESTO_FILE_NAME, PRESTO_SHA256, PRESTO_URL, WEIGHTS_ENV, _where_to_get,  # noqa: F401
                           find_presto_weights, sha256_of, verify_sha256)

EMBED_DIM = 128
DEPTH = 2
NUM_HEADS = 8
MLP_RATIO = 4
MAX_TIMESTEPS = 24
MONTH_DIM = 32
CHANNEL_DIM = 32
POS_DIM = EMBED_DIM - MONTH_DIM - CHANNEL_DIM  # 64
DW_GROUP = len(PRESTO_GROUPS)  # the dynamic-world token's channel-embedding row (9)
DW_CLASSES = 10
DW_MISSING = 9
SRTM_GROUP = [name for name, _ in PRESTO_GROUPS].index("SRTM")
# The month the pixel-only (student) view passes for every timestep: a constant month carries no date.
PIXEL_ONLY_MONTH = 0


Months = Union[torch.Tensor, int, None]


class PrestoOutput(NamedTuple):
    embedding: torch.Tensor  # (B, 128); NaN where ``empty``
    empty: torch.Tensor  # (B,) bool: the pixel had no token to embed
    tokens: Optional[torch.Tensor] = None  # (B, N, 128), NaN at missing tokens
    token_missing: Optional[torch.Tensor] = None  # (B, N) bool


def token_layout(timesteps: int, with_location: bool = False) -> List[Tuple[str, int]]:
    """(group name, timestep) of every token, in the encoder's order: each band group's T tokens (SRTM has one,
    at timestep 0, in its place), then T dynamic-world tokens; ``("location", -1)`` first when present."""
    layout = [("location", -1)] if with_location else []
    for name, _channels in PRESTO_GROUPS:
        steps = 1 if name == "SRTM" else timesteps
        layout += [(name, t) for t in range(steps)]
    return layout + [("dynamic_world", t) for t in range(timesteps)]


class _Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.qkv = nn.Linear(EMBED_DIM, 3 * EMBED_DIM)
        self.proj = nn.Linear(EMBED_DIM, EMBED_DIM)

    def forward(self, x: torch.Tensor, keep: Optional[torch.Tensor]) -> torch.Tensor:
        b, n, _ = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, NUM_HEADS, EMBED_DIM // NUM_HEADS).permute(2, 0, 3, 1, 4)
        attn_mask = None if keep is None else keep[:, None, None, :]  # True = attend to this key
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)  # softmax(q k^T / sqrt(16)) v
        return self.proj(out.transpose(1, 2).reshape(b, n, EMBED_DIM))


class _Mlp(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(EMBED_DIM, MLP_RATIO * EMBED_DIM)
        self.fc2 = nn.Linear(MLP_RATIO * EMBED_DIM, EMBED_DIM)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class _Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(EMBED_DIM, eps=1e-5)
        self.attn = _Attention()
        self.norm2 = nn.LayerNorm(EMBED_DIM, eps=1e-5)
        self.mlp = _Mlp()

    def forward(self, x: torch.Tensor, keep: Optional[torch.Tensor]) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), keep)
        return x + self.mlp(self.norm2(x))


class PrestoEncoder(nn.Module):
    """Presto's encoder; parameter names match the ``encoder.*`` keys of the authors' state dict."""

    def __init__(self) -> None:
        super().__init__()
        self.eo_patch_embed = nn.ModuleDict({name: nn.Linear(len(ch), EMBED_DIM) for name, ch in PRESTO_GROUPS})
        self.dw_embed = nn.Embedding(DW_CLASSES, EMBED_DIM)
        self.latlon_embed = nn.Linear(3, EMBED_DIM)
        self.blocks = nn.ModuleList(_Block() for _ in range(DEPTH))
        self.norm = nn.LayerNorm(EMBED_DIM, eps=1e-5)
        self.month_embed = nn.Embedding(12, MONTH_DIM)
        self.channel_embed = nn.Embedding(DW_GROUP + 1, CHANNEL_DIM)
        self.pos_embed = nn.Parameter(torch.zeros(1, MAX_TIMESTEPS, POS_DIM), requires_grad=False)
        self.month_embed.weight.requires_grad_(False)  # frozen sinusoids in the pretrained model
        for index, (_name, channels) in enumerate(PRESTO_GROUPS):
            self.register_buffer(f"_channels_{index}", torch.tensor(channels), persistent=False)

    @classmethod
    def from_state(cls, state: Dict[str, torch.Tensor]) -> "PrestoEncoder":
        """An encoder with the weights of :func:`load_presto_state`'s result."""
        encoder = cls()
        encoder.load_state_dict(state)
        return encoder

    @classmethod
    def from_file(cls, path: Union[str, Path, None] = None, search_dirs: Iterable[Union[str, Path]] = ()
                  ) -> "PrestoEncoder":
        """Find (see :func:`find_presto_weights`), load and check the weights; the encoder is in eval mode."""
        return cls.from_state(load_presto_state(find_presto_weights(path, search_dirs))).eval()

    # ------------------------------------------------------------------------------------------------------------
    def _months(self, b: int, t: int, months: Months, start_month: Months, device: torch.device) -> torch.Tensor:
        if (months is None) == (start_month is None):
            raise InputError("Presto: give exactly one of months (per timestep) and start_month")
        if months is not None:
            out = months if isinstance(months, torch.Tensor) else torch.tensor(int(months))
            out = out.to(device=device, dtype=torch.long).expand(b, t)
        elif start_month is not None:  # always, by the check above
            start = start_month if isinstance(start_month, torch.Tensor) else torch.tensor(int(start_month))
            start = start.to(device=device, dtype=torch.long).reshape(-1, 1).expand(b, 1)
            out = (start + torch.arange(t, device=device)) % 12
        if out.numel() and (int(out.min()) < 0 or int(out.max()) > 11):
            raise InputError("Presto: months must be 0 (January) to 11 (December)")
        return out

    def _band_tokens(self, x: torch.Tensor, missing: torch.Tensor, months: torch.Tensor,
                     dynamic_world: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """All band and dynamic-world tokens (B, N, 128) of :func:`token_layout` and which are missing (B, N)."""
        b, t, _ = x.shape
        month = self.month_embed(months)  # (B, T, 32)
        pos = self.pos_embed[0, :t].expand(b, t, POS_DIM)
        tokens, token_missing = [], []
        for index, (name, _channels) in enumerate(PRESTO_GROUPS):
            channels = getattr(self, f"_channels_{index}")
            channel = self.channel_embed.weight[index].expand(b, t, CHANNEL_DIM)
            values, absent = x[..., channels], missing[..., channels].any(-1)
            if index == SRTM_GROUP:  # static: one token from the first timestep, no month or position
                extra = torch.cat([torch.zeros_like(month[:, :1]), channel[:, :1], torch.zeros_like(pos[:, :1])], -1)
                tokens.append(self.eo_patch_embed[name](values[:, :1]) + extra)
                token_missing.append(absent[:, :1])
            else:
                tokens.append(self.eo_patch_embed[name](values) + torch.cat([month, channel, pos], -1))
                token_missing.append(absent)
        dw_channel = self.channel_embed.weight[DW_GROUP].expand(b, t, CHANNEL_DIM)
        tokens.append(self.dw_embed(dynamic_world) + torch.cat([month, dw_channel, pos], -1))
        token_missing.append(dynamic_world == DW_MISSING)
        return torch.cat(tokens, 1), torch.cat(token_missing, 1)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None, months: Months = None,
                start_month: Months = None, latlon: Optional[torch.Tensor] = None,
                dynamic_world: Optional[torch.Tensor] = None, return_tokens: bool = False,
                location_token: Optional[torch.Tensor] = None) -> PrestoOutput:
        if latlon is not None and location_token is not None:
            raise InputError("Presto: give latlon or location_token, not both")
        if x.dim() != 3 or x.shape[-1] != len(PRESTO_CHANNELS):
            raise InputError(f"Presto: x must be (pixels, timesteps, {len(PRESTO_CHANNELS)}), got {tuple(x.shape)}")
        b, t, _ = x.shape
        if not 1 <= t <= MAX_TIMESTEPS:
            raise InputError(f"Presto: {t} timesteps; the encoder takes 1 to {MAX_TIMESTEPS} (monthly) timesteps")
        x = x.float()
        missing = ~torch.isfinite(x)
        if mask is not None:
            if tuple(mask.shape) != (b, t, len(PRESTO_CHANNELS)):
                raise InputError(f"Presto: mask must have the shape of x {tuple(x.shape)}, got {tuple(mask.shape)}")
            missing = missing | mask.to(device=x.device).bool()
        x = x.masked_fill(missing, 0.0)  # a missing value must not reach the attention as NaN
        if dynamic_world is None:
            dynamic_world = torch.full((b, t), DW_MISSING, dtype=torch.long, device=x.device)
        tokens, token_missing = self._band_tokens(x, missing, self._months(b, t, months, start_month, x.device),
                                                  dynamic_world.to(device=x.device, dtype=torch.long))
        if latlon is not None:
            latlon = latlon.to(x.device).float()
            unknown = ~torch.isfinite(latlon).all(-1)
            lat, lon = torch.deg2rad(latlon.masked_fill(unknown[:, None], 0.0)).unbind(-1)
            unit = torch.stack([lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()], -1)
            tokens = torch.cat([self.latlon_embed(unit)[:, None], tokens], 1)
            token_missing = torch.cat([unknown[:, None], token_missing], 1)
        elif location_token is not None:
            if tuple(location_token.shape) != (b, EMBED_DIM):
                raise InputError(f"Presto: location_token must be ({b}, {EMBED_DIM}), "
                                 f"got {tuple(location_token.shape)}")
            tokens = torch.cat([location_token.to(tokens.dtype)[:, None], tokens], 1)
            token_missing = torch.cat([torch.zeros_like(token_missing[:, :1]), token_missing], 1)

        # Tokens missing in every pixel are dropped (identical to masking them); the rest are masked per pixel.
        used = ~token_missing.all(0)
        keep = ~token_missing[:, used]
        empty = ~keep.any(1)
        if keep.shape[1] == 0:  # nothing observed in the whole batch
            embedding = torch.full((b, EMBED_DIM), float("nan"), device=x.device)
            out_tokens = torch.full_like(tokens, float("nan")) if return_tokens else None
            return PrestoOutput(embedding, empty, out_tokens, token_missing if return_tokens else None)
        keep = keep.clone()
        keep[empty, 0] = True  # give an empty pixel one key so its softmax stays finite; its output is set to NaN
        h = tokens[:, used]
        attn_keep = None if bool(keep.all()) else keep
        for block in self.blocks:
            h = block(h, attn_keep)
        weights = keep.to(h.dtype)[..., None]
        pooled = (h * weights).sum(1) / weights.sum(1)
        embedding = self.norm(pooled).masked_fill(empty[:, None], float("nan"))
        if not return_tokens:
            return PrestoOutput(embedding, empty)
        out_tokens = torch.full_like(tokens, float("nan"))
        out_tokens[:, used] = self.norm(h)
        out_tokens = out_tokens.masked_fill(token_missing[..., None], float("nan"))
        return PrestoOutput(embedding, empty, out_tokens, token_missing)


# ----------------------------------------------------------------------------------------------------------------
# Weights: finding, checking, loading
# ----------------------------------------------------------------------------------------------------------------
def _expected_shapes() -> Dict[str, Tuple[int, ...]]:
    return {key: tuple(value.shape) for key, value in PrestoEncoder().state_dict().items()}


def load_presto_state(path: Union[str, Path]) -> Dict[str, torch.Tensor]:
    """The encoder's tensors from a Presto weights file (keys without the ``encoder.`` prefix), checked against the
    architecture. Accepts the authors' full state dict (encoder and decoder) or one of the encoder alone."""
    path = Path(path)
    fix = f"choose the Presto weights file, or {_where_to_get()}"
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InputError(f"Presto weights '{path}' not found; {fix}") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same advice
        raise InputError(f"'{path}' is not a PyTorch weights file ({type(exc).__name__}); {fix}") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError(f"'{path}' holds no plain state dict of tensors; {fix}")
    if any(key.startswith("encoder.") for key in state):
        state = {key[len("encoder."):]: value for key, value in state.items() if key.startswith("encoder.")}
    expected = _expected_shapes()
    missing = sorted(set(expected) - set(state))
    wrong = sorted(k for k in expected if k in state and tuple(state[k].shape) != expected[k])
    if missing or wrong:
        details = []
        if missing:
            details.append(f"missing {len(missing)} key(s) such as {missing[:3]}")
        if wrong:
            details.append(f"wrong shape for {wrong[:3]} (e.g. {wrong[0]}: {tuple(state[wrong[0]].shape)}, "
                           f"expected {expected[wrong[0]]})")
        raise InputError(f"'{path}' is not the Presto encoder ({'; '.join(details)}); {fix}")
    return {key: state[key].float() for key in expected}
