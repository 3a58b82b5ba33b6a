# SPDX-License-Identifier: GPL-2.0-or-later
"""The committed benchmark cache (benchmarks/runs/): its records, the identity that decides when a record is no
longer its row, and the report's list of the runs still missing."""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import report_coverage  # noqa: E402
import run_accuracy  # noqa: E402


@pytest.fixture()
def fresh_hash(monkeypatch):
    """engine_defaults_sha1 recomputed under the test's patches, and cached again afterwards."""
    run_accuracy.engine_defaults_sha1.cache_clear()
    yield run_accuracy.engine_defaults_sha1
    monkeypatch.undo()
    run_accuracy.engine_defaults_sha1.cache_clear()


def test_an_option_added_at_its_neutral_default_keeps_the_committed_runs(monkeypatch, fresh_hash):
    base = fresh_hash()
    fresh_hash.cache_clear()
    # The table without the anchor: the anchor's default now counts, so the hash differs.
    monkeypatch.setattr(run_accuracy, "ADDED_AT_NEUTRAL_DEFAULT", {})
    assert fresh_hash() != base
    fresh_hash.cache_clear()
    # A listed option whose default changed is back in the hash: its runs rerun.
    monkeypatch.setattr(run_accuracy, "ADDED_AT_NEUTRAL_DEFAULT", {"encoder_anchor": 5.0})
    assert fresh_hash() != base


def test_a_changed_default_changes_the_identity(monkeypatch, fresh_hash):
    base = fresh_hash()
    fresh_hash.cache_clear()
    options = run_accuracy.TrainOptions()
    changed = dataclasses.replace(options, steps=options.steps + 1)
    monkeypatch.setattr(run_accuracy, "TrainOptions", lambda: changed)
    assert fresh_hash() != base


def test_recorded_commands_are_relative_to_the_repository():
    root = run_accuracy.REPO_ROOT
    command = [str(root / ".venv" / "bin" / "stssl"), "evaluate", "--patches",
               str(root / "benchmarks" / "out" / "splits" / "a.npz"), "--steps", "500"]
    assert run_accuracy.portable(command) == [".venv/bin/stssl", "evaluate", "--patches",
                                              "benchmarks/out/splits/a.npz", "--steps", "500"]


def test_missing_runs_are_counted_by_row(monkeypatch):
    cells = report_coverage.expected_cells("full", [0])
    assert cells, "the full grid asks for runs"
    first_tag, set_name, k, seed, row = next(c for c in cells if c[0] == "full")
    # Only one of the full grid's runs is present: every other cell is missing, and the curve's runs under their
    # own tag are named with it.
    monkeypatch.setattr(report_coverage, "load_runs",
                        lambda tag: {(set_name, k, row): {seed: {}}} if tag == first_tag else {})
    total, missing = report_coverage.missing_by_row("full", [0])
    assert total == len(cells)
    assert sum(missing.values()) == total - 1
    assert any(label.endswith("(default_steps2000)") for label in missing)
    section = report_coverage.coverage_section("full", [0])
    assert section[0].startswith("> **Incomplete:**") and f"holds 1 of the {total} runs" in section[0]
    monkeypatch.setattr(report_coverage, "missing_by_row", lambda variant, seeds: (3, {}))
    assert report_coverage.coverage_section("full", [0]) == []


def test_every_committed_run_says_what_it_is_and_where_it_was_made():
    records = sorted((BENCH / "runs").glob("*/*/*.json"))
    for path in records:
        record = json.loads(path.read_text())
        bench = record["bench"]
        assert not str(record.get("patch_set", "")).startswith("/"), f"{path}: absolute patch_set recorded"
        assert path.parent.name == f"{bench['set']}_k{bench['labels_per_class']}_s{bench['seed']}", path
        assert path.stem == bench["row"], path
        for key in ("date", "commit", "machine", "set_sha1"):
            assert bench.get(key), f"{path}: no {key}"
        assert not any(str(arg).startswith("/") for arg in bench["command"]), f"{path}: absolute path recorded"


def _automatic_presto_record(steps: int, **fields) -> dict:
    return {"method": "fixmatch", "backbone": "presto", "backbone_choice": {"backbone": "presto", "automatic": True},
            "steps": steps, "bench": {"steps": steps, "extra_args": []}, **fields}


def test_an_automatic_presto_run_longer_than_the_cut_and_made_before_it_is_stale():
    cut = run_accuracy.PRESTO_UNLABELED_STEPS
    assert run_accuracy.automatic_presto_stale(_automatic_presto_record(cut * 2)) is not None
    # Made with the cut, or no longer than it (the same model either way): still its row.
    assert run_accuracy.automatic_presto_stale(_automatic_presto_record(cut * 2, unlabeled_steps=cut)) is None
    assert run_accuracy.automatic_presto_stale(_automatic_presto_record(cut)) is None
    assert run_accuracy.automatic_presto_stale(_automatic_presto_record(cut, unlabeled_steps=cut)) is None
    # A record made with the cut but found with another one (or none) where it acts: stale.
    assert run_accuracy.automatic_presto_stale(_automatic_presto_record(cut * 4, unlabeled_steps=cut * 2)) is not None
    # The cut set on the command line, the CNN, a Presto chosen by the user, supervised training: not the rule's.
    explicit = _automatic_presto_record(cut * 2)
    explicit["bench"]["extra_args"] = ["--unlabeled-steps", str(cut)]
    cnn = {**_automatic_presto_record(cut * 2), "backbone": "cnn"}
    chosen = {**_automatic_presto_record(cut * 2), "backbone_choice": {"automatic": False}}
    supervised = {**_automatic_presto_record(cut * 2), "method": "supervised"}
    for record in (explicit, cnn, chosen, supervised):
        assert run_accuracy.automatic_presto_stale(record) is None


def test_the_cache_redoes_a_run_the_automatic_presto_rule_has_made_stale(tmp_path):
    cut = run_accuracy.PRESTO_UNLABELED_STEPS
    path = tmp_path / "default.json"
    expected = {"row": "default", "steps": cut * 2}
    before = _automatic_presto_record(cut * 2)
    before["bench"].update(expected)
    path.write_text(json.dumps(before))
    assert not run_accuracy.cached(path, expected)
    path.write_text(json.dumps({**before, "unlabeled_steps": cut}))
    assert run_accuracy.cached(path, expected)
