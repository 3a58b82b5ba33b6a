# SPDX-License-Identifier: GPL-2.0-or-later
"""RESULTS.md's training-length section (benchmarks/report_length.py): a split whose default loses with length on
every seed is called worse and gets a diagnosis read from its runs' records; a split that does not, gets none."""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import report_length  # noqa: E402


def _run(accuracy: float, recalls, steps: int, best_step: int) -> dict:
    return {"accuracy": accuracy, "per_class_accuracy": recalls, "class_names": ["Forest", "NonForest"],
            "best_val_accuracy": 1.0, "n_validation": 4, "steps": steps, "best_step": best_step,
            "mask_rate": 0.8 + steps / 20000, "pseudo_label_accuracy": 0.85 - steps / 40000}


def _curves():
    """mtts_para falls with length on every seed (its non-forest recall with it); mtts_blocks rises."""
    by_steps = {}
    for steps, drop in ((500, 0.0), (1000, 0.02), (2000, 0.05)):
        by_steps[steps] = {
            ("mtts_para", 10, "default"): {
                seed: _run(0.62 - drop - seed / 100, [0.9, 0.55 - 2 * drop], steps, steps) for seed in (0, 1, 2)},
            ("mtts_blocks", 10, "default"): {
                seed: _run(0.93 + drop / 5 + seed / 100, [0.95, 0.9], steps, 50) for seed in (0, 1, 2)},
        }
    return by_steps


def test_a_split_that_loses_with_length_is_called_worse_and_diagnosed(monkeypatch):
    monkeypatch.setattr(report_length, "_curve_runs", lambda seeds: _curves())
    text = "\n".join(report_length.steps_section(10))
    para = next(line for line in text.splitlines() if line.startswith("| Mato Grosso → Pará"))
    assert "2,000: **worse**" in para and "-0.050" in para
    blocks = next(line for line in text.splitlines() if line.startswith("| Mato Grosso series, held-out"))
    assert "**better**" in blocks
    assert text.count("loses with length**") == 1 and "Why Mato Grosso → Pará" in text
    assert "the recall of **NonForest**, 0.55 at 500 steps and 0.45 at 2,000" in text
    assert "score 1.000 in every run at every length" in text  # the validation tiles could not see it
    assert "| 2,000 | 0.560 ± 0.010 (3) | 0.90 / 0.45 | 1.000 ± 0.000 (3) on 4 tiles | 3 of 3 |" in text


def test_no_length_section_without_two_lengths(monkeypatch):
    monkeypatch.setattr(report_length, "_curve_runs", lambda seeds: {500: _curves()[500]})
    assert report_length.steps_section(10) == []


def test_a_seed_that_falls_with_length_is_named_where_the_mean_does_not(monkeypatch):
    curves = _curves()
    # Pará: seeds 0 and 1 rise by 0.03 at 2,000 steps, seed 2 falls by 0.04.
    for seed, change in ((0, 0.03), (1, 0.03), (2, -0.04)):
        curves[2000][("mtts_para", 10, "default")][seed]["accuracy"] = (
            curves[500][("mtts_para", 10, "default")][seed]["accuracy"] + change)
    monkeypatch.setattr(report_length, "_curve_runs", lambda seeds: curves)
    text = "\n".join(report_length.steps_section(10))
    assert "loses with length**" not in text
    assert "lower at 2,000 steps than at 500 on seed 2 (-0.040)" in text
    assert "seed 0" not in text.split("lower at 2,000")[1].splitlines()[0]
