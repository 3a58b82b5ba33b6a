# SPDX-License-Identifier: GPL-2.0-or-later
"""The semi-supervised pieces on crafted inputs: masks, pseudo-labels, gradient routing, EMA."""
import copy
import math

import pytest
import numpy as np
import torch
import torch.nn.functional as F

from spatiotemporal_ssl.core.learning.batches import StepBatch
from spatiotemporal_ssl.core.models.metadata import MetaBatch
from spatiotemporal_ssl.core.models.network import LandCoverNet, NetworkConfig
from spatiotemporal_ssl.core.learning.ssl import (FixMatchLabeler, FreeMatchLabeler, SoftMatchLabeler, SSLModel,
                                         distillation_loss, unsupervised_loss)
from spatiotemporal_ssl.core.learning.selection import accuracy_standard_error, within_noise_of_best
from spatiotemporal_ssl.core.learning.trainer import EMA
from spatiotemporal_ssl.core.learning.training_data import min_tiles_for_validation, split_validation


def test_fixmatch_mask_and_pseudo_labels_on_crafted_logits():
    # softmax of [4, 0, 0] = 0.9643 (< 0.95? no: > 0.95), [2, 0, 0] = 0.7870, [0, 0, 5] = 0.9867
    logits = torch.tensor([[4.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 5.0], [0.0, 3.0, 0.0]])
    pseudo = FixMatchLabeler(3, multi_label=False, threshold=0.95)(logits.softmax(1))
    assert pseudo.targets.tolist() == [0, 0, 2, 1]
    # 0.9643, 0.7870, 0.9867, 0.9094 against tau = 0.95
    assert pseudo.weights.tolist() == [1.0, 0.0, 1.0, 0.0]


