# SPDX-License-Identifier: GPL-2.0-or-later
"""The student's pseudo-labels (option ``student_targets``): all the teacher's confident ones, as in the paper, or
only those the student's own prediction of the weak view agrees with."""
import copy

import pytest
import torch
import torch.nn.functional as F

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.learning.batches import StepBatch
from spatiotemporal_ssl.core.learning.ssl import FixMatchLabeler, PseudoLabels, SSLModel, agreed_pseudo_labels
from spatiotemporal_ssl.core.models.metadata import MetaBatch
from spatiotemporal_ssl.core.models.network import NetOutput
from spatiotemporal_ssl.core.params import TrainOptions


def test_agreement_keeps_only_the_labels_the_student_predicts_itself():
    pseudo = PseudoLabels(torch.tensor([0, 1, 2, 1]), torch.tensor([1.0, 1.0, 0.0, 0.5]))
    student = torch.tensor([[5.0, 0, 0], [0, 0, 5.0], [0, 0, 5.0], [0, 5.0, 0]])  # agrees, differs, agrees, agrees
    gated = agreed_pseudo_labels(pseudo, student, multi_label=False)
    assert torch.equal(gated.targets, pseudo.targets)
    assert gated.weights.tolist() == [1.0, 0.0, 0.0, 0.5]  # a weight the teacher set to 0 stays 0


def test_multi_label_agreement_is_per_entry():
    pseudo = PseudoLabels(torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.ones(2, 2))
    student = torch.tensor([[3.0, 3.0], [-3.0, 3.0]])  # entry (0, 1) predicted present, the teacher says absent
    assert agreed_pseudo_labels(pseudo, student, multi_label=True).weights.tolist() == [[1.0, 0.0], [1.0, 1.0]]


class _Linear(torch.nn.Module):
    """A linear classifier of the tile's values with the interface SSLModel uses: its argmax differs from tile to
    tile, so a teacher and a student of different weights agree on some tiles and not on others."""

    def __init__(self, uses_metadata):
        super().__init__()
        self.uses_metadata = uses_metadata
        self.fc = torch.nn.Linear(3 * 4 * 4, 3)

    def forward(self, x, meta=None):
        return NetOutput(self.fc(x.flatten(1)), None)


def _model(student_targets):
    torch.manual_seed(0)
    # Threshold 0: every teacher label is confident, so only the agreement can leave one out.
    return SSLModel(_Linear(False), _Linear(True), FixMatchLabeler(3, False, threshold=0.0), False, lambda_d=0.0,
                    student_targets=student_targets)


def _meta(n):
    return MetaBatch(torch.randn(n, 2), torch.randn(n, 2), torch.ones(n, dtype=torch.bool),
                     torch.ones(n, dtype=torch.bool))


@pytest.mark.parametrize("student_targets", ["agreed", "teacher"])
def test_student_loss_leaves_out_the_tiles_it_disagrees_on(student_targets):
    torch.manual_seed(1)
    x_l, y_l, x_w = torch.randn(4, 3, 4, 4), torch.tensor([0, 1, 2, 0]), torch.randn(16, 3, 4, 4)
    x_s = x_w + 0.3 * torch.randn_like(x_w)
    meta_l, meta_u = _meta(4), _meta(16)
    model = _model(student_targets)
    reference = copy.deepcopy(model)
    out = model(StepBatch(x_l, y_l, meta_l, x_w, x_s, meta_u))
    with torch.no_grad():
        t_logits = reference.teacher(x_w, meta_u).logits
        targets = t_logits.argmax(1)
        agree = (reference.student(x_w).logits.argmax(1) == targets).float()
        logits_l, logits_s = reference.student(x_l).logits, reference.student(x_s).logits
    assert 0 < agree.sum() < len(agree)  # the case the option is about: some agree, some do not
    weights = agree if student_targets == "agreed" else torch.ones_like(agree)
    expected = F.cross_entropy(logits_l, y_l) + (F.cross_entropy(logits_s, targets, reduction="none") * weights).mean()
    assert out.log["loss_student"].item() == pytest.approx(expected.item(), rel=1e-5)
    assert ("student_mask_rate" in out.log) == (student_targets == "agreed")
    if student_targets == "agreed":
        assert out.log["student_mask_rate"].item() == pytest.approx(agree.mean().item())
    # The teacher's own step is the same either way, and its pseudo-labels are what the step reports.
    assert out.log["mask_rate"].item() == pytest.approx(1.0)
    assert torch.equal(out.pseudo.targets, targets)


def test_the_option_is_in_the_table_the_cli_and_validation():
    assert TrainOptions().student_targets == "agreed"
    args = cli.build_parser().parse_args(["evaluate", "--patches", "p.npz", "--student-targets", "teacher"])
    assert args.student_targets == "teacher"
    with pytest.raises(InputError, match="student_targets"):
        TrainOptions.from_mapping({"student_targets": "both"})
