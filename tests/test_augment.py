# SPDX-License-Identifier: GPL-2.0-or-later
"""Augmentations of normalised multispectral tiles: shapes, geometry, spectral faithfulness, determinism."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from spatiotemporal_ssl.core.learning.augment import strong_augment, weak_augment


def _seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _tiles(batch: int, bands: int, height: int, width: int, seed: int = 0) -> torch.Tensor:
    """Tiles with a per-sample spectrum (the class cue) plus pixel texture, in band-std units."""
    generator = _seeded(seed)
    spectrum = torch.randn(batch, bands, 1, 1, generator=generator)
    return spectrum + 0.3 * torch.randn(batch, bands, height, width, generator=generator)


def _dihedral_views(tile: torch.Tensor):
    for flipped in (tile, tile.flip(-1)):
        for turns in range(4):
            yield torch.rot90(flipped, turns, dims=(-2, -1))


def _pearson_rows(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a = a - a.mean(dim=1, keepdim=True)
    b = b - b.mean(dim=1, keepdim=True)
    return (a * b).sum(dim=1) / (a.norm(dim=1) * b.norm(dim=1))


@pytest.mark.parametrize("height, width", [(1, 1), (2, 2), (3, 5), (8, 8), (32, 32)])
@pytest.mark.parametrize("bands", [1, 4, 13])
def test_shape_dtype_and_finiteness_preserved(height, width, bands):
    x = _tiles(6, bands, height, width)
    for augmented in (weak_augment(x, generator=_seeded(1)), strong_augment(x, generator=_seeded(1))):
        assert augmented.shape == x.shape and augmented.dtype == x.dtype and augmented.device == x.device
        assert torch.isfinite(augmented).all()


def test_float64_and_half_inputs_keep_their_dtype():
    for dtype in (torch.float64, torch.float16):
        x = _tiles(4, 3, 8, 8).to(dtype)
        assert weak_augment(x, generator=_seeded(0)).dtype == dtype
        assert strong_augment(x, generator=_seeded(0)).dtype == dtype


def test_weak_on_a_single_pixel_is_the_identity():
    x = _tiles(16, 13, 1, 1)
    assert torch.equal(weak_augment(x, generator=_seeded(3)), x)


def test_weak_without_crop_is_a_flip_or_rotation_of_each_tile():
    x = _tiles(64, 3, 8, 8, seed=2)
    y = weak_augment(x, generator=_seeded(4), crop=False)
    used = set()
    for tile, augmented in zip(x, y):
        matches = [index for index, view in enumerate(_dihedral_views(tile)) if torch.equal(view, augmented)]
        assert matches, "an output tile is not a flip/rotation of its input"
        used.add(matches[0])
        # ... so the multiset of pixel values is unchanged.
        assert torch.equal(tile.flatten().sort().values, augmented.flatten().sort().values)
    assert len(used) >= 6  # the draws really vary per sample (8 transforms over 64 samples)


def test_weak_on_non_square_tiles_flips_but_never_rotates():
    x = _tiles(32, 2, 3, 5)
    y = weak_augment(x, generator=_seeded(5), crop=False)
    for tile, augmented in zip(x, y):
        views = [tile, tile.flip(-1), tile.flip(-2), tile.flip(-1).flip(-2)]
        assert any(torch.equal(view, augmented) for view in views)


def test_weak_crop_shifts_within_the_reflect_padding():
    # 8 x 12 tile: pad = 8 // 8 = 1 row and 12 // 8 = 1 column; every output is a flipped window of the
    # reflect-padded tile, and some windows are really shifted.
    x = _tiles(48, 2, 8, 12, seed=6)
    y = weak_augment(x, generator=_seeded(7))
    shifted = 0
    for tile, augmented in zip(x, y):
        padded = F.pad(tile[None], (1, 1, 1, 1), mode="reflect")[0]
        windows = []
        for flip in (lambda t: t, lambda t: t.flip(-1), lambda t: t.flip(-2), lambda t: t.flip(-1).flip(-2)):
            flipped = flip(padded)
            windows += [((top, left), flipped[:, top:top + 8, left:left + 12]) for top in range(3) for left in range(3)]
        offsets = [offset for offset, window in windows if torch.equal(window, augmented)]
        assert offsets, "an output tile is not a window of the reflect-padded input"
        shifted += (1, 1) not in offsets
    assert shifted >= 24  # 8 of 9 offsets shift the tile


def test_small_tiles_are_not_cropped():
    x = _tiles(32, 3, 3, 3)
    y = weak_augment(x, generator=_seeded(8))
    for tile, augmented in zip(x, y):
        assert any(torch.equal(view, augmented) for view in _dihedral_views(tile))


# Single pixels get twice the spectral strength (no weak or spatial op changes them), so less of the spectrum stays.
@pytest.mark.parametrize("bands, size, kept", [(13, 8, 0.8), (13, 1, 0.6), (4, 32, 0.8)])
def test_strong_changes_pixels_but_keeps_the_spectrum(bands, size, kept):
    x = _tiles(64, bands, size, size, seed=9)
    y = strong_augment(x, generator=_seeded(10))
    assert (y - x).abs().mean() > 0.05  # really augmented
    correlation = _pearson_rows(x.mean(dim=(2, 3)), y.mean(dim=(2, 3)))
    # The median tile keeps its spectrum; band swap (about half the tiles draw it) replaces part of it on purpose.
    assert correlation.median() > kept


def test_strong_on_single_pixels_changes_values():
    x = _tiles(32, 4, 1, 1)
    y = strong_augment(x, generator=_seeded(11))
    changed = (y != x).flatten(1).any(dim=1)
    assert changed.all()  # three spectral ops per sample, each changes the pixel


def test_magnitude_zero_makes_the_strength_scaled_ops_identities():
    # Band dropout and cutout act at any magnitude; one band and one pixel leave neither in the draw.
    x = _tiles(16, 1, 1, 1)
    y = strong_augment(x, n_ops=3, magnitude=0.0, generator=_seeded(12))
    torch.testing.assert_close(y, x)


def test_seeded_generator_gives_the_same_views():
    x = _tiles(8, 4, 16, 16)
    assert torch.equal(weak_augment(x, generator=_seeded(42)), weak_augment(x, generator=_seeded(42)))
    assert torch.equal(strong_augment(x, generator=_seeded(42)), strong_augment(x, generator=_seeded(42)))
    assert not torch.equal(strong_augment(x, generator=_seeded(42)), strong_augment(x, generator=_seeded(43)))


def test_input_is_not_modified():
    x = _tiles(8, 4, 16, 16)
    before = x.clone()
    strong_augment(x)  # torch's default generator
    weak_augment(x)
    strong_augment(x[:, :, :1, :1])  # the 1x1 path returns early from the geometric part
    assert torch.equal(x, before)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="B, C, H, W"):
        weak_augment(torch.zeros(3, 8, 8))
    with pytest.raises(ValueError, match="float"):
        weak_augment(torch.zeros(1, 3, 8, 8, dtype=torch.int64))
    with pytest.raises(ValueError, match="magnitude"):
        strong_augment(torch.zeros(1, 3, 8, 8), magnitude=5)


def test_single_pixels_get_twice_the_spectral_strength():
    # Same draws, same op (n_ops = number of ops: all of them): a 1x1 tile moves further than at magnitude 0.5
    # and exactly as far as at magnitude 1.0, because it has no weak or spatial change to carry the strength.
    # Three bands: band swap (which keeps its magnitude, see below) is not in the draw.
    x = torch.randn(64, 3, 1, 1)
    half = strong_augment(x, n_ops=8, magnitude=0.5, generator=_seeded(3))
    full = strong_augment(x, n_ops=8, magnitude=1.0, generator=_seeded(3))
    assert torch.equal(half, full)
    quarter = strong_augment(x, n_ops=8, magnitude=0.25, generator=_seeded(3))
    assert (quarter - x).abs().mean() < (half - x).abs().mean()


def test_band_swap_on_single_pixels_keeps_its_magnitude(monkeypatch):
    from spatiotemporal_ssl.core.learning import augment
    from spatiotemporal_ssl.core.learning.augment import BAND_SWAP_MAX, _band_swap

    monkeypatch.setattr(augment, "_available_ops", lambda *args, **kwargs: [_band_swap])
    batch, channels = 256, 40
    x = torch.arange(batch, dtype=torch.float32)[:, None, None, None].expand(batch, channels, 1, 1).contiguous()
    swapped = (strong_augment(x, n_ops=1, magnitude=0.5, generator=_seeded(9)) != x).float().mean().item()
    # Each band is swapped with probability 0.6 * 0.5, unless the donor is the tile itself (1 / batch).
    expected = BAND_SWAP_MAX * 0.5 * (1 - 1 / batch)
    assert abs(swapped - expected) < 0.03  # 10,240 draws: the doubled 0.6 would be far outside


def test_band_swap_takes_each_band_from_the_tile_itself_or_one_other_tile():
    from spatiotemporal_ssl.core.learning.augment import BAND_SWAP_MAX, _band_swap

    x = torch.arange(200 * 12, dtype=torch.float32).reshape(200, 12, 1, 1)  # every value unique
    y = _band_swap(x, 1.0, _seeded(5))
    kept = (y == x).squeeze(-1).squeeze(-1)  # (200, 12)
    # About 60 % swapped (less the draws that picked the tile itself), each sample from a single donor.
    assert 0.45 < 1 - kept.float().mean().item() <= BAND_SWAP_MAX + 0.05
    flat = x.flatten(1)
    for i in range(200):
        swapped = (~kept[i]).nonzero().squeeze(1)
        if swapped.numel():
            donors = {int(y[i, c, 0, 0].item()) // 12 for c in swapped}
            assert len(donors) == 1 and donors != {i}
            donor = donors.pop()
            assert torch.equal(y[i, swapped, 0, 0], flat[donor, swapped])  # same band, other tile


def test_band_swap_needs_four_bands():
    from spatiotemporal_ssl.core.learning.augment import _available_ops, _band_swap

    assert _band_swap in _available_ops(4, 1, 1, batch=8)
    assert _band_swap not in _available_ops(3, 1, 1, batch=8)
    assert _band_swap not in _available_ops(13, 1, 1, batch=1)
