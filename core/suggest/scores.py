# SPDX-License-Identifier: GPL-2.0-or-later
"""The networks' class probabilities for tiles, and the scores that rank tiles for labelling.

Three networks of one training run can be asked about a tile:
- the deployed student (the EMA weights the model file predicts with);
- the metadata teacher, given the tile's location and date (only models trained with metadata 'teacher');
- the online student of the run's last step, from the training state the model file keeps for resume.
Every score is "higher = more worth labelling". Probabilities always come from
:meth:`core.app.modelfile.LoadedModel.probabilities`, the code prediction uses.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np
import torch

from ..app.modelfile import LoadedModel, read_model_blob
from ..errors import InputError
from ..models.network import LandCoverNet, NetworkConfig
from . import SCORES

_EPS = 1e-6


@dataclass
class TileProbabilities:
    """Class probabilities (N, K) of each network; None where the model file has no such network."""

    student: np.ndarray
    teacher: Optional[np.ndarray] = None
    online: Optional[np.ndarray] = None
    multi_label: bool = False


def networks_for(score: str) -> tuple:
    """Which networks a score needs besides the student."""
    check_score(score)
    return {"disagreement": ("teacher",), "ema": ("online",)}.get(score, ())


def check_score(score: str) -> None:
    if score not in SCORES:
        raise InputError(f"score '{score}' is not known; choose one of: {', '.join(SCORES)}")


def online_student(model: LoadedModel) -> Optional[LoadedModel]:
    """The run's online (non-EMA) student at its last step, as a model that predicts like ``model``.

    The model file keeps the full training state for resume; its ``model`` entry holds the online weights of
    both networks under ``student.`` and ``teacher.``. Returns None for a file without training state.
    """
    state = read_model_blob(model.path).get("training_state")
    if not isinstance(state, dict) or not isinstance(state.get("model"), dict):
        return None
    prefix = "student."
    weights = {k[len(prefix):]: v for k, v in state["model"].items() if k.startswith(prefix)}
    net = LandCoverNet(NetworkConfig.from_dict(model.config["student_config"]))
    try:
        net.load_state_dict(weights)
    except RuntimeError as exc:
        raise InputError(f"the training state in model file '{os.path.basename(model.path)}' does not match its "
                         f"student ({exc}); use --score confidence, or retrain") from exc
    net.to(model.device).eval()
    return dataclasses.replace(model, student=net, teacher=None)


def tile_probabilities(model: LoadedModel, images: np.ndarray, lat: np.ndarray, lon: np.ndarray, doy: np.ndarray,
                       networks: Iterable[str] = (), batch_size: int = 512) -> TileProbabilities:
    """Probabilities of normalised tiles (N, C, T, T) from the student and the ``networks`` asked for
    ('teacher', 'online'). ``lat``/``lon``/``doy`` are the tiles' centres and day of year (NaN: unknown); only
    networks that read metadata use them. Raises InputError when the model file lacks a network asked for."""
    networks = set(networks)
    name = os.path.basename(model.path)
    if "teacher" in networks and not model.has_teacher:
        raise InputError(f"model '{name}' has no teacher network (it was not trained with metadata 'teacher'), so "
                         "teacher-student disagreement cannot be scored; use --score confidence")
    online = online_student(model) if "online" in networks else None
    if "online" in networks and online is None:
        raise InputError(f"model '{name}' keeps no training state, so the online student is unknown; "
                         "use --score confidence")

    def run(m: LoadedModel, network: str) -> np.ndarray:
        out = []
        for i in range(0, images.shape[0], batch_size):
            sl = slice(i, i + batch_size)
            lat_t, lon_t, doy_t = (torch.from_numpy(np.asarray(a[sl], dtype=np.float64)) for a in (lat, lon, doy))
            batch = torch.from_numpy(np.ascontiguousarray(images[sl], dtype=np.float32))
            out.append(m.probabilities(batch, lat_t, lon_t, doy_t, network=network).cpu().numpy())
        k = len(model.config["classes"])
        return np.concatenate(out, axis=0) if out else np.zeros((0, k), np.float32)

    return TileProbabilities(
        student=run(model, "student"),
        teacher=run(model, "teacher") if "teacher" in networks else None,
        online=run(online, "student") if online is not None else None,
        multi_label=model.multi_label,
    )


def _as_distributions(p: np.ndarray, multi_label: bool) -> np.ndarray:
    """(N, K) softmax rows stay (N, 1, K); multi-label sigmoids become K binary distributions (N, K, 2)."""
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1.0 - _EPS)
    if multi_label:
        return np.stack([p, 1.0 - p], axis=-1)
    return (p / p.sum(axis=1, keepdims=True))[:, None, :]


def symmetric_kl(p: np.ndarray, q: np.ndarray, multi_label: bool = False) -> np.ndarray:
    """KL(p||q) + KL(q||p) per tile (summed over the classes' binary distributions for multi-label)."""
    a, b = _as_distributions(p, multi_label), _as_distributions(q, multi_label)
    return ((a - b) * (np.log(a) - np.log(b))).sum(axis=(1, 2))


def score_tiles(probs: TileProbabilities, score: str) -> np.ndarray:
    """One score per tile (float64, N): higher means label it sooner. See :data:`core.suggest.SCORES`."""
    check_score(score)
    d = _as_distributions(probs.student, probs.multi_label)  # (N, G, K): G distributions per tile
    if score == "confidence":
        return (1.0 - d.max(axis=2)).mean(axis=1)
    if score == "margin":
        top2 = np.sort(d, axis=2)[:, :, -2:]
        return (1.0 - (top2[:, :, 1] - top2[:, :, 0])).mean(axis=1)
    other = probs.teacher if score == "disagreement" else probs.online
    if other is None:
        raise InputError(f"score '{score}' needs the {'teacher' if score == 'disagreement' else 'online student'}'s "
                         "probabilities; ask tile_probabilities for them")
    return symmetric_kl(other, probs.student, probs.multi_label)
