# SPDX-License-Identifier: GPL-2.0-or-later
"""The training loop: callbacks, cancel, resume, all methods and metadata modes, DDP with 2 gloo processes."""
import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from spatiotemporal_ssl.core.params import TrainOptions
from spatiotemporal_ssl.core.learning.trainer import Trainer

from synthetic import training_data  # noqa: E402  (tests/ is on sys.path via conftest)


def _opts(**kw):
    base = dict(steps=12, batch_size=4, unlabeled_ratio=2, eval_every=4, device="cpu", lr=3e-3)
    base.update(kw)
    return TrainOptions(**base)


@pytest.mark.parametrize("method", ["supervised", "fixmatch", "freematch", "softmatch"])
@pytest.mark.parametrize("metadata", ["none", "input", "teacher"])
def test_every_method_runs_in_every_metadata_mode(method, metadata):
    result = Trainer(_opts(method=method, metadata=metadata, steps=4)).fit(training_data())
    assert result.steps_done == 4
    assert (result.model.teacher is not None) == (metadata == "teacher")
    assert result.model.student.uses_metadata == (metadata == "input")
    if method != "supervised":
        assert result.mean_mask_rate is not None and 0.0 <= result.mean_mask_rate <= 1.0


def test_vit_and_multi_label_train():
    result = Trainer(_opts(backbone="vit", multi_label=True, steps=4)).fit(training_data(multi_label=True))
    assert result.steps_done == 4 and result.model.student.config.backbone == "vit"


def test_callback_reports_step_losses_mask_rate_validation_and_eta():
    seen = []
    Trainer(_opts()).fit(training_data(), progress=seen.append, progress_every=2)
    assert [p.step for p in seen] == [2, 4, 6, 8, 10, 12]
    last = seen[-1]
    assert last.total_steps == 12 and "loss" in last.losses and "loss_distill" in last.losses
    assert last.mask_rate is not None and last.val_accuracy is not None and last.eta_seconds is not None
    # The student learns from the teacher's confident pseudo-labels it also predicts: never more of them.
    assert all(p.student_mask_rate is not None and p.student_mask_rate <= p.mask_rate + 1e-6 for p in seen)
    assert last.device_name.startswith("CPU")
    # The cumulative data-wait seconds (so a caller can take the fraction over a window of steps) only grow.
    waits = [p.data_wait_seconds for p in seen]
    assert all(w is not None for w in waits) and waits == sorted(waits) and waits[-1] > 0


def test_cancel_stops_within_one_step_and_returns_a_usable_model():
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 5

    result = Trainer(_opts(steps=100)).fit(training_data(), should_stop=should_stop)
    assert result.cancelled and result.steps_done == 5
    out = result.model.student(torch.zeros(2, 3, 4, 4))
    assert torch.isfinite(out.logits).all()


def test_resume_continues_from_the_saved_step():
    data = training_data()
    first = Trainer(_opts(steps=12)).fit(data, should_stop=lambda: False)
    state = first.training_state
    assert state["step"] == 12
    resumed = Trainer(_opts(steps=16)).fit(data, resume_state=state)
    assert resumed.steps_done == 16
    assert [h["step"] for h in resumed.history] == [4, 8, 12, 16]


def _same_weights(a, b) -> bool:
    """Whether two fits end with the same weights, name by name and bit for bit."""
    pairs = list(zip(a.model.state_dict().items(), b.model.state_dict().items()))
    return all(ka == kb and torch.equal(va, vb) for (ka, va), (kb, vb) in pairs)


def test_same_seed_same_model():
    a = Trainer(_opts(steps=6)).fit(training_data())
    b = Trainer(_opts(steps=6)).fit(training_data())
    assert _same_weights(a, b)