def test_fixmatch_multi_label_uses_per_entry_thresholds():
    probs = torch.tensor([[0.02, 0.5, 0.9], [0.06, 0.71, 0.69]])
    pseudo = FixMatchLabeler(3, multi_label=True)(probs)
    assert pseudo.targets.tolist() == [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    assert pseudo.weights.tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


def test_unsupervised_loss_is_masked_mean_of_cross_entropy():
    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    pseudo = FixMatchLabeler(2, False, threshold=0.5)(torch.tensor([[0.9, 0.1], [0.4, 0.6]]))
    expected = (math.log(1 + math.exp(-2.0)) + math.log(1 + math.exp(-2.0))) / 2  # both confident, both right
    assert unsupervised_loss(logits, pseudo, False).item() == pytest.approx(expected, rel=1e-5)
    pseudo_one = FixMatchLabeler(2, False, threshold=0.7)(torch.tensor([[0.9, 0.1], [0.4, 0.6]]))
    assert unsupervised_loss(logits, pseudo_one, False).item() == pytest.approx(expected / 2, rel=1e-5)


def test_freematch_threshold_adapts_to_confidence():
    lab = FreeMatchLabeler(2, False, momentum=0.5)
    confident = torch.tensor([[0.99, 0.01]] * 8)
    for _ in range(10):
        lab(confident)
    # the global threshold approaches the mean confidence (0.99) and class 1 is scaled down
    assert lab.global_threshold.item() == pytest.approx(0.99, abs=0.01)
    pseudo = lab(torch.tensor([[0.95, 0.05], [0.10, 0.90]]), update=False)
    assert pseudo.weights.tolist() == [0.0, 1.0]


def test_softmatch_weights_are_one_above_mean_and_gaussian_below():
    lab = SoftMatchLabeler(2, False, momentum=0.0)  # statistics = this batch
    probs = torch.tensor([[0.9, 0.1], [0.1, 0.9], [0.6, 0.4], [0.4, 0.6]])
    pseudo = lab(probs)
    assert pseudo.weights[0].item() == pytest.approx(1.0)
    assert 0.0 < pseudo.weights[2].item() < 1.0


def _nets(backbone="cnn"):
    cfg = dict(backbone=backbone, size="tiny", in_channels=3, tile_size_px=4, num_classes=3, loc_dim=2, date_dim=2)
    teacher = LandCoverNet(NetworkConfig(metadata_role="input", **cfg))
    student = LandCoverNet(NetworkConfig(metadata_role="token", **cfg))
    return student, teacher


def _meta(n):
    return MetaBatch(torch.randn(n, 2), torch.randn(n, 2), torch.ones(n, dtype=torch.bool), torch.ones(n, dtype=torch.bool))


@pytest.mark.parametrize("backbone", ["cnn", "vit"])
def test_distillation_gradients_reach_the_student_only(backbone):
    student, teacher = _nets(backbone)
    s = student(torch.randn(6, 3, 4, 4))
    t = teacher(torch.randn(6, 3, 4, 4), _meta(6))
    loss = distillation_loss(s.meta_feature, t.meta_feature, "mse")
    loss.backward()
    assert student.learned_token.grad is not None and student.learned_token.grad.abs().sum() > 0
    assert all(p.grad is None for p in teacher.parameters())


def test_teacher_gets_no_gradient_from_the_student_loss():
    # Through SSLModel.forward: the teacher's gradients from the whole step (teacher + student + distillation loss)
    # must equal those of the teacher's own loss. SoftMatch's weights are a smooth function of the teacher's
    # probabilities below the mean confidence (momentum 0: this batch's mean, so about half the tiles), so a
    # missing detach on the pseudo-labels (or on the distilled feature) would show here.
    torch.manual_seed(0)
    student, teacher = _nets()
    model = SSLModel(student, teacher, SoftMatchLabeler(3, False, momentum=0.0), False, lambda_d=1.0)
    reference = copy.deepcopy(model)  # same weights and labeller statistics, for the teacher-only loss
    x_l, y_l, x_u = torch.randn(4, 3, 4, 4), torch.tensor([0, 1, 2, 0]), torch.randn(8, 3, 4, 4)
    meta_l, meta_u = _meta(4), _meta(8)
    out = model(StepBatch(x_l, y_l, meta_l, x_u, x_u + 0.1, meta_u))
    out.loss.backward()
    # The teacher-only loss: the teacher's views, with the weak views' probabilities detached for pseudo-labels.
    t_out = reference.teacher(torch.cat([x_l, x_u, x_u + 0.1]), MetaBatch.cat([meta_l, meta_u, meta_u]))
    pseudo = reference.labeler(t_out.logits[4:12].softmax(1).detach())
    teacher_loss = F.cross_entropy(t_out.logits[:4], y_l) + unsupervised_loss(t_out.logits[12:], pseudo, False)
    teacher_loss.backward()
    assert out.log["loss_teacher"].item() == pytest.approx(teacher_loss.item(), rel=1e-6)
    for (name, p), q in zip(model.teacher.named_parameters(), reference.teacher.parameters()):
        if q.grad is None:  # not on the teacher's loss path (e.g. its metadata-token output, distilled from only)
            assert p.grad is None or not p.grad.any(), name
        else:
            assert torch.allclose(p.grad, q.grad, rtol=1e-5, atol=1e-7), name
    assert model.student.learned_token.grad.abs().sum() > 0  # the student did learn from this step
    assert {"loss_teacher", "loss_student", "loss_distill", "mask_rate"} <= set(out.log)


def test_ema_update_follows_the_formula():
    net = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        net.weight.fill_(1.0)
    ema = EMA(net, momentum=0.9)
    with torch.no_grad():
        net.weight.fill_(3.0)
    ema.update(net, step=1000)  # warm-up over: m = 0.9
    assert ema.model.weight[0, 0].item() == pytest.approx(0.9 * 1.0 + 0.1 * 3.0)
    ema.update(net, step=0)  # warm-up: m = min(0.9, 1/10) = 0.1
    assert ema.model.weight[0, 0].item() == pytest.approx(0.1 * 1.2 + 0.9 * 3.0)


def test_validation_split_is_stratified_and_skips_classes_too_small_to_validate():
    targets = torch.tensor([0] * 10 + [1] * 7 + [2] * 1).numpy()
    train, val = split_validation(targets, 0.2, seed=0, multi_label=False)
    # Class 0: round(0.2 * 10) = 2 held out. Class 1: round(1.4) = 1 tile cannot rank checkpoints, so it keeps
    # all 7 for training; class 2's single tile is never held out.
    assert (targets[val] == 0).sum() == 2 and sorted(set(targets[val])) == [0]
    assert set(train).isdisjoint(val) and len(train) + len(val) == len(targets)
    train, val = split_validation(np.repeat(np.arange(4), 5), 0.2, seed=0, multi_label=False)
    assert len(val) == 0 and len(train) == 20  # 5 labels per class: nothing held out, the last model is kept


def test_min_tiles_for_validation_is_where_the_split_starts_holding_out():
    # 0.2: round(1.4) = 1 at 7 tiles, round(1.6) = 2 at 8. 0.1: round(1.5) = 2 (half to even) at 15.
    assert [min_tiles_for_validation(f) for f in (0.1, 0.2, 0.3, 0.5)] == [15, 8, 5, 3]
    assert min_tiles_for_validation(0.0) is None
    for fraction in (0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.9):
        held_out = [len(split_validation(np.zeros(n, dtype=np.int64), fraction, 0, False)[1]) > 0 for n in range(1, 41)]
        assert held_out.index(True) + 1 == min_tiles_for_validation(fraction), fraction
        assert all(held_out[held_out.index(True):]), fraction


def test_checkpoint_selection_tolerates_one_standard_error():
    # 8 validation tiles: one tile less than a perfect score is outside the error, a tie is inside.
    assert within_noise_of_best(1.0, 1.0, 8) and not within_noise_of_best(0.875, 1.0, 8)
    # 100 tiles at 0.9: the error is about 0.03, so 0.88 is as good as 0.9 and 0.8 is not.
    assert within_noise_of_best(0.88, 0.9, 100) and not within_noise_of_best(0.8, 0.9, 100)
    assert within_noise_of_best(0.5, -1.0, 8)  # the first evaluation is always kept
    assert accuracy_standard_error(1.0, 4) > accuracy_standard_error(1.0, 40) > 0


def test_cnn_student_has_no_film_but_legacy_student_configs_keep_it():
    student, teacher = _nets("cnn")
    assert student.backbone.film is None and teacher.backbone.film is not None
    assert student(torch.randn(2, 3, 4, 4)).meta_feature.shape == (2, 64)
    # A model file written before `token_film` existed: its config lacks the key and its weights have FiLM.
    legacy = student.config.to_dict()
    del legacy["token_film"]
    old_student = LandCoverNet(NetworkConfig.from_dict(legacy))
    assert old_student.backbone.film is not None
    reloaded = LandCoverNet(NetworkConfig.from_dict(old_student.config.to_dict()))
    reloaded.load_state_dict(old_student.state_dict())  # strict: the FiLM weights have somewhere to go


@pytest.mark.parametrize("film_stages", ["last", "all"])
def test_cnn_teacher_film_equals_the_textbook_scale_and_shift(film_stages):
    # The last stage's FiLM runs after pooling (cheaper); it must give the textbook per-stage result.
    torch.manual_seed(0)
    teacher = LandCoverNet(NetworkConfig("cnn", "tiny", 6, 8, 7, "input", 2, 2, film_stages=film_stages)).eval()
    for lin in teacher.backbone.film:  # FiLM starts as the identity; make it do something
        torch.nn.init.normal_(lin.weight, std=0.3)
        torch.nn.init.normal_(lin.bias, std=0.3)
    x, meta = torch.randn(5, 6, 8, 8), _meta(5)
    cond = teacher.meta_embedding(meta)
    backbone, h = teacher.backbone, teacher.backbone.stem(x)
    films = iter(backbone.film)
    conditioned = range(3) if film_stages == "all" else [2]
    for i, stage in enumerate(backbone.stages):
        h = stage(h)
        if i in conditioned:
            gamma, beta = next(films)(cond).chunk(2, dim=1)
            h = h * (1 + gamma[:, :, None, None]) + beta[:, :, None, None]
    feat, _ = backbone(x, cond)
    assert torch.allclose(feat, h.mean(dim=(2, 3)), atol=1e-5)


def test_cnn_teacher_conditions_pooled_features_and_legacy_teachers_keep_film_after_every_stage():
    teacher = LandCoverNet(NetworkConfig("cnn", "tiny", 6, 8, 7, "input", 2, 2))
    assert [lin.out_features for lin in teacher.backbone.film] == [2 * 64]
    # A teacher written before `film_stages` existed: FiLM after every stage, and its weights still load.
    legacy = teacher.config.to_dict()
    del legacy["film_stages"]
    old_config = NetworkConfig.from_dict(legacy)
    assert old_config.film_stages == "all"
    old_teacher = LandCoverNet(old_config)
    assert [lin.out_features for lin in old_teacher.backbone.film] == [2 * 16, 2 * 32, 2 * 64]
    LandCoverNet(NetworkConfig.from_dict(old_teacher.config.to_dict())).load_state_dict(old_teacher.state_dict())
    with pytest.raises(ValueError, match="film_stages"):
        LandCoverNet(NetworkConfig("cnn", "tiny", 6, 8, 7, "input", 2, 2, film_stages="first"))
