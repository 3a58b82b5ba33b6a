# SPDX-License-Identifier: GPL-2.0-or-later
"""A small ResNet-style CNN for CPUs, whose teacher takes metadata through FiLM.

FiLM (per-channel scale and shift computed from the metadata embedding) is the CNN analogue of the ViT's
metadata token; it is not in the authors' code. New teachers apply it once, to the pooled features
(``film_stages="last"``, late fusion). Teachers written before that applied it after every stage
(``"all"``); they still load and run as they were trained. Early FiLM runs on the largest feature maps: it
raised the step-time ratio against FixMatch on 8 x 8 tiles from 1.53 to 1.58, for no clear accuracy gain in
the benchmarks (see the README). The "meta feature" for distillation
is a projection of [pooled image features, conditioning vector], i.e. what the network made of the image
*given* the metadata: the teacher's sees real metadata, the student's a learned constant vector.

The student (``film=False``) keeps the meta head but skips FiLM: FiLM of a constant vector is a constant
per-channel affine map, which the next stage's convolution and BatchNorm (or the linear class head) can
already express, so it would only cost time.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import nn

CNN_SIZES = {"tiny": (16, 32, 64), "small": (64, 128, 256)}  # tiny: ~0.8 MFLOP per 4x4 tile, for CPUs
FILM_STAGES = ("last", "all")


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.act = nn.ReLU(inplace=True)
        self.shortcut = (
            nn.Identity() if stride == 1 and c_in == c_out
            else nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.act(y + self.shortcut(x))


class CNNBackbone(nn.Module):
    def __init__(self, in_channels: int, tile_size_px: int, size: str = "tiny", cond_dim: Optional[int] = None,
                 film: bool = True, film_stages: str = "last"):
        super().__init__()
        if film_stages not in FILM_STAGES:
            raise ValueError(f"film_stages must be one of {FILM_STAGES}")
        widths = CNN_SIZES[size]
        self.stem = nn.Sequential(nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]),
                                  nn.ReLU(inplace=True))
        stages, c_in, side = [], widths[0], tile_size_px
        for i, c in enumerate(widths):
            # Downsample only while the feature map stays >= 4 px: tiles can be as small as 1 x 1.
            stride = 2 if (i > 0 and side >= 8) else 1
            side = (side + stride - 1) // stride
            stages.append(BasicBlock(c_in, c, stride))
            c_in = c
        self.stages = nn.ModuleList(stages)
        self.widths = widths
        self.cond_dim = cond_dim
        self.film: Optional[nn.ModuleList] = None
        # "all": one FiLM per stage (self.film[i] for stage i); "last": only the last stage's. The last one always
        # runs after pooling.
        self.film_every_stage = film_stages == "all"
        if cond_dim and film:
            heads = [nn.Linear(cond_dim, 2 * c) for c in (widths if self.film_every_stage else widths[-1:])]
            for lin in heads:  # start as the identity transform
                nn.init.zeros_(lin.weight)
                nn.init.zeros_(lin.bias)
            self.film = nn.ModuleList(heads)
        if cond_dim:
            self.meta_head = nn.Sequential(nn.Linear(widths[-1] + cond_dim, cond_dim), nn.GELU(),
                                           nn.Linear(cond_dim, cond_dim))
        self.pool = nn.AdaptiveAvgPool2d(1)

    @property
    def feature_dim(self) -> int:
        return self.widths[-1]

    def forward(self, images: torch.Tensor,
                cond: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Returns (pooled feature (B, D), meta feature (B, cond_dim) or None)."""
        x = self.stem(images)
        film = self.film if cond is not None else None
        last = len(self.stages) - 1
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if film is not None and self.film_every_stage and i < last:
                gamma, beta = film[i](cond).chunk(2, dim=1)
                # beta + x * (1 + gamma) as one fused op: two separate ones cost more on a CPU.
                x = torch.addcmul(beta[:, :, None, None], x, 1 + gamma[:, :, None, None])
        feat = self.pool(x).flatten(1)
        if film is not None:
            # The last stage's FiLM is per channel and average pooling is linear, so FiLM after pooling gives the
            # same result on (B, C) instead of (B, C, H, W) values.
            gamma, beta = film[-1](cond).chunk(2, dim=1)
            feat = torch.addcmul(beta, feat, 1 + gamma)
        meta_feat = self.meta_head(torch.cat([feat, cond], dim=1)) if cond is not None else None
        return feat, meta_feat
