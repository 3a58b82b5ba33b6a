# SPDX-License-Identifier: GPL-2.0-or-later
"""The Presto encoder against the authors' reference outputs (../shared/pretrained/presto), and its weight loading."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.models import presto
from spatiotemporal_ssl.core.models.presto import (PIXEL_ONLY_MONTH, PrestoEncoder, find_presto_weights,
                                                   load_presto_state, token_layout, verify_sha256)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRESTO_DIR = os.path.normpath(os.path.join(ROOT, "..", "shared", "pretrained", "presto"))
WEIGHTS = os.path.join(PRESTO_DIR, "default_model.pt")
REFERENCE = os.path.join(PRESTO_DIR, "reference_embeddings.npz")
needs_weights = pytest.mark.skipif(not (os.path.isfile(WEIGHTS) and os.path.isfile(REFERENCE)),
                                   reason=f"Presto weights and reference not found in {PRESTO_DIR} (shared data)")
TOL = 1e-4


@pytest.fixture(scope="module")
def encoder() -> PrestoEncoder:
    return PrestoEncoder.from_state(load_presto_state(WEIGHTS)).eval()


@pytest.fixture(scope="module")
def reference() -> dict:
    with np.load(REFERENCE) as npz:
        cases: dict = {}
        for key in npz.files:
            case, name = key.split("__")
            cases.setdefault(case, {})[name] = npz[key]
    return cases


def _run(encoder, case: dict, **kwargs):
    t = {k: torch.from_numpy(v) for k, v in case.items()}
    with torch.no_grad():
        return encoder(t["x"], t["mask"], start_month=t["start_month"], latlon=t["latlon"],
                       dynamic_world=t["dynamic_world"], **kwargs)


@needs_weights
def test_every_reference_case_is_reproduced(encoder, reference):
    assert len(reference) == 5
    for name, case in reference.items():
        out = _run(encoder, case, return_tokens=True)
        assert np.abs(out.embedding.numpy() - case["embedding"]).max() < TOL, name
        # The reference keeps only present tokens (location first, then kept_indices of the band tokens).
        tokens = out.tokens.numpy()
        for i, kept in enumerate(case["kept_indices"]):
            mine = np.concatenate([tokens[i, :1], tokens[i, 1 + kept]])
            assert np.abs(mine - case["tokens"][i]).max() < TOL, name
            assert not out.token_missing[i, 1 + kept].any() and out.token_missing[i, 1:].sum() == \
                out.token_missing.shape[1] - 1 - len(kept)


@needs_weights
def test_pixels_missing_different_tokens_in_one_batch_equal_the_removal_path(encoder, reference):
    # full_t12 keeps 109 tokens, s2_only_t12 72, modis_like 60: the authors cannot batch them; masking can.
    names = ["full_t12", "s2_only_t12", "modis_like_t12_startmonth"]
    batch = {key: np.concatenate([reference[n][key] for n in names]) for key in
             ("x", "mask", "dynamic_world", "latlon", "start_month")}
    out = _run(encoder, batch)
    expected = np.concatenate([reference[n]["embedding"] for n in names])
    assert np.abs(out.embedding.numpy() - expected).max() < TOL
    # One pixel alone gives the same as in the mixed batch.
    single = {key: value[6:7] for key, value in batch.items()}
    assert np.abs(_run(encoder, single).embedding.numpy()[0] - expected[6]).max() < TOL


@needs_weights
def test_months_nan_and_views(encoder, reference):
    case = reference["modis_like_t12_startmonth"]
    x, mask = torch.from_numpy(case["x"]), torch.from_numpy(case["mask"])
    start = torch.from_numpy(case["start_month"])
    per_step = (start[:, None] + torch.arange(12)) % 12
    with torch.no_grad():
        a = encoder(x, mask, start_month=start, latlon=torch.from_numpy(case["latlon"])).embedding
        b = encoder(x, mask, months=per_step, latlon=torch.from_numpy(case["latlon"])).embedding
        # NaN in missing values must not leak into the result.
        c = encoder(x.masked_fill(mask.bool(), float("nan")), mask, months=per_step,
                    latlon=torch.from_numpy(case["latlon"])).embedding
        student = encoder(x, mask, months=PIXEL_ONLY_MONTH, return_tokens=True)
        student_tensor = encoder(x, mask, months=torch.zeros(5, 12, dtype=torch.long)).embedding
    assert torch.allclose(a, torch.from_numpy(case["embedding"]), atol=TOL)
    assert torch.allclose(a, b, atol=1e-6) and torch.allclose(a, c, atol=1e-6)
    assert torch.allclose(student.embedding, student_tensor, atol=1e-6)
    assert student.tokens.shape[1] == len(token_layout(12)) and not torch.allclose(student.embedding, a, atol=0.1)
    with pytest.raises(InputError, match="exactly one"):
        encoder(x, mask)
    with pytest.raises(InputError, match="0 \\(January\\) to 11"):
        encoder(x, mask, months=12)
    with pytest.raises(InputError, match="1 to 24"):
        encoder(torch.zeros(1, 25, 17), months=0)


@needs_weights
def test_a_pixel_with_nothing_observed_is_nan_and_leaves_the_others_alone(encoder, reference):
    case = reference["s2_only_t12"]
    x, mask = torch.from_numpy(case["x"]), torch.from_numpy(case["mask"]).clone()
    mask[2] = 1
    with torch.no_grad():
        out = encoder(x, mask, start_month=torch.from_numpy(case["start_month"]))
        ref = encoder(x[[0, 1, 3]], mask[[0, 1, 3]], start_month=torch.from_numpy(case["start_month"][[0, 1, 3]]))
    assert out.empty.tolist() == [False, False, True, False, False, False]
    assert torch.isnan(out.embedding[2]).all() and torch.isfinite(out.embedding[[0, 1, 3]]).all()
    assert torch.allclose(out.embedding[[0, 1, 3]], ref.embedding, atol=1e-5)


def test_token_layout_order():
    layout = token_layout(2, with_location=True)
    assert layout[0] == ("location", -1) and layout[1:3] == [("S1", 0), ("S1", 1)]
    assert layout[15] == ("SRTM", 0) and layout[16] == ("NDVI", 0) and layout[-1] == ("dynamic_world", 1)
    assert len(token_layout(12)) == 109  # the authors' full_t12 count


@needs_weights
def test_weights_file_checks(tmp_path):
    verify_sha256(WEIGHTS)
    text = tmp_path / "notes.pt"
    text.write_text("not weights")
    with pytest.raises(InputError, match="notes.pt.*not a PyTorch weights file.*github.com/nasaharvest"):
        load_presto_state(text)
    with pytest.raises(InputError, match="sha256"):
        verify_sha256(text)
    state = load_presto_state(WEIGHTS)
    assert set(state) == set(PrestoEncoder().state_dict())  # decoder keys are left out
    state["blocks.0.attn.qkv.weight"] = torch.zeros(3, 3)
    wrong = tmp_path / "wrong.pt"
    torch.save(state, wrong)
    with pytest.raises(InputError, match="wrong.pt.*not the Presto encoder.*wrong shape"):
        load_presto_state(wrong)
    torch.save({"encoder.norm.weight": torch.zeros(128)}, wrong)
    with pytest.raises(InputError, match="missing"):
        load_presto_state(wrong)


def test_finding_the_weights(tmp_path, monkeypatch):
    monkeypatch.delenv(presto.WEIGHTS_ENV, raising=False)
    with pytest.raises(InputError, match=f"not found.*{tmp_path}.*{presto.WEIGHTS_ENV}"):
        find_presto_weights(search_dirs=[tmp_path])
    with pytest.raises(InputError, match="nope.pt' not found"):
        find_presto_weights(tmp_path / "nope.pt")
    (tmp_path / presto.PRESTO_FILE_NAME).write_bytes(b"x")
    assert find_presto_weights(search_dirs=[tmp_path / "empty", tmp_path]) == tmp_path / presto.PRESTO_FILE_NAME
    other = tmp_path / "other.pt"
    other.write_bytes(b"x")
    monkeypatch.setenv(presto.WEIGHTS_ENV, str(other))
    assert find_presto_weights(search_dirs=[tmp_path]) == other
    assert find_presto_weights(str(tmp_path / presto.PRESTO_FILE_NAME)) == tmp_path / presto.PRESTO_FILE_NAME
    monkeypatch.setenv(presto.WEIGHTS_ENV, str(tmp_path / "gone.pt"))
    with pytest.raises(InputError, match=presto.WEIGHTS_ENV):
        find_presto_weights()
