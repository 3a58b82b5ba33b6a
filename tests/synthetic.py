# SPDX-License-Identifier: GPL-2.0-or-later
"""Small, separable tile sets for trainer tests (behaviour of the loop, not accuracy claims)."""
import numpy as np

from spatiotemporal_ssl.core.data.encoding import MetadataEncoder
from spatiotemporal_ssl.core.learning.training_data import assemble_training_data


def separable_tiles(n=120, classes=3, bands=3, tile=4, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    centers = rng.normal(0, 2.0, (classes, bands))
    images = centers[labels][:, :, None, None] + rng.normal(0, 0.5, (n, bands, tile, tile))
    lat = 40 + labels * 0.5 + rng.normal(0, 0.1, n)
    lon = -80 + rng.normal(0, 0.1, n)
    doy = rng.integers(1, 366, n).astype(float)
    return images.astype(np.float32), labels, lat, lon, doy


def training_data(n=120, labeled_per_class=6, seed=0, multi_label=False, encoding="paper"):
    images, labels, lat, lon, doy = separable_tiles(n, seed=seed)
    labeled = np.zeros(n, bool)
    for c in range(3):
        labeled[np.flatnonzero(labels == c)[:labeled_per_class]] = True
    targets = np.eye(3, dtype=np.float32)[labels] if multi_label else labels
    enc = MetadataEncoder(encoding)
    data, _, _ = assemble_training_data(images, targets, labeled, lat, lon, doy, enc, 3, multi_label, 0.34, seed)
    return data