def test_ddp_with_two_gloo_processes(tmp_path):
    """torchrun-style launch: 2 CPU processes on gloo train the same model and stay in sync."""
    script = tmp_path / "ddp_run.py"
    tests_dir = os.path.dirname(__file__)
    script.write_text(textwrap.dedent(f"""
        import os, sys, json, torch
        sys.path.insert(0, {tests_dir!r})
        from synthetic import training_data
        from spatiotemporal_ssl.core.params import TrainOptions
        from spatiotemporal_ssl.core.learning.trainer import Trainer
        import torch.distributed as dist
        opts = TrainOptions(steps=6, batch_size=4, unlabeled_ratio=2, eval_every=3, device="cpu")
        result = Trainer(opts).fit(training_data())
        rank = dist.get_rank()
        torch.save(result.model.state_dict(), os.path.join({str(tmp_path)!r}, f"rank{{rank}}.pt"))
        json.dump({{"world": dist.get_world_size(), "steps": result.steps_done}}, open(os.path.join({str(tmp_path)!r}, f"rank{{rank}}.json"), "w"))
        dist.destroy_process_group()
    """))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29533",
                           str(script)], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    infos = [json.load(open(tmp_path / f"rank{r}.json")) for r in (0, 1)]
    assert infos == [{"world": 2, "steps": 6}] * 2
    s0, s1 = torch.load(tmp_path / "rank0.pt"), torch.load(tmp_path / "rank1.pt")
    for k in s0:
        assert torch.allclose(s0[k].float(), s1[k].float(), atol=1e-6), k


def test_checkpoints_are_written_every_n_steps_and_resume(tmp_path):
    from spatiotemporal_ssl.core.app.demo import sample_paths
    from spatiotemporal_ssl.core.app.modelfile import read_model_blob
    from spatiotemporal_ssl.core.params import RasterInput, TrainRequest
    from spatiotemporal_ssl.core.app.pipeline import train_model

    p = sample_paths()
    out = str(tmp_path / "m.pt")
    seen = []

    def stop_after_checkpoint():
        # cancel right after the first checkpoint (step 4) has been written
        seen.append(os.path.exists(out))
        return os.path.exists(out) and read_model_blob(out)["training_state"]["step"] == 4

    opts = _opts(steps=20, checkpoint_every=4, tile_size_px=4)
    req = TrainRequest([RasterInput(p["image"])], p["labels"], "label", out, opts)
    first = train_model(req, should_stop=stop_after_checkpoint)
    assert first.cancelled and first.steps_done == 4 and seen[:4] == [False] * 4
    assert read_model_blob(out)["training_state"]["step"] == 4
    resumed = train_model(req, resume_from=out)
    assert not resumed.cancelled and resumed.steps_done == 20
    assert read_model_blob(out)["config"]["report"]["steps_done"] == 20


def test_progress_has_no_student_share_under_the_papers_rule():
    seen = []
    Trainer(_opts(steps=4, student_targets="teacher")).fit(training_data(), progress=seen.append, progress_every=2)
    assert seen and all(p.mask_rate is not None and p.student_mask_rate is None for p in seen)


def test_unlabeled_steps_end_the_unlabelled_batches_and_keep_the_labels():
    # Steps 1-4 learn from the unlabelled tiles (mask rate, unlabelled loss); steps 5-12 from the labels alone.
    result = Trainer(_opts(unlabeled_steps=4)).fit(training_data())
    by_step = {h["step"]: h for h in result.history}
    assert "mask_rate" in by_step[4] and "loss_unsup" in by_step[4]
    assert all("mask_rate" not in by_step[s] and "loss_unsup" not in by_step[s] for s in (8, 12))
    assert all("loss_sup" in by_step[s] for s in (4, 8, 12))
    # The teacher still pulls the student on the labelled tiles.
    assert "loss_distill" in by_step[12]


def test_unlabeled_steps_at_or_past_the_run_length_change_nothing():
    # What lets the benchmarks keep runs made before the option: unset and >= steps train the same model.
    plain = Trainer(_opts(steps=6)).fit(training_data())
    for bound in (6, 50):
        assert _same_weights(plain, Trainer(_opts(steps=6, unlabeled_steps=bound)).fit(training_data()))
    assert not _same_weights(plain, Trainer(_opts(steps=6, unlabeled_steps=3)).fit(training_data()))
