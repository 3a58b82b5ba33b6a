# SPDX-License-Identifier: GPL-2.0-or-later
"""The Presto backbone of the engine's networks: teacher and student views, pooling, band mapping, model files."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from spatiotemporal_ssl.core.app.evaluate import evaluate_patchset
from spatiotemporal_ssl.core.app.modelfile import load_model, save_model
from spatiotemporal_ssl.core.data.encoding import MetadataEncoder
from spatiotemporal_ssl.core.data.band_roles import detect_band_roles
from spatiotemporal_ssl.core.data.presto_input import build_presto_input, scaling_from
from spatiotemporal_ssl.core.data.normalization import BandStats
from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.models.metadata import MetaBatch
from spatiotemporal_ssl.core.models.network import LandCoverNet, NetworkConfig
from spatiotemporal_ssl.core.models.presto_backbone import make_presto_spec
from spatiotemporal_ssl.core.params import ClassSpec, TrainOptions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.normpath(os.path.join(ROOT, "..", "shared", "pretrained", "presto", "default_model.pt"))
needs_weights = pytest.mark.skipif(not os.path.isfile(WEIGHTS), reason=f"Presto weights not found at {WEIGHTS}")

BANDS = ["blue", "green", "red", "nir"]
T = 3


def _spec(student_view="constant", timesteps=T, pool=None):
    c = timesteps * len(BANDS)
    rng = np.random.default_rng(0)
    sample = rng.uniform(0.02, 0.4, (50, len(BANDS)))
    return make_presto_spec(BANDS, timesteps, rng.uniform(0.05, 0.3, c), rng.uniform(0.02, 0.1, c), sample=sample,
                            student_view=student_view, temporal_pool=pool)


def _net(metadata_role, spec=None, seed=0, classes=3):
    torch.manual_seed(seed)
    spec = spec or _spec()
    c = int(spec["timesteps"]) * len(spec["band_names"])
    return LandCoverNet(NetworkConfig("presto", "tiny", c, 1, classes, metadata_role, presto=spec)).eval()


def _meta(n, lat=-12.0, lon=-55.0, months=(8, 9, 10), known=True):
    return MetaBatch(torch.zeros(n, 2), torch.zeros(n, 2), torch.full((n,), known), torch.full((n,), known),
                     torch.tensor([[lat, lon]] * n, dtype=torch.float32), torch.tensor([list(months)] * n))


def test_teacher_reads_location_and_months_student_reads_neither():
    teacher, student = _net("input"), _net("token")
    x = torch.randn(4, T * len(BANDS), 1, 1)
    with torch.no_grad():
        base = teacher(x, _meta(4)).logits
        moved = teacher(x, _meta(4, lat=40.0, lon=10.0)).logits
        other_months = teacher(x, _meta(4, months=(2, 3, 4))).logits
        dropped = teacher(x, _meta(4, known=False)).logits
        s_base = student(x, _meta(4)).logits
        s_moved = student(x, _meta(4, lat=40.0, lon=10.0, months=(2, 3, 4))).logits
        s_none = student(x).logits
    assert (base - moved).abs().max() > 1e-4
    assert (base - other_months).abs().max() > 1e-4
    assert (base - dropped).abs().max() > 1e-4  # metadata dropout removes the location token and the months
    assert torch.equal(s_base, s_moved) and torch.equal(s_base, s_none)


def test_student_views_constant_month_and_learned_token():
    constant = _net("token", _spec("constant"))
    token = _net("token", _spec("token"))
    assert constant.backbone.learned_token is None
    assert token.backbone.learned_token is not None and token.backbone.learned_token.requires_grad
    x = torch.randn(2, T * len(BANDS), 1, 1)
    out = token(x)
    out.logits.sum().backward()
    assert token.backbone.learned_token.grad is not None and token.backbone.learned_token.grad.abs().sum() > 0
    assert out.meta_feature.shape == (2, 128)


def test_a_tile_is_the_mean_of_its_pixels_embeddings():
    net = _net("none")
    tile = torch.randn(2, T * len(BANDS), 2, 3)
    with torch.no_grad():
        pooled = net(tile).meta_feature
        pixels = tile.permute(0, 2, 3, 1).reshape(12, -1, 1, 1)
        each = net(pixels).meta_feature.reshape(2, 6, 128).mean(1)
        logits = net(tile).logits
    assert pooled.shape == (2, 128)
    assert torch.allclose(pooled, each, atol=1e-5)
    assert torch.allclose(logits, net.head(each), atol=1e-5)


def test_band_mapping_matches_band_roles_on_a_monthly_series():
    spec = _spec()
    net = _net("none", spec)
    rng = np.random.default_rng(1)
    raw = rng.uniform(0.02, 0.4, (5, T, len(BANDS))).astype(np.float32)
    mean, std = np.array(spec["band_mean"]), np.array(spec["band_std"])
    tiles = ((raw.reshape(5, -1) - mean) / std).astype(np.float32)[:, :, None, None]
    mine = net.backbone.presto_channels(torch.from_numpy(tiles)).numpy()
    roles = detect_band_roles(BANDS)
    ref = build_presto_input(raw, np.array(["2020-01-15", "2020-02-15", "2020-03-15"]), roles, scaling_from("reflectance"))
    assert np.array_equal(~np.isfinite(mine), ref.mask)
    assert np.allclose(np.nan_to_num(mine), ref.x, atol=1e-5)


def test_temporal_pooling_averages_consecutive_timesteps():
    spec = _spec(timesteps=5, pool=2)
    net = _net("none", spec)
    x = torch.randn(3, 5 * len(BANDS), 1, 1)
    pooled = net.backbone.presto_channels(x)
    spec1 = dict(spec, temporal_pool=1)
    each = _net("none", spec1).backbone.presto_channels(x)
    assert pooled.shape[1] == 3
    assert torch.allclose(pooled[:, 0], (each[:, 0] + each[:, 1]) / 2, equal_nan=True)
    assert torch.allclose(pooled[:, 2], each[:, 4], equal_nan=True)  # the last step holds one timestep


def test_missing_band_roles_are_a_clear_input_error():
    with pytest.raises(InputError, match="band-roles|band roles|cannot tell"):
        make_presto_spec(["band1", "band2"], 1, [0.0, 0.0], [1.0, 1.0], sample=np.ones((4, 2)))
    with pytest.raises(InputError, match="channels are not"):
        make_presto_spec(BANDS, 2, [0.0] * 5, [1.0] * 5, sample=np.ones((4, 4)))
    with pytest.raises(InputError, match="8-bit|scaling"):
        make_presto_spec(BANDS, 1, [0.0] * 4, [1.0] * 4, sample=np.arange(200).reshape(50, 4) % 256,
                         dtype=np.uint8)


def _series_set(path, band_names=True, dates=True, n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    raw = rng.uniform(0.05, 0.15, (n, T, len(BANDS)))
    raw[y == 1, :, 3] += 0.3  # class 1: bright in the near infrared
    split = np.array(["unlabeled"] * n, dtype="<U9")
    split[:20] = "test"
    for c in (0, 1):
        split[np.flatnonzero((y == c) & (split == "unlabeled"))[:5]] = "labeled"
    keys = dict(images=raw.reshape(n, -1, 1, 1).astype(np.float32), labels=np.where(split == "unlabeled", -1, y),
                split=split, lat=rng.uniform(-15, -10, n), lon=rng.uniform(-58, -52, n), date=np.array([""] * n))
    if band_names:
        keys["band_names"] = np.array(BANDS)
    if dates:
        keys["timestep_dates"] = np.array([["2020-01-10", "2020-02-10", "2020-03-10"]] * n)
    np.savez(path, **keys)
    return str(path)


def test_evaluate_without_band_names_asks_for_them(tmp_path):
    path = _series_set(tmp_path / "s.npz", band_names=False)
    with pytest.raises(InputError, match="--band-names"):
        evaluate_patchset(path, backbone="presto", steps=1, device="cpu", pretrained=WEIGHTS)


@needs_weights
def test_evaluate_with_presto_teacher_and_student_and_flags(tmp_path):
    path = _series_set(tmp_path / "s.npz", band_names=False, dates=False)
    r = evaluate_patchset(path, method="fixmatch", metadata="teacher", backbone="presto", steps=4, device="cpu",
                          batch_size=4, unlabeled_ratio=1, eval_every=2, pretrained=WEIGHTS,
                          band_names="blue,green,red,nir", timestep_dates="2020-01-10,2020-02-10,2020-03-10")
    assert r["backbone"] == "presto" and r["presto"]["months_known"]
    assert "S2_RGB" in r["presto"]["description"] and r["teacher_accuracy"] is not None
    q = evaluate_patchset(_series_set(tmp_path / "t.npz"), method="quick", backbone="presto", steps=30,
                          device="cpu", batch_size=8, eval_every=10, pretrained=WEIGHTS)
    assert q["accuracy"] > 0.8  # NIR separates the classes: the frozen embedding plus a linear head finds it


def test_model_file_round_trip_with_presto(tmp_path):
    spec = _spec("token")
    student, teacher = _net("token", spec, seed=1), _net("input", spec, seed=2)
    c = T * len(BANDS)
    path = save_model(str(tmp_path / "m.pt"), student=student, teacher=teacher,
                      classes=[ClassSpec(1, "a", (1, 2, 3)), ClassSpec(2, "b", (4, 5, 6)), ClassSpec(3, "c", (7, 8, 9))],
                      band_stats=BandStats(np.array(spec["band_mean"]), np.array(spec["band_std"])), tile_size_px=1,
                      stride_px=1, encoder=MetadataEncoder("season"), multi_label=False,
                      options=TrainOptions(backbone="presto").to_dict(), provenance=[], report={})
    model = load_model(path, device="cpu")
    assert model.presto_spec["roles"] == spec["roles"] and model.presto_spec["scaling"] == spec["scaling"]
    x = torch.randn(6, c, 1, 1)
    with torch.no_grad():
        expected = torch.softmax(student(x).logits, 1)
        meta = _meta(6)
        expected_t = torch.softmax(teacher(x, meta).logits, 1)
    assert torch.allclose(model.probabilities(x), expected, atol=1e-6)
    got_t = model.probabilities(x, torch.full((6,), -12.0), torch.full((6,), -55.0), None, network="teacher",
                                months=torch.tensor([[8, 9, 10]]))
    assert torch.allclose(got_t, expected_t, atol=1e-6)


def test_encoder_unknown_location_drops_the_token_and_a_given_token_takes_its_place():
    from spatiotemporal_ssl.core.models.presto import PrestoEncoder

    torch.manual_seed(0)
    enc = PrestoEncoder().eval()
    x = torch.rand(2, 3, 17)
    with torch.no_grad():
        both = enc(x, months=1, latlon=torch.tensor([[float("nan"), float("nan")], [10.0, 20.0]])).embedding
        none = enc(x[:1], months=1).embedding
        known = enc(x[1:], months=1, latlon=torch.tensor([[10.0, 20.0]])).embedding
        token = enc.latlon_embed(torch.tensor([[np.cos(np.radians(10)) * np.cos(np.radians(20)),
                                                np.cos(np.radians(10)) * np.sin(np.radians(20)),
                                                np.sin(np.radians(10))]], dtype=torch.float32))
        given = enc(x[1:], months=1, location_token=token).embedding
    assert torch.allclose(both[0], none[0], atol=1e-5) and torch.allclose(both[1], known[0], atol=1e-5)
    assert torch.allclose(given, known, atol=1e-5)
    with pytest.raises(InputError, match="not both"):
        enc(x, months=1, latlon=torch.zeros(2, 2), location_token=torch.zeros(2, 128))
