# SPDX-License-Identifier: GPL-2.0-or-later
"""A Vision Transformer for multispectral tiles, with the authors' "early fusion" metadata token.

The teacher appends one token made from the metadata (plus a learned type embedding) after
[CLS + patch tokens + position embedding]; it runs through every block. The student appends its own
learned, data-free token at the same place. Logits come from CLS; the "meta feature" used for distillation
is the final (post-norm) output at the appended token.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

# name: (embed_dim, depth, heads)
VIT_SIZES = {"tiny": (96, 4, 3), "small": (384, 12, 6)}


def patch_size_for(tile_size_px: int) -> int:
    """Patch size that gives at most an 8 x 8 token grid (ViT-S/16 on 128 px, ViT-S/2 on 16 px, 1 on tiny tiles)."""
    return max(1, math.ceil(tile_size_px / 8))


class ViTBackbone(nn.Module):
    def __init__(self, in_channels: int, tile_size_px: int, size: str = "tiny", patch_size: Optional[int] = None):
        super().__init__()
        dim, depth, heads = VIT_SIZES[size]
        self.patch_size = patch_size or patch_size_for(tile_size_px)
        self.grid = math.ceil(tile_size_px / self.patch_size)
        self.embed_dim = dim
        self.patch_embed = nn.Conv2d(in_channels, dim, kernel_size=self.patch_size, stride=self.patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + self.grid * self.grid, dim) * 0.02)
        # Type embedding of the appended (metadata or learned) token's position.
        self.extra_type = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(
            dim, heads, dim_feedforward=4 * dim, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        nn.init.trunc_normal_(self.cls_token, std=0.02)

    @property
    def feature_dim(self) -> int:
        return self.embed_dim

    def forward(self, images: torch.Tensor,
                extra_token: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Returns (CLS feature (B, D), output at the appended token (B, D) or None)."""
        b, _, h, w = images.shape
        side = self.grid * self.patch_size
        if h != side or w != side:  # pad tiles that are not a multiple of the patch size
            images = F.pad(images, (0, side - w, 0, side - h))
        tokens = self.patch_embed(images).flatten(2).transpose(1, 2)
        tokens = torch.cat([self.cls_token.expand(b, -1, -1), tokens], dim=1) + self.pos_embed
        if extra_token is not None:
            tokens = torch.cat([tokens, extra_token[:, None, :] + self.extra_type], dim=1)
        out = self.norm(self.blocks(tokens))
        return out[:, 0], (out[:, -1] if extra_token is not None else None)
